import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assignFolds, formatFoldCsv, readFoldCsv } from '../../src/data/tables/foldAssignment.js';
import { concatLabelTables } from '../../src/data/tables/concatLabelTables.js';
import { parseLabelCsv } from '../../src/data/tables/csv.js';
import { tempDir } from '../helpers/env.js';

const L12 = [[1, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0], [1, 0, 1], [0, 0, 1], [1, 0, 0], [0, 1, 1], [1, 0, 0], [0, 1, 0], [1, 1, 0], [0, 0, 1]].flat();

test('assignFolds numbers k-fold folds 1..k and marks validation rows 1 in a single split', () => {
  const k = assignFolds(L12, { folds: 3, seed: 92, numClasses: 3 });
  assert.deepEqual(Array.from(k.fold), [2, 3, 1, 3, 3, 1, 2, 2, 1, 2, 1, 3]);
  assert.deepEqual(k.sizes, [4, 4, 4]);
  assert.deepEqual(k.foldValues, [1, 2, 3]);
  assert.ok(Math.abs(k.maxDeviation.deviation) <= 1);
  const v = assignFolds(L12, { folds: 1, valSize: 0.25, seed: 92, numClasses: 3 });
  assert.deepEqual(Array.from(v.fold), [0, 1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 1]);
  assert.deepEqual(v.sizes, [8, 4]);
  assert.throws(() => assignFolds(L12, { folds: 1, numClasses: 3 }), /needs a validation size/);
  assert.throws(() => assignFolds(L12, { folds: 3, valSize: 0.2, numClasses: 3 }), /only with --folds 1/);
});

test('fold CSV round trip and errors; concatenation refuses duplicate ids across files', () => {
  const { dir, cleanup } = tempDir();
  try {
    const p = join(dir, 'f.csv');
    writeFileSync(p, formatFoldCsv(['a', 'b'], [1, 2]));
    assert.deepEqual(readFoldCsv(p), { ids: ['a', 'b'], fold: Int32Array.from([1, 2]) });
    writeFileSync(p, 'Id,fold\na,x\n');
    assert.throws(() => readFoldCsv(p), /f\.csv line 2/);
    writeFileSync(p, 'Id,split\na,1\n');
    assert.throws(() => readFoldCsv(p), /expected the header "Id,fold"/);
  } finally {
    cleanup();
  }
  const a = parseLabelCsv('Id,Target\nx,1\n', 'a.csv');
  const b = parseLabelCsv('Id,Target\ny,2\nx,3\n', 'b.csv');
  assert.throws(() => concatLabelTables([{ path: 'a.csv', table: a }, { path: 'b.csv', table: b }]), /duplicate Id "x" in b\.csv \(already in a\.csv\)/);
  const ok = concatLabelTables([{ path: 'a.csv', table: a }, { path: 'c.csv', table: parseLabelCsv('Id,Target\nz,27\n', 'c.csv') }]);
  assert.deepEqual(ok.ids, ['x', 'z']);
  assert.equal(ok.labels[28 + 27], 1);
});
