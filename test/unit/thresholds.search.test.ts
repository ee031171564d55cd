import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { medianOf, numpyMean, searchThresholds, thresholdCandidates } from '../../src/predict/searchThresholds.js';
import { pythonSkip, runPython, tempDir } from '../helpers/env.js';
import { SEED_THRESHOLD_PY } from '../helpers/seedThresholdReference.js';
import { makeCase, rng } from '../helpers/thresholdCases.js';

const C = 28;

const REFERENCE = SEED_THRESHOLD_PY + String.raw`
single, single_score, single_ties, per_class, ties_per_class = search()
print(json.dumps({"single": float(single), "singleScore": single_score, "singleTies": single_ties,
                  "perClass": per_class, "perClassScore": float(macro_f1(per_class)), "tiesPerClass": ties_per_class}))
`;

const skip = pythonSkip('numpy');

test('thresholdCandidates equals numpy.linspace(0.2, 0.8, 1000) bit for bit', { skip }, () => {
  const ref = JSON.parse(runPython('import json, numpy as np; print(json.dumps(np.linspace(0.2, 0.8, 1000).tolist()))')) as number[];
  assert.deepEqual(Array.from(thresholdCandidates()), ref);
  const c = thresholdCandidates();
  assert.equal(c[0], 0.2);
  assert.equal(c[999], 0.8);
});

test('medianOf follows numpy.median (odd: middle, even: mean of the two middle values)', () => {
  assert.equal(medianOf([0.3]), 0.3);
  assert.equal(medianOf([0.3, 0.1, 0.2]), 0.2);
  assert.equal(medianOf([0.2, 0.4]), (0.2 + 0.4) / 2);
});

test('numpyMean uses numpy pairwise order (differs from a running sum)', { skip }, () => {
  // The first seed whose 28 F1-like values give a running-sum mean different from numpy's pairwise mean.
  let vals: number[] = [];
  for (let seed = 1; seed < 1000; seed++) {
    const r = rng(seed);
    vals = Array.from({ length: 28 }, () => r() / 3 + (r() < 0.5 ? 0.5 : 0));
    if (vals.reduce((a, b) => a + b, 0) / 28 !== numpyMean(vals)) break;
  }
  assert.notEqual(vals.reduce((a, b) => a + b, 0) / 28, numpyMean(vals));
  const ref = Number(runPython('import sys, json, numpy as np; print(repr(float(np.mean(np.array(json.loads(sys.argv[1]), dtype=np.float64)))))', [JSON.stringify(vals)]));
  assert.equal(numpyMean(vals), ref);
});

for (const [n, seed] of [[600, 1], [1000, 2]] as const) {
  test(`searchThresholds matches the numpy reference of seed-spec §11 bit for bit (N=${n}, seed ${seed})`, { skip }, () => {
    const { logits, targets } = makeCase(n, seed);
    const { dir, cleanup } = tempDir();
    try {
      writeFileSync(join(dir, 'logits.bin'), logits);
      writeFileSync(join(dir, 'targets.bin'), targets);
      const ref = JSON.parse(runPython(REFERENCE, [String(n), String(C), join(dir, 'logits.bin'), join(dir, 'targets.bin')]));
      const got = searchThresholds(logits, targets);
      assert.equal(got.single, ref.single);
      assert.equal(got.singleScore, ref.singleScore);
      assert.deepEqual(got.perClass, ref.perClass);
      assert.equal(got.perClassScore, ref.perClassScore);
      // The case really exercises ties: class 0 (no positives) ties on all 1000 candidates.
      assert.equal(ref.tiesPerClass[0], 1000);
      assert.ok(ref.tiesPerClass.filter((k: number) => k > 1).length >= 5, `ties per class: ${ref.tiesPerClass}`);
    } finally {
      cleanup();
    }
  });
}

test('a class without positives ties on every candidate: median of all 1000 = mean of candidates 499 and 500', () => {
  const { logits, targets } = makeCase(200, 3);
  const cand = thresholdCandidates();
  const got = searchThresholds(logits, targets);
  assert.equal(got.perClass[0], (cand[499] + cand[500]) / 2);
});

test('known optimum: separable class scores F1=1 on every candidate between the two probabilities; result is their median', () => {
  // Every class: positives at p = 0.7, negatives at p = 0.3 (as float32 logits). Predicted iff p > t, so the
  // candidates t with fround(t) in [fround(p_neg), fround(p_pos)) give a perfect class and tie.
  const n = 10;
  const logits = new Float32Array(n * C);
  const targets = new Uint8Array(n * C);
  const lPos = Math.log(0.7 / 0.3);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < C; c++) {
      const y = (i + c) % 3 === 0 ? 1 : 0;
      targets[i * C + c] = y;
      logits[i * C + c] = y ? lPos : -lPos;
    }
  }
  const pPos = Math.fround(1 / (1 + Math.exp(-Math.fround(lPos))));
  const pNeg = Math.fround(1 / (1 + Math.exp(Math.fround(lPos))));
  const cand = Array.from(thresholdCandidates());
  const tied = cand.filter((t) => Math.fround(t) >= pNeg && Math.fround(t) < pPos);
  assert.ok(tied.length > 600);
  const got = searchThresholds(logits, targets);
  assert.equal(got.single, medianOf(tied));
  assert.deepEqual(got.perClass, new Array(C).fill(medianOf(tied)));
  assert.ok(Math.abs(got.singleScore - 1) < 1e-8);
  assert.ok(Math.abs(got.perClassScore - 1) < 1e-8);
});

test('a unique optimum: one candidate strictly best gives exactly that candidate', () => {
  // Class 1: one positive with p just above candidate 600, one negative with p just below it... the only
  // candidates that separate them are those between the two float32 probabilities.
  const cand = thresholdCandidates();
  const n = 2;
  const logits = new Float32Array(n * C).fill(-10);
  const targets = new Uint8Array(n * C);
  const logit = (p: number) => Math.log(p / (1 - p));
  const lo = (cand[600] + cand[599]) / 2;
  const hi = (cand[600] + cand[601]) / 2;
  logits[0 * C + 1] = logit(hi); // positive
  targets[0 * C + 1] = 1;
  logits[1 * C + 1] = logit(lo); // negative
  const got = searchThresholds(logits, targets);
  assert.equal(got.perClass[1], cand[600]);
});

test('searchThresholds rejects mismatched shapes and NaN logits with clear messages', () => {
  assert.throws(() => searchThresholds(new Float32Array(28), new Uint8Array(56)), /logits \(28 values\) and targets \(56 values\) must both be N×28/);
  const l = new Float32Array(56);
  l[30] = NaN;
  assert.throws(() => searchThresholds(l, new Uint8Array(56)), /logit is NaN at row 1, class 2/);
});

test('searchThresholds on 15,852 × 28 validation logits takes well under a few seconds', () => {
  const { logits, targets } = makeCase(15852, 4);
  const t0 = performance.now();
  searchThresholds(logits, targets);
  const ms = performance.now() - t0;
  console.log(`searchThresholds 15852x28: ${ms.toFixed(0)} ms`);
  assert.ok(ms < 5000, `took ${ms} ms`);
});
