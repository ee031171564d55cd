// safetensors without Python: the layout the reference writer produces (8-aligned header, widest dtype first,
// no gaps) and the validation errors of the reader.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/env.js';
import { encodeSafetensors, readSafetensors, writeSafetensors } from '../../src/io/weights/safetensors.js';
import { DTYPE_SIZE, type StateDict, type StoredDType } from '../../src/io/weights/StoredTensor.js';

const { dir, cleanup } = tempDir('hpaic-st-');
after(cleanup);

function sample(): StateDict {
  const sd: StateDict = new Map();
  const dtypes = Object.keys(DTYPE_SIZE) as StoredDType[];
  dtypes.forEach((dtype, i) => {
    const shape = [i % 3 + 1, 3];
    const data = new Uint8Array(shape[0] * 3 * DTYPE_SIZE[dtype]).map((_, j) => (j * 7 + i) & 0xff);
    sd.set(`layer${i}.${dtype}`, { dtype, shape, data });
  });
  sd.set('scalar', { dtype: 'float32', shape: [], data: new Uint8Array(4).fill(64) });
  sd.set('empty', { dtype: 'int64', shape: [0], data: new Uint8Array(0) });
  return sd;
}

test('round trip keeps order, bytes and metadata; header is 8-aligned and every tensor aligned', () => {
  const sd = sample();
  const path = join(dir, 'a.safetensors');
  writeSafetensors(path, sd, { mean: '[0.08, 0.05]', std: '[0.13, 0.08]' });
  const back = readSafetensors(path);
  assert.deepEqual(back.tensors, sd);
  assert.deepEqual([...back.tensors.keys()], [...sd.keys()]);
  assert.deepEqual(back.metadata, { mean: '[0.08, 0.05]', std: '[0.13, 0.08]' });
  const file = readFileSync(path);
  const n = Number(file.readBigUInt64LE(0));
  assert.equal(n % 8, 0);
  const header = JSON.parse(file.subarray(8, 8 + n).toString());
  for (const [k, t] of sd) assert.equal((8 + n + header[k].data_offsets[0]) % DTYPE_SIZE[t.dtype], 0, `${k} aligned`);
  assert.deepEqual(header['layer4.int64'], { dtype: 'I64', shape: [2, 3], data_offsets: header['layer4.int64'].data_offsets });
  // Plain records work as input too, and no metadata means no __metadata__ key.
  const plain = encodeSafetensors({ w: { dtype: 'bfloat16', shape: [1], data: Uint8Array.from([1, 2]) } });
  assert.ok(!Buffer.from(plain).toString('latin1').includes('__metadata__'));
});

function withHeader(header: unknown, dataLen: number, name: string): string {
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  const path = join(dir, name);
  writeFileSync(path, Buffer.concat([len, json, Buffer.alloc(dataLen)]));
  return path;
}

test('the reader names the file and the tensor for every malformed header', () => {
  const cases: [unknown, number, string][] = [
    [{ a: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, 1, 'tensor "a" has dtype "F8_E4M3"; hpaic reads F32, F64, F16, BF16, I64, I32, I16, I8, U8, BOOL'],
    [{ a: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, 4, 'tensor "a": float32 [2] needs 8 bytes but data_offsets [0, 4] hold 4'],
    [{ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, 8, 'tensor "a" starts at data byte 4, expected 0 (ranges must be contiguous)'],
    [{ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, 6, 'the file has 2 bytes after the last tensor (data ends at 4 of 6)'],
    [{ a: { dtype: 'U8', shape: [-1], data_offsets: [0, 0] } }, 0, 'tensor "a" has shape [-1], not a list of non-negative integers'],
    [{ __metadata__: { n: 1 } }, 0, '__metadata__ value "n" must be a string, got 1'],
    [[1, 2], 0, 'the safetensors header is not a JSON object'],
  ];
  cases.forEach(([header, dataLen, message], i) => {
    const path = withHeader(header, dataLen, `bad${i}.safetensors`);
    assert.throws(() => readSafetensors(path), { name: 'CheckpointError', message: `${path}: ${message}` });
  });
  const tiny = join(dir, 'tiny.safetensors');
  writeFileSync(tiny, Buffer.from([1, 2, 3]));
  assert.throws(() => readSafetensors(tiny), { message: `${tiny}: truncated safetensors file: 3 bytes, less than the 8-byte header length` });
  const notJson = join(dir, 'notjson.safetensors');
  writeFileSync(notJson, Buffer.concat([Buffer.from([4, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{oops')]));
  assert.throws(() => readSafetensors(notJson), /is not valid JSON/);
});

test('the writer refuses malformed tensors and the reserved name', () => {
  assert.throws(() => encodeSafetensors({ w: { dtype: 'float16', shape: [3], data: new Uint8Array(4) } }), { message: 'cannot save tensor "w": float16 [3] needs 6 bytes but data has 4' });
  assert.throws(() => encodeSafetensors({ __metadata__: { dtype: 'uint8', shape: [0], data: new Uint8Array(0) } }), /reserved/);
});
