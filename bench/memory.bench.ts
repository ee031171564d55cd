/**
 * `npm run bench:memory`: peak memory of `hpaic train`, `hpaic find-thresholds` and `hpaic submit` next to the
 * seed's loops in PyTorch on the same data, in one run.
 *
 * Both sides run as child processes of this script; a sampler reads the proportional set size (PSS, shared pages
 * split between the processes that map them) of the child and all its descendants every 50 ms, so the seed's
 * DataLoader worker processes count as hpaic's worker threads do, and forked copy-on-write pages are not counted
 * twice. Also printed: the main process's own peak RSS (VmHWM, exact, no sampling).
 *
 * Data: BENCH_N (128) RGBY images of BENCH_SIZE² (512) in LZF HDF5 (smooth blobs + mild noise, compressible like
 * microscopy), of which a quarter is validation, plus a test.hdf5 of BENCH_TEST (32) images.
 * - train: one epoch, resnet18 + the seed head, batch 16, 2 loader workers, 2 threads (bench/python/seed_train_bench.py).
 * - find-thresholds: hpaic predicts the validation images of fold 1 and searches; the PyTorch side is the seed's
 *   prediction pass over the same number of images (seed_submit_bench.py with no TTA pipelines): its threshold
 *   search is NumPy on a 28-column table and holds no memory worth measuring.
 * - submit: 15-way TTA on the test images (seed_submit_bench.py: 16 DataLoader passes), 1 loader worker.
 * Then hpaic's own split, phase by phase (HPAIC_MEMORY_TRACE): peak RSS within the phase, the tensor cache's live,
 * free and mapped bytes, the main V8 heap, and the rest (libraries, malloc heaps, loader worker threads).
 * Flags (or BENCH_ env): --n, --size, --test, --batch, --threads.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hdf5Writer } from '../src/data/store/Hdf5Store.js';
import { blobImage, hpaLikeTarget } from './blobImage.js';
import { seededRandom } from '../src/data/tables/seededRandom.js';
import { createModel } from '../src/models/registry.js';
import { saveWeights } from '../src/models/weights.js';
import { buildTtaList } from '../src/data/image/tta.js';
import type { MemoryPhase } from '../src/run/memoryTrace.js';
import { REPO, benchOption } from './benchOptions.js';

const N = Number(benchOption('n', '128'));
const S = Number(benchOption('size', '512'));
const N_TEST = Number(benchOption('test', '32'));
const BATCH = Number(benchOption('batch', '16'));
const THREADS = Number(benchOption('threads', '2'));
const VAL = 0.25;
const GiB = 2 ** 30;

async function writeStore(path: string, ids: string[], rng: () => number): Promise<void> {
  const w = await Hdf5Writer.create(path, { height: S, width: S, nameLength: 36, compression: 'lzf' });
  for (const id of ids) w.append(blobImage(rng, S), id);
  w.close();
}

const idOf = (prefix: string, i: number): string => `${String(i).padStart(8, '0')}-${prefix}-0000-0000-000000000000`.slice(0, 36);

/** PSS (bytes) of `pid` and all its descendants, from /proc. */
function treePss(pid: number): number {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // the process ended while we looked
    }
  }
  let total = 0;
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop()!;
    try {
      const m = readFileSync(`/proc/${p}/smaps_rollup`, 'utf8').match(/^Pss:\s+(\d+) kB/m);
      if (m) total += Number(m[1]) * 1024;
    } catch {
      // gone
    }
    stack.push(...(children.get(p) ?? []));
  }
  return total;
}

interface Peak {
  pss: number;
  hwm: number;
  seconds: number;
}

