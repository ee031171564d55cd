import { test } from 'node:test';
import assert from 'node:assert/strict';
import { multilabelStratifiedKFold, multilabelStratifiedShuffleSplit, validateShuffleSplit } from '../../src/data/tables/folds.js';
import { readLabelCsv } from '../../src/data/tables/csv.js';
import { NUM_CLASSES } from '../../src/data/tables/labels.js';
import { sharedData } from '../helpers/env.js';

const L12 = [[1, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0], [1, 0, 1], [0, 0, 1], [1, 0, 0], [0, 1, 1], [1, 0, 0], [0, 1, 0], [1, 1, 0], [0, 0, 1]].flat();
const DOC = [[0, 0], [0, 0], [0, 1], [0, 1], [1, 1], [1, 1], [1, 0], [1, 0]].flat();
const arr = (a: Int32Array) => Array.from(a);

test('seed-spec §4.3: k-fold k=3 seed 92 on the 12×3 labels', () => {
  const { splits, foldOf } = multilabelStratifiedKFold(L12, 3, 3, { randomState: 92 });
  assert.deepEqual(splits.map((s) => arr(s.test)), [[2, 5, 8, 10], [0, 6, 7, 9], [1, 3, 4, 11]]);
  assert.deepEqual(arr(splits[0].train), [0, 1, 3, 4, 6, 7, 9, 11]);
  assert.equal(foldOf[2], 0);
});

test('seed-spec §4.3: shuffle splits seed 92 on the 12×3 labels', () => {
  const [a] = multilabelStratifiedShuffleSplit(L12, 3, { testSize: 0.25, randomState: 92 });
  assert.deepEqual(arr(a.train), [0, 2, 4, 5, 7, 8, 9, 10]);
  assert.deepEqual(arr(a.test), [1, 3, 6, 11]);
  const [b] = multilabelStratifiedShuffleSplit(L12, 3, { trainSize: 0.5, testSize: null, randomState: 92 });
  assert.deepEqual(arr(b.train), [1, 2, 6, 7, 10, 11]);
  assert.deepEqual(arr(b.test), [0, 3, 4, 5, 8, 9]);
});

test('seed-spec §4.3 and iterstrat docstring: the 8×2 example', () => {
  const plain = multilabelStratifiedKFold(DOC, 2, 2, { randomState: 0 });
  assert.deepEqual(plain.splits.map((s) => arr(s.test)), [[1, 2, 5, 7], [0, 3, 4, 6]]);
  const shuffled = multilabelStratifiedKFold(DOC, 2, 2, { randomState: 0, shuffle: true });
  assert.deepEqual(shuffled.splits.map((s) => arr(s.test)), [[1, 2, 5, 7], [0, 3, 4, 6]]);
  const [one] = multilabelStratifiedShuffleSplit(DOC, 2, { testSize: 0.5, randomState: 0 });
  assert.deepEqual(arr(one.train), [1, 2, 5, 7]);
  assert.deepEqual(arr(one.test), [0, 3, 4, 6]);
  const three = multilabelStratifiedShuffleSplit(DOC, 2, { testSize: 0.5, randomState: 0, nSplits: 3 });
  assert.deepEqual(three.map((s) => arr(s.test)), [[0, 3, 4, 6], [0, 1, 4, 5], [0, 3, 4, 7]]);
  assert.deepEqual(three.map((s) => arr(s.train)), [[1, 2, 5, 7], [2, 3, 6, 7], [1, 2, 5, 6]]);
});

test('label-less samples are spread over the folds; sizes follow sklearn 0.20', () => {
  const labels = new Uint8Array(10 * 2);
  labels[0] = 1;
  const { splits } = multilabelStratifiedKFold(labels, 2, 5, { randomState: 1 });
  assert.deepEqual(splits.map((s) => s.test.length), [2, 2, 2, 2, 2]);
  assert.deepEqual(validateShuffleSplit(105678, 0.15, null), { nTrain: 105678 - 15852, nTest: 15852 });
  assert.deepEqual(validateShuffleSplit(105678, null, 0.5), { nTrain: 52839, nTest: 52839 });
  assert.deepEqual(validateShuffleSplit(10, 3, 5), { nTrain: 5, nTest: 3 });
  assert.throws(() => validateShuffleSplit(10, 0.6, 0.6), /should be smaller than the number of samples 10/);
  assert.throws(() => validateShuffleSplit(10, 1.5, null), /fraction must be in \(0, 1\)/);
  assert.throws(() => multilabelStratifiedKFold(DOC, 2, 9), /greater than the number of samples 8/);
  assert.throws(() => multilabelStratifiedKFold(DOC, 2, 1), />= 2/);
});

const train = sharedData('kaggle/train.csv');
test('on the real train.csv every fold × class count is the floor or ceiling of total/k', { skip: train.skip }, () => {
  const { labels } = readLabelCsv(train.path);
  const n = labels.length / NUM_CLASSES;
  const totals = new Array<number>(NUM_CLASSES).fill(0);
  for (let i = 0; i < labels.length; i++) totals[i % NUM_CLASSES] += labels[i];
  for (const [k, seed] of [[5, 92], [3, 7], [4, 0]]) {
    const t0 = performance.now();
    const { foldOf, splits } = multilabelStratifiedKFold(labels, NUM_CLASSES, k, { randomState: seed });
    const ms = performance.now() - t0;
    assert.ok(ms < 2000, `k=${k} took ${ms} ms`);
    const counts = Array.from({ length: k }, () => new Array<number>(NUM_CLASSES).fill(0));
    for (let i = 0; i < n; i++) for (let c = 0; c < NUM_CLASSES; c++) counts[foldOf[i]][c] += labels[i * NUM_CLASSES + c];
    for (let f = 0; f < k; f++) {
      for (let c = 0; c < NUM_CLASSES; c++) {
        const lo = Math.floor(totals[c] / k);
        const hi = Math.ceil(totals[c] / k);
        assert.ok(counts[f][c] === lo || counts[f][c] === hi, `k=${k} seed=${seed} fold ${f} class ${c}: ${counts[f][c]} not in {${lo}, ${hi}}`);
      }
    }
    assert.equal(splits.reduce((s, p) => s + p.test.length, 0), n);
  }
});
