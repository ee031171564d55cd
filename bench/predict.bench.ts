/**
 * `npm run bench:predict`: test-set prediction with the seed's 15 TTA pipelines, hpaic (`predictLogits`: each
 * batch read once, TTA variants made on the device, few forward passes, channels_last) against the seed's
 * make_submission loop (16 separate DataLoader passes, bench/python/seed_submit_bench.py) on the same model
 * weights and HDF5 file, measured in the same run. Target: ≥ 1.5×.
 *   npm run bench:predict -- [--images 128] [--size 128] [--batch 16] [--threads 2] [--workers 1] [--repeats 2]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { Hdf5Writer } from '../src/data/store/Hdf5Store.js';
import { DataLoader } from '../src/data/loader/DataLoader.js';
import { buildTtaList, ttaWeights } from '../src/data/image/tta.js';
import { createModel } from '../src/models/registry.js';
import { saveWeights } from '../src/models/weights.js';
import { predictLogits } from '../src/predict/predict.js';
import { manualSeed, setNumThreads } from '../src/tensor/runtime.js';

const { values } = parseArgs({ options: { images: { type: 'string', default: '128' }, size: { type: 'string', default: '128' }, batch: { type: 'string', default: '16' }, threads: { type: 'string', default: '2' }, workers: { type: 'string', default: '1' }, repeats: { type: 'string', default: '2' } } });
const N = Number(values.images);
const S = Number(values.size);
const batch = Number(values.batch);
const threads = Number(values.threads);
const workers = Number(values.workers);
const dir = mkdtempSync(join(tmpdir(), 'hpaic-bench-predict-'));

try {
  // Smooth blobs + mild noise: compressible like microscopy, so LZF applies.
  const w = await Hdf5Writer.create(join(dir, 'test.hdf5'), { height: S, width: S, nameLength: 36 });
  const ids: string[] = [];
  let seed = 3;
  const r = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (let i = 0; i < N; i++) {
    const px = new Uint8Array(S * S * 4);
    const cx = r() * S;
    const cy = r() * S;
    for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) {
      const d = Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (S * 4));
      for (let c = 0; c < 4; c++) px[(y * S + x) * 4 + c] = Math.min(255, Math.round(200 * d * (c + 1) / 4 + (r() < 0.1 ? 8 : 0)));
    }
    const id = `${String(i).padStart(8, '0')}-0000-1111-2222-333344445555`;
    ids.push(id);
    w.append(px, id);
  }
  w.close();
  writeFileSync(join(dir, 'sample_submission.csv'), 'Id,Predicted\n' + ids.map((x) => `${x},0`).join('\n') + '\n');
  setNumThreads(threads);
  manualSeed(0);
  const model = createModel('resnet18', { head: 'adaptive' });
  await saveWeights(model, join(dir, 'model.pth'));
  model.channelsLast().eval();
  const tta = buildTtaList({}, 0);
  const weights = ttaWeights(tta.length, 0.6);

  const ours: number[] = [];
  const theirs: number[] = [];
  for (let rep = 0; rep < Number(values.repeats); rep++) {
    const loader = new DataLoader({ store: { kind: 'hdf5', path: join(dir, 'test.hdf5') }, names: ids, filter: 'rgb', transform: { kind: 'plain', height: S, width: S }, batchSize: batch, workers });
    const t0 = performance.now();
    await predictLogits({ model, loader, device: 'cpu', channelsLast: true, tta, weights, quiet: true });
    ours.push((performance.now() - t0) / 1000);
    await loader.close();
    const py = spawnSync('/usr/bin/python3', [join(import.meta.dirname, 'python', 'seed_submit_bench.py'), '--root', dir, '--weights', join(dir, 'model.pth'), '--size', String(S), '--batch', String(batch), '--workers', String(workers), '--threads', String(threads)], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: String(threads), OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE' } });
    if (py.status !== 0) throw new Error(py.stderr);
    theirs.push(JSON.parse(py.stdout.trim().split('\n').pop()!).seconds);
  }
  const best = (a: number[]): number => Math.min(...a);
  console.log(`prediction with 15 TTA, resnet18 (seed head), ${N} images of ${S}², batch ${batch}, ${threads} threads, ${workers} loader worker(s)`);
  console.log(`hpaic   ${ours.map((s) => s.toFixed(2)).join(' / ')} s  (${(N / best(ours)).toFixed(1)} images/s)`);
  console.log(`seed    ${theirs.map((s) => s.toFixed(2)).join(' / ')} s  (${(N / best(theirs)).toFixed(1)} images/s)  [torch 1.13, 16 DataLoader passes]`);
  console.log(`ratio   ${(best(theirs) / best(ours)).toFixed(2)}× (best of ${ours.length}; > 1 means hpaic is faster; target ≥ 1.5×)`);
  model.dispose();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
