import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classFrequencies, classWeights } from '../../src/data/tables/classWeights.js';
import { WeightedSampler, sampleWeights } from '../../src/data/tables/sampler.js';
import { LegacyRandomState } from '../../src/data/tables/legacyRandomState.js';

const L = [[1, 0, 0, 0], [1, 0, 0, 0], [1, 1, 0, 0], [1, 0, 1, 0], [0, 1, 0, 1], [1, 0, 0, 0]].flat();
const close = (a: ArrayLike<number>, b: number[], tol = 1e-6) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `[${i}] ${a[i]} vs ${b[i]} (${Array.from(a).join(', ')})`);
};

test('seed-spec §5 worked example: frequencies and scalings', () => {
  close(classFrequencies(L, 4), [0.5556, 0.2222, 0.1111, 0.1111], 1e-4);
  close(classWeights(L, 4, { scaling: 'median' }), [0.3, 0.75, 1.5, 1.5], 1e-12);
  close(classWeights(L, 4, { scaling: 'median', minClip: 1, maxClip: 5 }), [1, 1, 1.5, 1.5], 1e-12);
  close(classWeights(L, 4, { scaling: 'none' }), [1.8, 4.5, 9, 9], 1e-12);
  close(classWeights(L, 4, { scaling: null }), [1.8, 4.5, 9, 9], 1e-12);
  close(classWeights(L, 4, { scaling: 'majority' }), [1, 2.5, 5, 5], 1e-12);
  close(classWeights(L, 4, { scaling: 'minority' }), [0.2, 0.5, 1, 1], 1e-12);
  close(classWeights(L, 4, { scaling: 'median', maxClip: 1 }), [0.3, 0.75, 1, 1], 1e-12);
  assert.throws(() => classWeights(L, 4, { scaling: 'bogus' as never }), /scaling must be one of/);
});

test('seed-spec §5 worked example: per-sample weights for every mode', () => {
  const w = classWeights(L, 4, { scaling: 'median' });
  close(sampleWeights(L, 4, w, 'mean'), [0.3, 0.3, 0.525, 0.9, 1.125, 0.3], 1e-12);
  close(sampleWeights(L, 4, w, 'median'), [0.3, 0.3, 0.525, 0.9, 1.125, 0.3], 1e-12);
  close(sampleWeights(L, 4, w, 'max'), [0.3, 0.3, 0.75, 1.5, 1.5, 0.3], 1e-12);
  close(sampleWeights(L, 4, w, 'meanmax'), [0.3, 0.3, 0.6375, 1.2, 1.3125, 0.3], 1e-12);
  assert.ok(Number.isNaN(sampleWeights([0, 0, 0, 0], 4, w, 'mean')[0]), 'no labels gives NaN');
});

test('seed-spec §5 worked example: log scaling of the sampler-adjusted frequency (r = 0.25)', () => {
  const s = sampleWeights(L, 4, classWeights(L, 4, { scaling: 'median' }), 'meanmax');
  close(classFrequencies(L, 4, s), [0.380208, 0.270833, 0.166667, 0.182292]);
  close(classWeights(L, 4, { scaling: 'log', dampingR: 0.25, sampleWeights: s }), [-0.419258, -0.080043, 0.405465, 0.315853]);
});

test('WeightedSampler draws with replacement in proportion to the weights, reproducibly', () => {
  const w = [1, 0, 3, 6];
  const a = new WeightedSampler(w, { seed: 92, numSamples: 20000 }).sample();
  const b = new WeightedSampler(w, { seed: 92, numSamples: 20000 }).sample();
  assert.deepEqual(a, b);
  const counts = [0, 0, 0, 0];
  for (const i of a) counts[i]++;
  assert.equal(counts[1], 0, 'a zero weight is never drawn');
  close(counts.map((c) => c / 20000), [0.1, 0, 0.3, 0.6], 0.015);
  const s = new WeightedSampler([1, 1], { seed: new LegacyRandomState(1) });
  assert.equal(s.sample().length, 2, 'draws as many indices as weights by default');
  assert.throws(() => new WeightedSampler([1, NaN]), /sample weight 1 is NaN/);
  assert.throws(() => new WeightedSampler([0, 0]), /sum to 0/);
});
