// Benchmark: the threshold search on 15,852 × 28 validation logits (the size of one fold of Kaggle + HPAv18
// validation), hpaic vs the seed's loop in numpy (timed on a sample of its 29,000 evaluations and extrapolated).
// Usage: npx tsx scripts/bench-thresholds.ts [--python]
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { searchThresholds } from '../src/predict/searchThresholds.js';

const N = 15852;
const C = 28;
let seed = 12345;
const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
const logits = new Float32Array(N * C);
const targets = new Uint8Array(N * C);
for (let i = 0; i < N * C; i++) {
  targets[i] = rand() < 0.06 ? 1 : 0;
  logits[i] = (targets[i] ? 1 : -2) + 3 * (rand() - 0.5);
}
searchThresholds(logits.subarray(0, 280), targets.subarray(0, 280)); // warm-up
const runs = 5;
const t0 = performance.now();
for (let r = 0; r < runs; r++) searchThresholds(logits, targets);
console.log(`hpaic searchThresholds ${N}x${C}: ${((performance.now() - t0) / runs).toFixed(1)} ms (mean of ${runs})`);

if (process.argv.includes('--python')) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-th-'));
  writeFileSync(join(dir, 'l.bin'), logits);
  writeFileSync(join(dir, 't.bin'), targets);
  const py = `
import sys, time
import numpy as np
logits = np.fromfile(sys.argv[1], dtype=np.float32).reshape(-1, 28)
targets = np.fromfile(sys.argv[2], dtype=np.uint8).reshape(-1, 28).astype(np.float32)
def score(th):
    pred = (1 / (1 + np.exp(-logits))) > np.asarray(th, dtype=np.float32)
    tp = np.sum(targets * pred, axis=0); fn = np.sum(targets, axis=0) - tp; fp = np.sum(pred, axis=0) - tp
    return np.mean(2 * tp / (2 * tp + fn + fp + 1e-8))
k = 200
t = time.perf_counter()
for i in range(k): score(np.full(28, 0.2 + 0.6 * i / k))
per = (time.perf_counter() - t) / k
print("seed loop (numpy, CPU): %.2f ms per evaluation x 29,000 evaluations = %.0f s" % (per * 1e3, per * 29000))
`;
  const r = spawnSync('/usr/bin/python3', ['-c', py, join(dir, 'l.bin'), join(dir, 't.bin')], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
  process.stdout.write(r.stdout || r.stderr);
  rmSync(dir, { recursive: true, force: true });
}
