#!/usr/bin/env node
// Locates libhdf5 (serial), liblzf and libdeflate for the optional ingest addon (build/Release/hpaic_ingest.node),
// through pkg-config as Debian/Ubuntu's libhdf5-dev, liblzf-dev and libdeflate-dev install them. `--found` prints 1 or 0 for
// binding.gyp's condition; `--includes` / `--libs` print space-separated lists. Without them the target is left
// out and `hpaic convert` decodes in JavaScript and writes through h5wasm (slower; docs/benchmarks.md "Memory and conversion").
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

function pkg(args) {
  try {
    return execFileSync('pkg-config', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

function find() {
  if (process.env.HPAIC_NATIVE_INGEST === '0') return null;
  const cflags = pkg(['--cflags', 'hdf5']);
  const libs = pkg(['--libs', 'hdf5']);
  const lzfInclude = ['/usr/include/liblzf', '/usr/include'].find((d) => existsSync(`${d}/lzf.h`));
  const deflate = pkg(['--libs', 'libdeflate']);
  if (cflags === null || libs === null || !lzfInclude || deflate === null) return null;
  return {
    includes: [...cflags.split(/\s+/).filter((f) => f.startsWith('-I')).map((f) => f.slice(2)), lzfInclude],
    libs: [...libs.split(/\s+/).filter(Boolean), '-llzf', ...deflate.split(/\s+/).filter(Boolean)],
  };
}

const found = find();
const arg = process.argv[2];
if (arg === '--found') console.log(found ? '1' : '0');
else if (arg === '--includes') console.log(found ? found.includes.join(' ') : '');
else if (arg === '--libs') console.log(found ? found.libs.join(' ') : '');
else console.log(JSON.stringify(found));
