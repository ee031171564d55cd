#!/usr/bin/env node
// Locates libtorch for the native build, in the order of design.md (tch-rs's model):
//   1. LIBTORCH=<folder with include/ and lib/>
//   2. LIBTORCH_USE_PYTORCH=1: the headers and libraries inside the Python `torch` package (CUDA builds)
//   3. the system install (Debian/Ubuntu libtorch-dev)
// `node scripts/find-libtorch.mjs --json` prints the result; --includes/--libdirs/--libs/--defines print
// space-separated lists for binding.gyp. Fails with one message listing the three fixes.
import { existsSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

function fromFolder(root, source) {
  const inc = join(root, 'include');
  const api = join(inc, 'torch', 'csrc', 'api', 'include');
  const lib = join(root, 'lib');
  if (!existsSync(join(inc, 'ATen', 'ATen.h')) || !existsSync(lib)) return null;
  return { source, includes: [inc, api], libdirs: [lib], ...libsIn(lib) };
}

function libsIn(lib) {
  const names = existsSync(lib) ? readdirSync(lib) : [];
  const has = (n) => names.some((f) => f.startsWith(`lib${n}.so`));
  const libs = ['torch', 'torch_cpu', 'c10'];
  const cuda = has('torch_cuda');
  if (cuda) libs.push('torch_cuda', 'c10_cuda');
  return { libs, cuda };
}

function fromPython() {
  const py = process.env.PYTHON ?? 'python3';
  const out = execFileSync(py, ['-c', 'import torch, os, json; print(json.dumps({"root": os.path.dirname(torch.__file__), "abi": int(torch._C._GLIBCXX_USE_CXX11_ABI), "version": torch.__version__}))'], { encoding: 'utf8' });
  const info = JSON.parse(out);
  const r = fromFolder(info.root, `python torch ${info.version} (${info.root})`);
  if (r) r.abi = info.abi;
  return r;
}

function fromSystem() {
  const inc = '/usr/include';
  const api = '/usr/include/torch/csrc/api/include';
  if (!existsSync(join(inc, 'ATen', 'ATen.h')) || !existsSync(api)) return null;
  const libdir = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib'].find((d) => existsSync(join(d, 'libtorch.so')));
  if (!libdir) return null;
  return { source: `system libtorch (${libdir})`, includes: [api], libdirs: [libdir], ...libsIn(libdir) };
}

/**
 * The c10d backends to compile in (native/src/dist.cc): Gloo when its headers are installed (Debian: libgloo-dev;
 * pip's torch ships them under include/), NCCL when the libtorch found has ProcessGroupNCCL (CUDA builds only).
 */
export function c10dDefines(r) {
  const incs = [...r.includes, ...r.includes.map((d) => join(d, '..', '..', '..', '..')), '/usr/include'];
  const has = (rel) => incs.some((d) => existsSync(join(d, rel)));
  const defs = [];
  if (has('gloo/algorithm.h') && has('torch/csrc/distributed/c10d/ProcessGroupGloo.hpp')) defs.push('USE_C10D_GLOO');
  if (r.cuda && has('torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp') && (has('nccl.h') || existsSync('/usr/include/nccl.h'))) defs.push('USE_C10D_NCCL');
  return defs;
}

export function findLibtorch() {
  let r = null;
  if (process.env.LIBTORCH) {
    r = fromFolder(process.env.LIBTORCH, `LIBTORCH=${process.env.LIBTORCH}`);
    if (!r) fail(`LIBTORCH=${process.env.LIBTORCH} has no include/ATen/ATen.h and lib/ folder.`);
  } else if (process.env.LIBTORCH_USE_PYTORCH === '1') {
    try {
      r = fromPython();
    } catch (e) {
      fail(`LIBTORCH_USE_PYTORCH=1 but the Python torch package could not be imported: ${String(e.message).split('\n')[0]}`);
    }
  } else {
    r = fromSystem();
  }
  if (!r) fail('libtorch was not found.');
  r.abi ??= 1;
  return r;
}

function fail(why) {
  console.error(`hpaic: cannot build the native addon: ${why}
Possible solutions:
  1. Debian/Ubuntu: sudo apt-get install libtorch-dev        (CPU libtorch 1.13 in /usr)
  2. LIBTORCH=/path/to/libtorch npm run build:native         (an unpacked libtorch from pytorch.org)
  3. LIBTORCH_USE_PYTORCH=1 npm run build:native             (use the pip-installed torch, e.g. with CUDA)`);
  process.exit(1);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = findLibtorch();
  const mode = process.argv[2] ?? '--json';
  if (mode === '--includes') console.log(r.includes.join(' '));
  else if (mode === '--libdirs') console.log(r.libdirs.map((d) => `-L${d} -Wl,-rpath,${d}`).join(' '));
  else if (mode === '--libs') console.log(r.libs.map((l) => `-l${l}`).join(' '));
  else if (mode === '--defines') console.log([`_GLIBCXX_USE_CXX11_ABI=${r.abi}`, ...(r.cuda ? ['HPAIC_WITH_CUDA=1'] : []), ...c10dDefines(r)].join(' '));
  else console.log(JSON.stringify(r, null, 2));
}
