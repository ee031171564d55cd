/**
 * Label-ratio thresholds against a numpy reference of bestfitting's algorithm (kaggle_metric.py `fit_test_th`
 * and `prob_to_result`, written below): per class the point of linspace(0, 1, 10000) whose share of
 * probabilities above it is nearest the target, ties to the point nearer 0.5; predictions with the argmax class
 * on. Probabilities include exact grid values and repeated values so that ties occur, and a column on which
 * numpy 1.x's float32 comparison (`float32_array > float64_scalar`) and a float64 one choose differently.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { argmaxToOne, float32AtOrBelow, labelRatioThresholds, labelRatios, readRatiosFile } from '../../src/predict/labelRatioThresholds.js';
import { binarize } from '../../src/predict/binarize.js';
import { evaluateLabelRatio, formatThresholdFile, parseThresholdFile, foldThresholdList } from '../../src/predict/thresholdFile.js';
import { DataError } from '../../src/errors.js';
import { pythonSkip, runPython, tempDir } from '../helpers/env.js';

const skip = pythonSkip('numpy');

const PY = String.raw`
import sys, json
import numpy as np
d = json.loads(sys.stdin.read())
out = []
for case in d:
    x = np.array(case['probs'], dtype=np.float32).reshape(-1, 28)
    y = np.array(case['ratios'], dtype=np.float64)
    p = []
    for idx in range(len(y)):
        _y = y[idx]
        _x = x[:, idx]
        min_error = np.inf
        min_p = 0
        for _p in np.linspace(0, 1, 10000):
            error = np.abs((_x > _p).mean() - _y)
            if error < min_error:
                min_error = error
                min_p = _p
            elif error == min_error and (np.abs(_p - 0.5) < np.abs(min_p - 0.5)):
                min_error = error
                min_p = _p
        p.append(float(min_p))
    th = np.array(p)
    probs = x.copy()
    probs[range(len(probs)), np.argmax(probs, axis=1)] = 1
    pred = (probs > th).astype(int)
    out.append({'th': p, 'pred': pred.reshape(-1).tolist()})
print(json.dumps(out))
`;

function cases(): { probs: number[]; ratios: number[] }[] {
  let s = 4242;
  const r = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const make = (n: number, quantise: number | null): { probs: number[]; ratios: number[] } => {
    const probs = Array.from({ length: n * 28 }, (_, i) => {
      const c = i % 28;
      let p = Math.pow(r(), 1 + (c % 5));
      if (quantise) p = Math.round(p * quantise) / quantise;
      return Math.fround(p);
    });
    // Some probabilities exactly on grid points (i / 9999) and one argmax tie.
    for (let k = 0; k < 20; k++) probs[Math.floor(r() * probs.length)] = Math.fround(Math.floor(r() * 9999) / 9999);
    probs[0] = probs[1] = Math.fround(0.99);
    const ratios = Array.from({ length: 28 }, (_, c) => (c === 3 ? 0 : c === 4 ? 1 : c === 5 ? 0.5 : r() * 0.4));
    return { probs, ratios };
  };
  // A column that tells numpy 1.x's float32 comparison from a float64 one: every value is fround(p_k) > p_k for a grid
  // point p_k < 0.5, target share 1: the last zero-error point (nearest 0.5) is p_(k−1) in float32, p_k in float64.
  const edge = make(6, null);
  let k = 3000;
  while (Math.fround(k / 9999) <= k * (1 / 9999)) k++;
  for (let r = 0; r < 6; r++) edge.probs[r * 28 + 7] = Math.fround(k * (1 / 9999));
  edge.ratios[7] = 1;
  return [make(64, null), make(50, 20), make(7, 4), edge];
}

test("label-ratio thresholds and argmax-on predictions equal numpy's fit_test_th / prob_to_result", { skip }, (t) => {
  const all = cases();
  const ref = JSON.parse(runPython(PY, [], JSON.stringify(all))) as { th: number[]; pred: number[] }[];
  all.forEach((c, i) => {
    const probs = Float32Array.from(c.probs);
    const th = labelRatioThresholds(probs, c.ratios);
    assert.deepEqual(th, ref[i].th, `case ${i}: thresholds`);
    // Stored as float32 at or below, the float32 comparison keeps numpy's float64 decision.
    const pred = binarize(argmaxToOne(probs), th.map(float32AtOrBelow));
    assert.deepEqual(Array.from(pred), ref[i].pred, `case ${i}: predictions`);
    t.diagnostic(`case ${i}: ${probs.length / 28} rows, ${new Set(th).size} distinct thresholds, ${pred.reduce((a, b) => a + b, 0)} positives`);
  });
});

test('float32AtOrBelow gives the largest float32 not above t', () => {
  for (const v of [0, 1, 0.5, 0.1, 1 / 9999, 0.3333333333, 5000 / 9999]) {
    const f = float32AtOrBelow(v);
    assert.equal(Math.fround(f), f);
    assert.ok(f <= v);
    const next = new Float32Array([f]);
    new Int32Array(next.buffer)[0] += 1;
    assert.ok(next[0] > v, `${v}: ${f} is not the largest float32 ≤ v`);
  }
});

test('label_ratio entries carry argmax_on through threshold.json and into the submission kinds', () => {
  const probs: number[] = [];
  const targets: number[] = [];
  for (let r = 0; r < 10; r++) for (let c = 0; c < 28; c++) {
    probs.push(Math.log((0.05 + ((r * 7 + c * 3) % 17) / 20) / (1 - (0.05 + ((r * 7 + c * 3) % 17) / 20))));
    targets.push((r + c) % 5 === 0 ? 1 : 0);
  }
  const ratios = labelRatios(targets, Int32Array.from({ length: 10 }, (_, i) => i));
  assert.equal(ratios[0], 0.2);
  const { entry } = evaluateLabelRatio(probs, targets, ratios);
  assert.equal(entry.argmax_on, true);
  const text = formatThresholdFile({ fold_1: { label_ratio: entry } });
  const back = parseThresholdFile(JSON.parse(text), 'threshold.json');
  assert.deepEqual(back.fold_1.label_ratio, entry);
  assert.deepEqual(foldThresholdList(back)[0][0].argmaxOn, true);
  assert.throws(() => parseThresholdFile({ fold_1: { label_ratio: { ...entry, argmax_on: 'yes' } } }, 't.json'), /t\.json: fold_1\.label_ratio\.argmax_on: expected true or false/);
});

test('a bad ratios file is a DataError naming the file and entry', () => {
  const { dir, cleanup } = tempDir();
  try {
    const f = join(dir, 'ratios.json');
    writeFileSync(f, JSON.stringify(new Array(27).fill(0.1)));
    assert.throws(() => readRatiosFile(f), (e: unknown) => e instanceof DataError && /ratios\.json: expected a JSON list of 28 label ratios .* found 27 entries/.test((e as Error).message));
    writeFileSync(f, JSON.stringify([...new Array(27).fill(0.1), 1.5]));
    assert.throws(() => readRatiosFile(f), /entry 27 \(class 27\) is 1\.5; expected a share in \[0, 1\]/);
    writeFileSync(f, '[0.1,');
    assert.throws(() => readRatiosFile(f), /ratios\.json: cannot read the label ratios/);
    writeFileSync(f, JSON.stringify(new Array(28).fill(0.25)));
    assert.deepEqual(readRatiosFile(f), new Array(28).fill(0.25));
  } finally {
    cleanup();
  }
});
