// The torch.save zip container without Python: the layout torch's reader relies on (stored records, 64-byte
// aligned data, correct CRCs, version/byteorder records), round trips, and what is refused.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { tempDir } from '../helpers/env.js';
import { CheckpointError } from '../../src/errors.js';
import { encodeTorchFile, readStateDict, readTorchFile, writeTorchFile } from '../../src/io/weights/torchZip.js';
import { OrderedDict, type PickleValue } from '../../src/io/weights/pickle.js';
import { readWeights } from '../../src/io/weights/readWeights.js';
import { writeSafetensors } from '../../src/io/weights/safetensors.js';
import type { StateDict } from '../../src/io/weights/StoredTensor.js';

const { dir, cleanup } = tempDir('hpaic-zip-');
after(cleanup);

function stateDict(): StateDict {
  return new Map([
    ['conv1.weight', { dtype: 'float32', shape: [2, 1, 3, 3], data: new Uint8Array(72).map((_, i) => i) }],
    ['bn1.num_batches_tracked', { dtype: 'int64', shape: [], data: new Uint8Array(8).fill(0).map((_, i) => (i === 0 ? 9 : 0)) }],
    ['fc.bias', { dtype: 'float16', shape: [3], data: new Uint8Array(6).fill(60) }],
  ]);
}

/** The local-file records of a zip, parsed independently of the reader under test. */
function records(file: Buffer) {
  const out: { name: string; dataStart: number; size: number; crc: number; method: number }[] = [];
  let p = 0;
  while (file.readUInt32LE(p) === 0x04034b50) {
    const nameLen = file.readUInt16LE(p + 26);
    const extraLen = file.readUInt16LE(p + 28);
    const size = file.readUInt32LE(p + 22);
    const name = file.subarray(p + 30, p + 30 + nameLen).toString();
    out.push({ name, dataStart: p + 30 + nameLen + extraLen, size, crc: file.readUInt32LE(p + 14), method: file.readUInt16LE(p + 8) });
    p += 30 + nameLen + extraLen + size;
  }
  return out;
}

test('layout: stored records named after the file, data 64-byte aligned, CRCs right, version 3, little-endian', () => {
  const path = join(dir, 'best_model.pt');
  writeTorchFile(path, stateDict());
  const file = readFileSync(path);
  const recs = records(file);
  assert.deepEqual(recs.map((r) => r.name), ['best_model/data.pkl', 'best_model/data/0', 'best_model/data/1', 'best_model/data/2', 'best_model/version', 'best_model/byteorder']);
  for (const r of recs) {
    assert.equal(r.dataStart % 64, 0, `${r.name} aligned`);
    assert.equal(r.method, 0, `${r.name} stored`);
    assert.equal(r.crc, crc32(file.subarray(r.dataStart, r.dataStart + r.size)) >>> 0, `${r.name} CRC`);
  }
  const rec = (n: string) => recs.find((r) => r.name === n)!;
  assert.equal(file.subarray(rec('best_model/version').dataStart, rec('best_model/version').dataStart + 2).toString(), '3\n');
  assert.equal(file.subarray(rec('best_model/data/0').dataStart, rec('best_model/data/0').dataStart + 72).compare(Buffer.from(stateDict().get('conv1.weight')!.data)), 0);
  // Same value, same bytes (no timestamps).
  assert.equal(Buffer.compare(Buffer.from(encodeTorchFile(stateDict(), 'best_model')), file), 0);
  // Names that are not plain fall back to torch's 'archive'.
  assert.equal(records(Buffer.from(encodeTorchFile(stateDict())))[0].name, 'archive/data.pkl');
});

test('round trip of a state dict and of a training state with nested values', () => {
  const path = join(dir, 'state.pt');
  const sd = stateDict();
  writeTorchFile(path, { model: new OrderedDict(sd), epoch: 4, lr: 1e-4, history: [{ loss: 0.5 }], best: null });
  const back = readTorchFile(path) as Map<PickleValue, PickleValue>;
  assert.ok(back.get('model') instanceof OrderedDict);
  assert.deepEqual([...(back.get('model') as Map<PickleValue, PickleValue>)], [...sd]);
  assert.equal(back.get('lr'), 1e-4);
  assert.deepEqual(back.get('history'), [new Map([['loss', 0.5]])]);
  assert.deepEqual(readStateDict(path), sd);
});

