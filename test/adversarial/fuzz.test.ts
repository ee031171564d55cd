/**
 * Mutation fuzzing of the readers of untrusted files (CSV, pickle, torch zip, zip, safetensors): valid files with
 * random byte flips, overwritten integers, insertions, deletions, duplicated ranges and truncations. Each reader
 * must return a value or throw an HpaicError — never another exception, a hang or a write. Seeded, and bounded by
 * an iteration count and a time budget (HPAIC_FUZZ_ITERATIONS raises the count for a longer local run).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HpaicError } from '../../src/errors.js';
import { parseLabelCsv, readCsvColumn } from '../../src/data/tables/csv.js';
import { pickleTorch, unpickle, OrderedDict } from '../../src/io/weights/pickle.js';
import { encodeTorchFile, readTorchFile } from '../../src/io/weights/torchZip.js';
import { ZipReader } from '../../src/io/zip/zipReader.js';
import { encodeSafetensors, readSafetensors } from '../../src/io/weights/safetensors.js';
import type { StoredTensor } from '../../src/io/weights/StoredTensor.js';
import { buildZip } from '../helpers/zipBuilder.js';
import { listFiles, sandbox } from './helpers.js';

const ITERATIONS = Number(process.env.HPAIC_FUZZ_ITERATIONS ?? 300);
const BUDGET_MS = 3000;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INTERESTING = [0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffb];

/** One to four random mutations of `src`. */
function mutate(src: Uint8Array, r: () => number): Uint8Array {
  let b = Buffer.from(src);
  const at = () => Math.floor(r() * Math.max(1, b.length));
  for (let k = 1 + Math.floor(r() * 4); k > 0; k--) {
    switch (Math.floor(r() * 8)) {
      case 0: { const i = at(); b[i] ^= 1 << Math.floor(r() * 8); break; }
      case 1: { const i = at(); b[i] = Math.floor(r() * 256); break; }
      case 2: { // an interesting 32-bit little-endian integer
        if (b.length < 4) break;
        const i = Math.min(at(), b.length - 4);
        b.writeUInt32LE(INTERESTING[Math.floor(r() * INTERESTING.length)], i);
        break;
      }
      case 3: { const i = at(); b = Buffer.concat([b.subarray(0, i), Buffer.from([Math.floor(r() * 256)]), b.subarray(i)]); break; }
      case 4: { const i = at(); const n = 1 + Math.floor(r() * 16); b = Buffer.concat([b.subarray(0, i), b.subarray(i + n)]); break; }
      case 5: { const i = at(); const n = 1 + Math.floor(r() * 64); b = Buffer.concat([b.subarray(0, i + n), b.subarray(i, i + n), b.subarray(i + n)]); break; }
      case 6: { // a random byte (an opcode, a tag) followed by an interesting length
        const i = at();
        const ins = Buffer.alloc(5);
        ins[0] = Math.floor(r() * 256);
        ins.writeUInt32LE(INTERESTING[Math.floor(r() * INTERESTING.length)], 1);
        b = Buffer.concat([b.subarray(0, i), ins, b.subarray(i)]);
        break;
      }
      default: b = b.subarray(0, at());
    }
  }
  return new Uint8Array(b);
}

/** Run `read` on `ITERATIONS` mutations of `valid`; returns how many ran and how many gave a value. */
function fuzz(name: string, seed: number, valid: Uint8Array, read: (bytes: Uint8Array, i: number) => unknown): { runs: number; values: number; errors: number } {
  const r = mulberry32(seed);
  const t0 = Date.now();
  let runs = 0;
  let values = 0;
  let errors = 0;
  read(valid, -1); // the unmutated file must read
  for (; runs < ITERATIONS && Date.now() - t0 < BUDGET_MS; runs++) {
    const bytes = mutate(valid, r);
    try {
      read(bytes, runs);
      values++;
    } catch (err) {
      if (!(err instanceof HpaicError)) {
        throw new Error(`${name}: mutation ${runs} (seed ${seed}) threw ${(err as Error)?.name}: ${(err as Error)?.message}\nbytes (base64): ${Buffer.from(bytes).toString('base64').slice(0, 2000)}`, { cause: err });
      }
      assert.ok(err.message.length > 0 && err.message.length < 2000, `${name}: a readable message`);
      errors++;
    }
  }
  assert.ok(runs >= Math.min(ITERATIONS, 50), `${name}: only ${runs} mutations ran in the time budget`);
  return { runs, values, errors };
}

const tensor = (shape: number[], dtype: StoredTensor['dtype'] = 'float32'): StoredTensor => {
  const n = shape.reduce((a, b) => a * b, 1);
  const size = dtype === 'float32' || dtype === 'int32' ? 4 : dtype === 'int64' || dtype === 'float64' ? 8 : dtype === 'float16' ? 2 : 1;
  return { dtype, shape, data: Uint8Array.from({ length: n * size }, (_, i) => (i * 37) & 0xff) };
};
const stateDict = (): OrderedDict<string, StoredTensor | number> => new OrderedDict<string, StoredTensor | number>([
  ['conv.weight', tensor([4, 3, 3, 3])], ['bn.running_mean', tensor([4])], ['bn.num_batches_tracked', tensor([], 'int64')], ['fc.bias', tensor([2], 'float16')], ['epoch', 7],
]);

