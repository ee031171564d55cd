/**
 * `npm run bench:opcall`: the fixed cost of one op call, hpaic (TypeScript → guardAddon's argument checks and error
 * path → N-API → ATen) next to PyTorch's Python binding (/usr/bin/python3 torch.add), in the same run, 1 thread on
 * both sides. Each side adds two 1-element float32 tensors N times (hpaic inside tidy, disposing as it goes, as
 * real loops do); the figure is µs per call. design.md's measurement before the guard: hpaic ≈1.5 µs, PyTorch 1.2.
 *
 * Flags (or env): --calls=N (BENCH_CALLS, 200000), --rounds=N (BENCH_ROUNDS, 3).
 */
import { spawnSync } from 'node:child_process';
import { ones, setNumThreads, tidy } from '../src/tensor/index.js';
import { benchOption } from './benchOptions.js';

const CALLS = Number(benchOption('calls', '200000'));
const ROUNDS = Number(benchOption('rounds', '3'));

function hpaicRound(): number {
  const a = ones([1]);
  const b = ones([1]);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i += 1000) {
    tidy(() => {
      for (let j = 0; j < 1000; j++) a.add(b).dispose();
    });
  }
  const us = Number(process.hrtime.bigint() - t0) / 1e3 / CALLS;
  a.dispose();
  b.dispose();
  return us;
}

const PY = `
import time, torch, sys
torch.set_num_threads(1)
a = torch.ones(1); b = torch.ones(1)
n = int(sys.argv[1])
for _ in range(int(sys.argv[2])):
    t0 = time.perf_counter()
    for _ in range(n): torch.add(a, b)
    print((time.perf_counter() - t0) * 1e6 / n)
`;

setNumThreads(1);
hpaicRound(); // warm-up
const ours = Array.from({ length: ROUNDS }, hpaicRound);
const py = spawnSync('/usr/bin/python3', ['-c', PY, String(CALLS), String(ROUNDS)], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
if (py.status !== 0) throw new Error(`PyTorch side failed: ${py.stderr}`);
const theirs = py.stdout.trim().split('\n').map(Number);
const best = (xs: number[]) => Math.min(...xs);
console.log(`op call (a.add(b), 1-element float32, ${CALLS} calls × ${ROUNDS} rounds, best round)`);
console.log(`  hpaic   ${best(ours).toFixed(2)} µs/call  (rounds: ${ours.map((x) => x.toFixed(2)).join(', ')})`);
console.log(`  PyTorch ${best(theirs).toFixed(2)} µs/call  (rounds: ${theirs.map((x) => x.toFixed(2)).join(', ')})`);
console.log(`  hpaic ÷ PyTorch time per call: ${(best(ours) / best(theirs)).toFixed(2)}×`);