test('readStateDict: nested wrappers, a chosen key, and a clear error when there is no dict of tensors', () => {
  const sd = stateDict();
  const nested = join(dir, 'nested.pt');
  writeTorchFile(nested, { model: { state_dict: new Map([...sd].map(([k, v]) => [`module.${k}`, v])) }, epoch: 1 });
  assert.deepEqual(readStateDict(nested), sd);
  const ema = join(dir, 'ema.pt');
  writeTorchFile(ema, { state_dict_ema: sd, optimizer: { lr: 0.1 } });
  assert.deepEqual(readStateDict(ema, { key: 'state_dict_ema' }), sd);
  assert.throws(() => readStateDict(ema), {
    name: 'CheckpointError',
    message: `${ema}: no state dict (a dict of tensors) at the top level or under a known wrapper key; entry "state_dict_ema" is not a tensor; top-level keys: "state_dict_ema", "optimizer"`,
  });
  const list = join(dir, 'list.pt');
  writeTorchFile(list, [1, 2]);
  assert.throws(() => readStateDict(list), /top-level keys: none \(the checkpoint holds a list, not a dict\)/);
});

test('refuses empty files, non-zip files and zips without data.pkl', () => {
  const empty = join(dir, 'empty.pt');
  writeFileSync(empty, '');
  assert.throws(() => readTorchFile(empty), { name: 'CheckpointError', message: `${empty}: the file is empty (0 bytes); it is not a PyTorch checkpoint` });
  const text = join(dir, 'text.pt');
  writeFileSync(text, 'hello world');
  assert.throws(() => readTorchFile(text), {
    message: `${text}: not a PyTorch checkpoint: it starts with bytes 68 65 6c 6c, not a zip archive (torch.save since 1.6)`,
  });
  assert.throws(() => readTorchFile(join(dir, 'missing.pt')), /cannot open checkpoint .*missing\.pt: ENOENT/);
  // A zip whose records are not a torch archive (renamed data.pkl).
  const renamed = join(dir, 'renamed.pt');
  const bytes = Buffer.from(encodeTorchFile(stateDict(), 'arch'));
  writeFileSync(renamed, Buffer.from(bytes.toString('latin1').replaceAll('arch/data.pkl', 'arch/data.pkx'), 'latin1'));
  assert.throws(() => readTorchFile(renamed), /has no <archive>\/data\.pkl record \(it has arch\/data\.pkx, arch\/data\/0/);
});

test('readWeights picks the format from the content, not the extension', () => {
  const sd = stateDict();
  const pt = join(dir, 'weights.bin');
  writeTorchFile(pt, { state_dict: sd });
  assert.deepEqual(readWeights(pt), { format: 'torch', tensors: sd, metadata: {} });
  const st = join(dir, 'weights.pt');
  writeSafetensors(st, sd, { mean: '[0.5]' });
  assert.deepEqual(readWeights(st), { format: 'safetensors', tensors: sd, metadata: { mean: '[0.5]' } });
  assert.throws(() => readTorchFile(st), { message: `${st}: this is a safetensors file, not a torch.save checkpoint; read it with readSafetensors or readWeights` });
  const text = join(dir, 'weights.txt');
  writeFileSync(text, 'hello world');
  assert.throws(() => readWeights(text), {
    message: `${text}: not a weight file hpaic reads (a torch.save zip checkpoint or safetensors); it starts with bytes 68 65 6c 6c 6f 20 77 6f 72`,
  });
});

test('a saturated 32-bit directory offset without its ZIP64 record is refused clearly', () => {
  const bytes = Buffer.from(encodeTorchFile(stateDict(), 'big'));
  bytes.writeUInt32LE(0xffffffff, bytes.length - 22 + 16); // central directory offset saturated: the zip64 value is needed
  const path = join(dir, 'big.pt');
  writeFileSync(path, bytes);
  assert.throws(() => readTorchFile(path), (e: unknown) => {
    assert.ok(e instanceof CheckpointError);
    assert.match(e.message, new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: truncated or damaged archive: the central directory \\(bytes 4294967295–\\d+\\) runs past its end record at byte \\d+$`));
    return true;
  });
});
