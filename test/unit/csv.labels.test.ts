import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fillEmpty, parseLabelCsv, readCsvColumn, readLabelCsv, readSubmission, writeSubmission } from '../../src/data/tables/csv.js';
import { decodeMultiHot } from '../../src/data/tables/labels.js';
import { DataError } from '../../src/errors.js';
import { sharedData, tempDir } from '../helpers/env.js';

test('reads Id,Target with CRLF, a BOM and unsorted targets', () => {
  const t = parseLabelCsv('\ufeffId,Target\r\na,16 0\r\nb,7 1 2 0\r\n\r\n', 'mem.csv');
  assert.deepEqual(t.ids, ['a', 'b']);
  assert.equal(t.labels.length, 56);
  assert.deepEqual(decodeMultiHot(t.labels, 0), [0, 16]);
  assert.deepEqual(decodeMultiHot(t.labels, 1), [0, 1, 2, 7]);
});

test('errors name the file, line and value', () => {
  assert.throws(() => parseLabelCsv('Id,Target\na,1\nb,1 x\n', 'f.csv'), (e: unknown) => e instanceof DataError && /f\.csv line 3/.test(e.message) && /"x"/.test(e.message));
  assert.throws(() => parseLabelCsv('Id,Target\na,1\nb,30\n', 'f.csv'), /f\.csv line 3.*class 30/);
  assert.throws(() => parseLabelCsv('Id,Target\na,1\nb,\n', 'f.csv'), /f\.csv line 3.*empty/);
  assert.throws(() => parseLabelCsv('Id,Target\na,1\na,2\n', 'f.csv'), /f\.csv line 3: duplicate Id "a" \(first seen on line 2\)/);
  assert.throws(() => parseLabelCsv('Id,Label\na,1\n', 'f.csv'), /f\.csv: missing column Target \(or Predicted\)/);
  assert.throws(() => parseLabelCsv('Name,Target\na,1\n', 'f.csv'), /f\.csv: missing column Id/);
  assert.throws(() => parseLabelCsv('Id,Target\na\n', 'f.csv'), /f\.csv line 2: expected 2 fields/);
  assert.throws(() => parseLabelCsv('', 'f.csv'), /f\.csv: the file is empty/);
});

test('submissions allow empty fields; quoted fields and extra columns are fine', () => {
  const t = parseLabelCsv('Predicted,Id,extra\n"0 25",a,1\n,b,2\n', 's.csv', { allowEmpty: true });
  assert.deepEqual(t.ids, ['a', 'b']);
  assert.deepEqual(decodeMultiHot(t.labels, 0), [0, 25]);
  assert.deepEqual(decodeMultiHot(t.labels, 1), []);
});

test('writeSubmission writes the seed format and reads back; fillEmpty fills only empty rows', () => {
  const { dir, cleanup } = tempDir();
  try {
    const m = new Uint8Array(3 * 28);
    m[0 * 28 + 16] = 1;
    m[0 * 28 + 0] = 1;
    m[2 * 28 + 27] = 1;
    const p = join(dir, 'sub.csv');
    writeSubmission(p, ['x', 'y', 'z'], m);
    assert.equal(readFileSync(p, 'utf8'), 'Id,Predicted\nx,0 16\ny,\nz,27\n');
    writeSubmission(p, ['x', 'y', 'z'], m, { fillEmpty: 25 });
    assert.equal(readFileSync(p, 'utf8'), 'Id,Predicted\nx,0 16\ny,25\nz,27\n');
    const back = readSubmission(p);
    assert.deepEqual(back.ids, ['x', 'y', 'z']);
    assert.deepEqual(decodeMultiHot(back.labels, 1), [25]);
    assert.equal(m[1 * 28 + 25], 0, 'the input matrix is not modified');
    assert.throws(() => fillEmpty(m, 28), /0-27 but received 28/);
    assert.throws(() => fillEmpty(m, -1), DataError);
    assert.throws(() => writeSubmission(p, ['x'], m), /1 ids but 3 prediction rows/);
    writeFileSync(join(dir, 'ids.csv'), 'Id,Predicted\nq,0\nr,1\n');
    assert.deepEqual(readCsvColumn(join(dir, 'ids.csv')), ['q', 'r']);
  } finally {
    cleanup();
  }
});

const train = sharedData('kaggle/train.csv');
test('reads the real train.csv (31072 rows) quickly', { skip: train.skip }, () => {
  const t0 = performance.now();
  const t = readLabelCsv(train.path);
  const ms = performance.now() - t0;
  assert.equal(t.ids.length, 31072);
  assert.equal(t.ids[0], '00070df0-bbc3-11e8-b2bc-ac1f6b6435d0');
  assert.deepEqual(decodeMultiHot(t.labels, 0), [0, 16]);
  assert.ok(ms < 2000, `took ${ms} ms`);
});

test('100k generated rows parse in well under a second or two', () => {
  const lines = ['Id,Target'];
  for (let i = 0; i < 100_000; i++) lines.push(`id${i},${i % 28} ${(i * 7) % 28}`);
  const t0 = performance.now();
  const t = parseLabelCsv(lines.join('\n'), 'gen.csv');
  const ms = performance.now() - t0;
  assert.equal(t.ids.length, 100_000);
  assert.ok(ms < 3000, `took ${ms} ms`);
});
