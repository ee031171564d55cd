import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/synth/Rng.js';
import { renderSample } from '../../src/synth/renderSample.js';
import { HPA_CLASS_NAMES, NUM_CLASSES } from '../../src/synth/labelStats.js';
import { greenFeatures } from '../helpers/synthFeatures.js';

/** Area under the ROC curve (ties count half). */
function auc(scores: number[], pos: boolean[]): number {
  const idx = scores.map((_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let rankSum = 0;
  let nPos = 0;
  for (let k = 0; k < idx.length; ) {
    let e = k;
    while (e + 1 < idx.length && scores[idx[e + 1]] === scores[idx[k]]) e++;
    const rank = (k + e) / 2 + 1;
    for (let t = k; t <= e; t++) if (pos[idx[t]]) {
      rankSum += rank;
      nPos++;
    }
    k = e + 1;
  }
  const nNeg = idx.length - nPos;
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** L2-regularised logistic regression by full-batch gradient descent on standardised features. */
function fitLogistic(x: number[][], y: boolean[], iters = 400, lr = 0.5, l2 = 1e-2): (f: number[]) => number {
  const d = x[0].length;
  const mean = new Array<number>(d).fill(0);
  const sd = new Array<number>(d).fill(0);
  for (const r of x) r.forEach((v, j) => (mean[j] += v / x.length));
  for (const r of x) r.forEach((v, j) => (sd[j] += (v - mean[j]) ** 2 / x.length));
  for (let j = 0; j < d; j++) sd[j] = Math.sqrt(sd[j]) || 1;
  const z = x.map((r) => r.map((v, j) => (v - mean[j]) / sd[j]));
  const wts = new Array<number>(d + 1).fill(0);
  const nPos = y.filter(Boolean).length;
  // Balance the classes: positives are a few percent of the samples.
  const cw = [x.length / (2 * (x.length - nPos)), x.length / (2 * nPos)];
  for (let it = 0; it < iters; it++) {
    const grad = new Array<number>(d + 1).fill(0);
    z.forEach((r, i) => {
      let s = wts[d];
      for (let j = 0; j < d; j++) s += wts[j] * r[j];
      const p = 1 / (1 + Math.exp(-s));
      const e = (p - (y[i] ? 1 : 0)) * cw[y[i] ? 1 : 0];
      for (let j = 0; j < d; j++) grad[j] += e * r[j];
      grad[d] += e;
    });
    for (let j = 0; j <= d; j++) wts[j] -= lr * (grad[j] / x.length + (j < d ? l2 * wts[j] : 0));
  }
  return (f) => {
    let s = wts[d];
    for (let j = 0; j < d; j++) s += (wts[j] * (f[j] - mean[j])) / sd[j];
    return s;
  };
}

test('every class\'s green pattern is distinguishable: one-vs-rest AUC > 0.6 on held-out samples', () => {
  const size = 96;
  const perClass = 16;
  const rng = new Rng(42, 7);
  const labels: number[][] = [];
  // Each class is the primary label of `perClass` samples; about half the samples get a second random label,
  // so every class must stand out of mixtures too.
  for (let i = 0; i < perClass * NUM_CLASSES; i++) {
    const c = i % NUM_CLASSES;
    const set = [c];
    if (rng.next() < 0.5) {
      let o = rng.int(0, NUM_CLASSES - 1);
      while (o === c) o = rng.int(0, NUM_CLASSES - 1);
      set.push(o);
    }
    labels.push(set);
  }
  const feats = labels.map((l, i) => greenFeatures(renderSample(new Rng(42, 8, i), l, size), size));
  const fold = labels.map((_, i) => Math.floor(i / NUM_CLASSES) % 2);
  const aucs: number[] = [];
  for (let c = 0; c < NUM_CLASSES; c++) {
    const y = labels.map((l) => l.includes(c));
    const scores = new Array<number>(labels.length).fill(0);
    for (const f of [0, 1]) {
      const tr = feats.map((_, i) => i).filter((i) => fold[i] !== f);
      const model = fitLogistic(tr.map((i) => feats[i]), tr.map((i) => y[i]));
      feats.forEach((x, i) => {
        if (fold[i] === f) scores[i] = model(x);
      });
    }
    aucs.push(auc(scores, y));
  }
  const report = aucs.map((a, c) => `${c} ${HPA_CLASS_NAMES[c]}: ${a.toFixed(3)}`).join('\n');
  console.log(`out-of-fold AUC per class (${labels.length} samples of ${size}²):\n${report}`);
  for (let c = 0; c < NUM_CLASSES; c++) assert.ok(aucs[c] > 0.6, `class ${c} ${HPA_CLASS_NAMES[c]}: AUC ${aucs[c].toFixed(3)} <= 0.6\n${report}`);
});