/** Runs a command, sampling its process tree's PSS; the main process's VmHWM is read just before it exits via /usr/bin/time. */
function measure(cmd: string, args: string[], env: Record<string, string> = {}): Promise<Peak> {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    // GNU time reports the child's own peak RSS (ru_maxrss) on stderr's last line.
    const child = spawn('/usr/bin/time', ['-f', 'HWM_KB %M', cmd, ...args], { env: { ...process.env, OMP_NUM_THREADS: String(THREADS), OMP_WAIT_POLICY: 'PASSIVE', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', () => {});
    let peak = 0;
    const timer = setInterval(() => {
      peak = Math.max(peak, treePss(child.pid!));
    }, 50);
    child.on('close', (code) => {
      clearInterval(timer);
      const m = stderr.match(/HWM_KB (\d+)\s*$/);
      if (code !== 0 || !m) return fail(new Error(`${cmd} ${args.join(' ')} failed (${code}): ${stderr.trim().split('\n').slice(-4).join(' | ')}`));
      done({ pss: peak, hwm: Number(m[1]) * 1024, seconds: (performance.now() - t0) / 1000 });
    });
  });
}

const work = mkdtempSync(join(tmpdir(), 'hpaic-bench-memory-'));
try {
  const root = join(work, 'data');
  mkdirSync(root);
  const rng = seededRandom(7);
  const ids = Array.from({ length: N }, (_, i) => idOf('bench', i));
  const testIds = Array.from({ length: N_TEST }, (_, i) => idOf('testx', i));
  await writeStore(join(root, 'train.hdf5'), ids, rng);
  await writeStore(join(root, 'test.hdf5'), testIds, rng);
  const labels = ids.map(() => hpaLikeTarget(rng));
  writeFileSync(join(root, 'train.csv'), 'Id,Target\n' + ids.map((id, i) => `${id},${labels[i]}`).join('\n') + '\n');
  writeFileSync(join(root, 'sample_submission.csv'), 'Id,Predicted\n' + testIds.map((id) => `${id},0`).join('\n') + '\n');
  // The PyTorch prediction passes read <dir>/test.hdf5 + sample_submission.csv: a folder with the validation-sized set.
  const valRoot = join(work, 'val');
  mkdirSync(valRoot);
  const nVal = Math.ceil(N * VAL);
  const valIds = Array.from({ length: nVal }, (_, i) => idOf('valxx', i));
  await writeStore(join(valRoot, 'test.hdf5'), valIds, rng);
  writeFileSync(join(valRoot, 'sample_submission.csv'), 'Id,Predicted\n' + valIds.map((id) => `${id},0`).join('\n') + '\n');
  writeFileSync(join(work, 'no_tta.json'), '[]');
  writeFileSync(join(work, 'tta.json'), JSON.stringify(buildTtaList({}, 0).map((p) => p.ops)));
  const weightsPath = join(work, 'r18.pth');
  await saveWeights(createModel('resnet18', { head: 'adaptive' }), weightsPath);

  const ckpt = join(work, 'ckpt');
  const config = {
    name: 'mem', device: 'cpu', checkpoint_dir: ckpt, epochs: 1, img_h: S, img_w: S, aug: true, lr_patience: 3, lr_factor: 0.2, min_lr: 1e-7,
    stop_patience: 10, threads: THREADS, seed: 0, plots: 'none',
    dataset: { root_dir: root, filters: 'rgb', subset: 1.0, random_state: 92, format: 'hdf5' },
    sampler: { mode: 'meanmax', weights: { scaling: 'median', min_clip: null, max_clip: null, damping_r: null } },
    dataloader: { n_splits: 1, val_size: VAL, batch_size: BATCH, workers: 2, random_state: 92 },
    model: { name: 'resnet18', dropout_p: 0.5, pretrained: null },
    criterion: { name: 'bce', weights: { scaling: null, min_clip: null, max_clip: null, damping_r: null } },
    optim: { name: 'adam', lr: 1e-3, weight_decay: 0 },
    load: { path: null, weights_only: null },
  };
  const cfgPath = join(work, 'config.json');
  writeFileSync(cfgPath, JSON.stringify(config, null, 2));
  const traces: [string, string][] = [];
  const hpaic = (...args: string[]): Promise<Peak> => {
    const trace = join(work, `trace_${args[0]}.jsonl`);
    traces.push([args[0], trace]);
    return measure(process.execPath, [join(REPO, 'bin/hpaic.js'), ...args, '-c', cfgPath, '--quiet'], { HPAIC_MEMORY_TRACE: trace });
  };
  const py = (script: string, args: string[]): Promise<Peak> => measure('/usr/bin/python3', [join(REPO, 'bench/python', script), ...args]);
  const predictArgs = (dir: string, pipelines: string, workers: number): string[] => ['--root', dir, '--weights', weightsPath, '--size', String(S), '--batch', String(BATCH), '--workers', String(workers), '--threads', String(THREADS), '--pipelines', pipelines];

  console.log(`bench:memory — resnet18 + seed head, ${N} RGBY ${S}² images (LZF HDF5; ${nVal} validation), ${N_TEST} test images, batch ${BATCH}, ${THREADS} threads`);
  console.log(`load average at start ${loadavg().map((v) => v.toFixed(1)).join(' ')}`);
  const rows: [string, Peak, Peak][] = [];
  rows.push(['train (1 epoch, 2 workers)', await hpaic('train'), await py('seed_train_bench.py', [`--root=${root}`, `--size=${S}`, `--batch=${BATCH}`, '--workers=2', `--threads=${THREADS}`, '--epochs=1', `--val=${nVal}`])]);
  rows.push(['find-thresholds (validation pass)', await hpaic('find-thresholds'), await py('seed_submit_bench.py', predictArgs(valRoot, join(work, 'no_tta.json'), 1))]);
  rows.push(['submit (15-way TTA)', await hpaic('submit', '--fill-empty', 'none'), await py('seed_submit_bench.py', predictArgs(root, join(work, 'tta.json'), 1))]);

  const g = (b: number): string => (b / GiB).toFixed(2);
  console.log('');
  console.log('| command | hpaic peak PSS (tree) GiB | PyTorch seed peak PSS (tree) GiB | hpaic ÷ PyTorch | hpaic / PyTorch main-process peak RSS GiB | wall s hpaic / PyTorch |');
  console.log('|---|---|---|---|---|---|');
  for (const [name, h, p] of rows) console.log(`| ${name} | ${g(h.pss)} | ${g(p.pss)} | ${(h.pss / p.pss).toFixed(2)}× | ${g(h.hwm)} / ${g(p.hwm)} | ${h.seconds.toFixed(0)} / ${p.seconds.toFixed(0)} |`);
  // Where hpaic's memory goes, phase by phase (src/run/memoryTrace.ts): the rest is libraries, malloc heaps and the
  // loader worker threads' isolates.
  for (const [command, trace] of traces) {
    const phases = readFileSync(trace, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as MemoryPhase);
    console.log(`\nhpaic ${command}, per phase (GiB):\n`);
    console.log('| phase (end) | s | peak RSS in phase | RSS | tensor cache live / free / mapped | main V8 heap + ArrayBuffers | rest of RSS |');
    console.log('|---|---|---|---|---|---|---|');
    for (const p of phases) {
      const mapped = p.cacheMapped ?? 0;
      console.log(`| ${p.label} | ${p.seconds.toFixed(1)} | ${g(p.peakRss)} | ${g(p.rss)} | ${g(p.cacheLive ?? 0)} / ${g(p.cacheCached ?? 0)} / ${g(mapped)} | ${g(p.v8Heap + p.arrayBuffers)} | ${g(p.rss - mapped - p.v8Heap - p.arrayBuffers)} |`);
    }
  }
  console.log(`\nload average at end ${loadavg().map((v) => v.toFixed(1)).join(' ')}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
