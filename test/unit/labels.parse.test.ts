import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLASS_NAMES, NUM_CLASSES, decodeMultiHot, encodeMultiHot, parseTarget } from '../../src/data/tables/labels.js';
import { DataError } from '../../src/errors.js';

test('the class table has the 28 HPA classes of seed-spec §1.2', () => {
  assert.equal(NUM_CLASSES, 28);
  assert.equal(CLASS_NAMES.length, 28);
  assert.equal(CLASS_NAMES[0], 'Nucleoplasm');
  assert.equal(CLASS_NAMES[18], 'Microtubule organizing center');
  assert.equal(CLASS_NAMES[25], 'Cytosol');
  assert.equal(CLASS_NAMES[27], 'Rods & rings');
});

test('parseTarget returns sorted, de-duplicated indices', () => {
  assert.deepEqual(parseTarget('16 0', 'x'), [0, 16]);
  assert.deepEqual(parseTarget('7 1 2 0', 'x'), [0, 1, 2, 7]);
  assert.deepEqual(parseTarget('27', 'x'), [27]);
  assert.deepEqual(parseTarget(' 3  3 1\r', 'x'), [1, 3]);
  assert.deepEqual(parseTarget('', 'x', { allowEmpty: true }), []);
});

test('parseTarget rejects bad tokens, out-of-range classes and empty fields, naming the place and value', () => {
  assert.throws(() => parseTarget('1 a', 'train.csv line 7'), (e: unknown) => e instanceof DataError && /train\.csv line 7/.test(e.message) && /"a"/.test(e.message));
  assert.throws(() => parseTarget('28', 'f line 2'), (e: unknown) => e instanceof DataError && /class 28 is outside 0-27/.test(e.message) && /f line 2/.test(e.message));
  assert.throws(() => parseTarget('-1', 'f line 2'), /"-1"/);
  assert.throws(() => parseTarget('1.0', 'f line 2'), /"1\.0"/);
  assert.throws(() => parseTarget('', 'f line 3'), /f line 3: expected at least one class/);
  assert.throws(() => parseTarget('   ', 'f line 3'), /empty/);
});

test('encodeMultiHot / decodeMultiHot round-trip into a row-major matrix', () => {
  const m = new Uint8Array(2 * 28);
  encodeMultiHot([0, 25], m, 1);
  assert.deepEqual(decodeMultiHot(m, 0), []);
  assert.deepEqual(decodeMultiHot(m, 1), [0, 25]);
  assert.equal(encodeMultiHot([3])[3], 1);
  assert.throws(() => encodeMultiHot([28]), DataError);
});
