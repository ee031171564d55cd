import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { LabelSampler, labelTargets } from '../../src/synth/LabelSampler.js';
import { synthJobs } from '../../src/synth/generateSynthDataset.js';
import { Rng } from '../../src/synth/Rng.js';
import { NUM_CLASSES, REAL_CLASS_COUNTS, REAL_LABELS_PER_ROW, REAL_PAIR_COUNTS, REAL_ROWS } from '../../src/synth/labelStats.js';
import { sharedData } from '../helpers/env.js';

const N = 20000;

function draw(minClassFrac: number): { classFreq: number[]; k: number[]; pair: Map<string, number> } {
  const sampler = LabelSampler.create(minClassFrac);
  const rng = new Rng(2024, 5);
  const classFreq = new Array<number>(NUM_CLASSES).fill(0);
  const k = [0, 0, 0, 0, 0];
  const pair = new Map<string, number>();
  for (let i = 0; i < N; i++) {
    const l = sampler.sample(rng);
    assert.equal(new Set(l).size, l.length, `duplicate class in ${l}`);
    k[l.length - 1] += 1 / N;
    for (const c of l) classFreq[c] += 1 / N;
    for (const a of l) for (const b of l) if (a < b) pair.set(`${a},${b}`, (pair.get(`${a},${b}`) ?? 0) + 1 / N);
  }
  return { classFreq, k, pair };
}

/** Allowed deviation: 4 binomial standard errors of N draws plus 10 % of the target (the fit's own error). */
const tol = (p: number): number => 4 * Math.sqrt((p * (1 - p)) / N) + 0.1 * p;

for (const minClassFrac of [0, 0.01]) {
  test(`drawn label sets follow the targets (minClassFrac ${minClassFrac}): classes, labels per row, common pairs`, () => {
    const t = labelTargets(minClassFrac);
    const got = draw(minClassFrac);
    for (let c = 0; c < NUM_CLASSES; c++) {
      const p = t.classFreq[c];
      assert.ok(Math.abs(got.classFreq[c] - p) <= tol(p), `class ${c}: frequency ${got.classFreq[c].toFixed(4)}, target ${p.toFixed(4)} ± ${tol(p).toFixed(4)}`);
      if (minClassFrac > 0) assert.ok(p >= minClassFrac - 1e-12, `class ${c} target ${p} is under the floor`);
    }
    t.labelsPerRow.forEach((p, i) => {
      assert.ok(Math.abs(got.k[i] - p) <= 0.01, `${i + 1} labels: ${got.k[i].toFixed(4)}, target ${p.toFixed(4)}`);
    });
    for (const [a, b, p] of t.pairFreq.slice(0, 12)) {
      const g = got.pair.get(`${a},${b}`) ?? 0;
      assert.ok(Math.abs(g - p) <= tol(p), `pair ${a}+${b}: ${g.toFixed(4)}, target ${p.toFixed(4)} ± ${tol(p).toFixed(4)}`);
    }
  });
}

test('with the default floor every class appears in a 2000-sample training set; without it, rare ones may not', () => {
  const seen = new Set(synthJobs('train', 2000, 1, 0.01).flatMap((j) => j.labels));
  assert.equal(seen.size, NUM_CLASSES);
  const t = labelTargets(0);
  assert.ok(Math.abs(t.classFreq[27] - 11 / 31072) < 1e-12, 'minClassFrac 0 keeps the real frequency of class 27');
  assert.throws(() => labelTargets(0.2), /minClassFrac must be in \[0, 0.05\] but received 0.2/);
});

const real = sharedData('kaggle/train.csv');
test('the embedded statistics are those of the real train.csv', { skip: real.skip }, () => {
  const lines = readFileSync(real.path, 'utf8').trim().split('\n').slice(1);
  assert.equal(lines.length, REAL_ROWS);
  const counts = new Array<number>(NUM_CLASSES).fill(0);
  const perRow = [0, 0, 0, 0, 0];
  const pairs = new Map<string, number>();
  for (const line of lines) {
    const labels = [...new Set(line.split(',')[1].trim().split(/\s+/).map(Number))];
    perRow[labels.length - 1]++;
    for (const c of labels) counts[c]++;
    for (const a of labels) for (const b of labels) if (a < b) pairs.set(`${a},${b}`, (pairs.get(`${a},${b}`) ?? 0) + 1);
  }
  assert.deepEqual(counts, [...REAL_CLASS_COUNTS]);
  assert.deepEqual(perRow, [...REAL_LABELS_PER_ROW]);
  const top = [...pairs.entries()].sort((x, y) => y[1] - x[1]).slice(0, REAL_PAIR_COUNTS.length);
  assert.deepEqual(
    top.map(([k, v]) => `${k}:${v}`),
    REAL_PAIR_COUNTS.map(([a, b, n]) => `${a},${b}:${n}`),
  );
});
