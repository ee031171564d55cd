import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F1Accumulator, METRIC_NAMES, formatMetricList, scoreMultiLabel } from '../../src/metrics/f1.js';
import { pyFloatRepr, pyRound } from '../../src/io/text/pyRepr.js';
import type { Metric } from '../../src/metrics/f1.js';
import { pythonSkip, runPython } from '../helpers/env.js';

/** A small deterministic generator for test matrices (not the code under test). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomMatrix(rnd: () => number, n: number, c: number, p: number[]): Uint8Array {
  const m = new Uint8Array(n * c);
  for (let i = 0; i < n * c; i++) m[i] = rnd() < p[i % c] ? 1 : 0;
  return m;
}

test('the seed metric list: names, eps, empty class = 0, acc', () => {
  assert.equal(METRIC_NAMES.length, 30);
  assert.equal(METRIC_NAMES[1], 'f1_Nucleoplasm');
  assert.equal(METRIC_NAMES[28], 'f1_Rods & rings');
  const acc = new F1Accumulator();
  const t = new Uint8Array(2 * 28);
  const p = new Uint8Array(2 * 28);
  t[0] = 1; p[0] = 1; // class 0: tp 1
  t[28 + 1] = 1; // class 1: fn 1
  p[28 + 2] = 1; // class 2: fp 1
  acc.add(p.subarray(0, 28), t.subarray(0, 28));
  acc.add(p.subarray(28), t.subarray(28));
  const list = acc.metricList();
  assert.equal(list.length, 30);
  assert.equal(list[1][1], 2 / (2 + 1e-8));
  assert.equal(list[2][1], 0);
  assert.equal(list[4][1], 0, 'a class with no positives and no predictions scores 0');
  assert.equal(list[0][1], 2 / (2 + 1e-8) / 28);
  assert.equal(list[29][1], 54 / (56 + 1e-6));
  acc.reset();
  assert.equal(acc.total, 0);
  assert.equal(acc.tp[0], 0);
});

test('pyRound / pyFloatRepr edge cases', () => {
  assert.equal(pyRound(0.03125, 4), 0.0312, 'exact tie to even');
  assert.equal(pyRound(0.09375, 4), 0.0938, 'exact tie to even (up)');
  assert.equal(pyFloatRepr(1), '1.0');
  assert.equal(pyFloatRepr(0), '0.0');
  assert.equal(pyFloatRepr(0.0001), '0.0001');
  assert.equal(pyFloatRepr(1e-5), '1e-05');
});

const noPy = pythonSkip('numpy');
test('formatMetricList matches Python str([(name, round(x, 4)), ...])', { skip: noPy }, () => {
  const rnd = lcg(7);
  const vals: number[] = [0, 1, 0.5, 0.03125, 0.09375, 0.00005, 0.00015, 0.12345, 0.99995, 2 / (2 + 1e-8), 1 / 3, 0.1 + 0.2];
  for (let i = 0; i < 300; i++) vals.push(rnd());
  for (let i = 0; i < 100; i++) vals.push(Math.round(rnd() * 1e5) / 1e5);
  for (let i = 0; i < 50; i++) vals.push(Math.round(rnd() * 32) / 32 / 16);
  const metrics: Metric[] = vals.map((v, i) => [i % 30 === 29 ? 'f1_Rods & rings' : `m${i}`, v]);
  const py = runPython('import sys, json\nm = json.loads(sys.stdin.read())\nprint(str([(n, round(float(v), 4)) for n, v in m]))', [], JSON.stringify(metrics));
  const ours = formatMetricList(metrics);
  const ref = py.trim();
  let i = 0;
  while (i < ours.length && ours[i] === ref[i]) i++;
  assert.ok(ours === ref, `differs at ${i}: ours ...${ours.slice(i - 40, i + 40)} python ...${ref.slice(i - 40, i + 40)}`);
});

const noSk = pythonSkip('numpy', 'sklearn');
test('scoreMultiLabel matches scikit-learn on generated cases (zero_division 0 and 1)', { skip: noSk }, () => {
  const rnd = lcg(12345);
  const cases: { truth: number[]; pred: number[]; n: number; c: number }[] = [];
  for (let k = 0; k < 12; k++) {
    const n = 1 + Math.floor(rnd() * 60);
    const c = k < 6 ? 28 : 3 + Math.floor(rnd() * 6);
    // Some classes never appear in the truth or the predictions, to exercise zero division.
    const pt = Array.from({ length: c }, () => (rnd() < 0.25 ? 0 : rnd() * 0.5));
    const pp = Array.from({ length: c }, () => (rnd() < 0.25 ? 0 : rnd() * 0.5));
    cases.push({ n, c, truth: Array.from(randomMatrix(rnd, n, c, pt)), pred: Array.from(randomMatrix(rnd, n, c, pp)) });
  }
  const script = `
import sys, json, warnings
import numpy as np
from sklearn.metrics import f1_score, precision_recall_fscore_support
warnings.simplefilter('ignore')
out = []
for case in json.loads(sys.stdin.read()):
    y = np.array(case['truth']).reshape(case['n'], case['c'])
    p = np.array(case['pred']).reshape(case['n'], case['c'])
    r = {}
    for zd in (0, 1):
        pr, rc, f, s = precision_recall_fscore_support(y, p, average=None, zero_division=zd)
        r[str(zd)] = dict(macro=f1_score(y, p, average='macro', zero_division=zd), micro=f1_score(y, p, average='micro', zero_division=zd),
                          precision=pr.tolist(), recall=rc.tolist(), f1=f.tolist(), support=s.tolist())
    out.append(r)
print(json.dumps(out))
`;
  const ref = JSON.parse(runPython(script, [], JSON.stringify(cases))) as Record<string, { macro: number; micro: number; precision: number[]; recall: number[]; f1: number[]; support: number[] }>[];
  const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-12, `${what}: ${a} vs sklearn ${b}`);
  cases.forEach((cs, i) => {
    for (const zd of [0, 1] as const) {
      const r = ref[i][String(zd)];
      const s = scoreMultiLabel(cs.truth, cs.pred, { zeroDivision: zd, numClasses: cs.c });
      close(s.macroF1, r.macro, `case ${i} zd ${zd} macro`);
      close(s.microF1, r.micro, `case ${i} zd ${zd} micro`);
      s.perClass.forEach((pc, c) => {
        close(pc.precision, r.precision[c], `case ${i} zd ${zd} class ${c} precision`);
        close(pc.recall, r.recall[c], `case ${i} zd ${zd} class ${c} recall`);
        close(pc.f1, r.f1[c], `case ${i} zd ${zd} class ${c} f1`);
        assert.equal(pc.support, r.support[c]);
      });
    }
  });
});