test('fuzz: the CSV readers give rows or a DataError', { timeout: 60_000 }, () => {
  const s = sandbox();
  try {
    const csv = Buffer.from('\ufeffId,Target,extra\r\n' + Array.from({ length: 20 }, (_, i) => `id-${i}_x,"${i % 28} ${(i * 5) % 28}",z\r\n`).join('') + '\n');
    const file = join(s.work, 'f.csv');
    const res = fuzz('csv', 19, csv, (bytes) => {
      const text = Buffer.from(bytes).toString('utf8');
      parseLabelCsv(text, 'f.csv');
      parseLabelCsv(text, 'f.csv', { allowEmpty: true, column: 'Target' });
      writeFileSync(file, bytes);
      return readCsvColumn(file);
    });
    assert.ok(res.errors > 0 && res.values > 0, JSON.stringify(res));
    assert.deepEqual(s.outsideChanged(), []);
  } finally {
    s.cleanup();
  }
});

test('fuzz: the unpickler gives a value or a CheckpointError (with its storages)', { timeout: 60_000 }, () => {
  const { pickle, storages } = pickleTorch(stateDict());
  const data = new Map(storages.map((st) => [st.key, st.tensor.data]));
  const res = fuzz('pickle', 20, pickle, (bytes) =>
    unpickle(bytes, {
      source: 'fuzz.pkl',
      loadStorage: (key, n) => {
        const d = data.get(key) ?? new Uint8Array(0);
        if (d.length < n) throw new HpaicError(`record ${key} has ${d.length} bytes, needs ${n}`);
        return d;
      },
    }),
  );
  assert.ok(res.errors > 0, JSON.stringify(res));
});

test('fuzz: torch checkpoints and zip archives give their content or an HpaicError, and nothing is written', { timeout: 60_000 }, async () => {
  const s = sandbox();
  try {
    const pth = join(s.work, 'm.pth');
    fuzz('torch zip', 21, encodeTorchFile(stateDict()), (bytes) => {
      writeFileSync(pth, bytes);
      return readTorchFile(pth);
    });
    const zipPath = join(s.work, 'a.zip');
    const zip = buildZip([
      { name: 'x_red.png', data: Buffer.alloc(300, 7), method: 8 },
      { name: 'x_green.png', data: Buffer.from('stored bytes') },
      { name: 'dir/x_blue.png', data: Buffer.from('z'.repeat(100)), method: 8 },
    ]);
    const asyncReads: Promise<unknown>[] = [];
    fuzz('zip', 22, zip, (bytes) => {
      writeFileSync(zipPath, bytes);
      const z = ZipReader.openSync(zipPath, { maxEntryBytes: 1 << 20 });
      try {
        for (const n of z.names()) {
          try {
            z.readSync(n);
          } catch (err) {
            if (!(err instanceof HpaicError)) throw err;
          }
        }
      } finally {
        z.close();
      }
      return null;
    });
    // The asynchronous path on a few mutations too.
    const r = mulberry32(23);
    for (let i = 0; i < 40; i++) {
      const p = join(s.work, `async${i}.zip`);
      writeFileSync(p, mutate(zip, r));
      asyncReads.push((async () => {
        let z: ZipReader;
        try {
          z = await ZipReader.open(p);
        } catch (err) {
          if (err instanceof HpaicError) return;
          throw err;
        }
        try {
          for (const n of z.names()) await z.read(n).catch((err) => { if (!(err instanceof HpaicError)) throw err; });
        } finally {
          z.close();
        }
      })());
    }
    await Promise.all(asyncReads);
    assert.deepEqual(s.outsideChanged(), []);
    assert.ok(listFiles(s.work).every((f) => /^(m\.pth|a\.zip|async\d+\.zip)$/.test(f)), listFiles(s.work).join(' '));
  } finally {
    s.cleanup();
  }
});

test('fuzz: safetensors files give tensors or a CheckpointError', { timeout: 60_000 }, () => {
  const s = sandbox();
  try {
    const file = join(s.work, 'w.safetensors');
    const valid = encodeSafetensors(new Map([['a', tensor([3, 4])], ['b', tensor([5], 'int64')], ['c', tensor([2, 2], 'uint8')]]), { format: 'pt', note: '__proto__' });
    const res = fuzz('safetensors', 24, valid, (bytes) => {
      writeFileSync(file, bytes);
      return readSafetensors(file);
    });
    assert.ok(res.errors > 0, JSON.stringify(res));
    // The header on its own, where most of the structure is.
    const n = Number(Buffer.from(valid).readBigUInt64LE(0));
    const header = valid.subarray(8, 8 + n);
    const body = valid.subarray(8 + n);
    fuzz('safetensors header', 25, header, (h) => {
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(h.length));
      writeFileSync(file, Buffer.concat([len, h, body]));
      return readSafetensors(file);
    });
    assert.deepEqual(s.outsideChanged(), []);
  } finally {
    s.cleanup();
  }
});
