/**
 * The native store writer (native/ingest/, libhdf5 + liblzf) against h5py writing the seed's way: the same LZF
 * chunks byte for byte (read back with h5py's read_direct_chunk), the same filter client data, raw chunks with the
 * filter marked skipped where LZF cannot shrink an image, appends to an h5py file, and errors naming the file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadIngestAddon } from '../../src/native/loadIngestAddon.js';
import { createStoreWriter, openStoreWriter } from '../../src/data/store/StoreWriter.js';
import { DataError } from '../../src/errors.js';
import { pythonSkip, referenceMissing, runPython, tempDir } from '../helpers/env.js';

const H = 40;
const W = 36;
const { addon, why } = loadIngestAddon();
const skip = pythonSkip('h5py', 'numpy') || (addon ? false : referenceMissing(`the native store writer is absent: ${why}`));

/** Rows 0-2 compressible (distinct), row 3 seeded noise LZF cannot shrink. */
function image(k: number): Uint8Array {
  if (k === 3) {
    let s = 12345;
    return Uint8Array.from({ length: H * W * 4 }, () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 24) & 0xff);
  }
  return Uint8Array.from({ length: H * W * 4 }, (_, i) => ((i >> 3) * (k + 1) + (i & 3) * 50) % 256);
}
const NAMES = ['00070df0-bbc3-11e8-b2bc-ac1f6b6435d0', '10005_921_B9_1', 'x', '1048_1751_G2_18_cr58009842c82e5'];

/** What h5py sees of a store: per row the chunk's filter mask and SHA-256 of its stored bytes and of its pixels. */
const DESCRIBE = `import sys, json, hashlib, h5py
f = h5py.File(sys.argv[1], 'r'); d = f['images']; n = f['names']
p = d.id.get_create_plist()
rows = []
for i in range(d.shape[0]):
    mask, raw = d.id.read_direct_chunk((i, 0, 0, 0))
    rows.append({'mask': mask, 'chunk': hashlib.sha256(raw).hexdigest(), 'pixels': hashlib.sha256(d[i].tobytes()).hexdigest()})
print(json.dumps({'shape': d.shape, 'maxshape': [m if m is not None else -1 for m in d.maxshape], 'chunks': d.chunks,
  'filters': [list(p.get_filter(k)[:3]) for k in range(p.get_nfilters())], 'rows': rows,
  'names': [x.decode() for x in n[:]], 'ndtype': str(n.dtype)}))`;

const SEED_WRITE = `import sys, h5py, numpy as np
H, W = ${H}, ${W}
x = np.frombuffer(open(sys.argv[2], 'rb').read(), np.uint8).reshape(-1, H, W, 4)
names = sys.argv[3].split(',')
with h5py.File(sys.argv[1], 'w') as f:
    f.create_dataset('images', data=x, maxshape=(None, H, W, 4), chunks=(1, H, W, 4), compression='lzf')
    f.create_dataset('names', data=np.array([s.encode() for s in names]), maxshape=(None,), chunks=(1,), compression='lzf')`;

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

test('the native writer stores the chunks h5py writes, byte for byte, with h5py\'s LZF client data', { skip }, async () => {
  const { dir, cleanup } = tempDir();
  try {
    const ours = join(dir, 'ours.hdf5');
    const w = await createStoreWriter(ours, { height: H, width: W, nameLength: 36, compression: 'lzf' });
    assert.equal(w.backend, 'native');
    // Encode all rows at once (as convert keeps several in flight), append in order.
    const chunks = await Promise.all(NAMES.map((n, k) => w.encode(image(k), n)));
    chunks.forEach((c, k) => w.appendEncoded(c, NAMES[k]));
    w.close();
    const raw = join(dir, 'images.bin');
    writeFileSync(raw, Buffer.concat(NAMES.map((_, k) => image(k))));
    const seed = join(dir, 'seed.hdf5');
    runPython(SEED_WRITE, [seed, raw, NAMES.join(',')]);
    const a = JSON.parse(runPython(DESCRIBE, [ours]));
    const b = JSON.parse(runPython(DESCRIBE, [seed]));
    assert.deepEqual(a.shape, [4, H, W, 4]);
    assert.deepEqual(a.maxshape, [-1, H, W, 4]);
    assert.deepEqual(a.chunks, [1, H, W, 4]);
    assert.deepEqual(a.filters, b.filters, 'filter id, flags (optional) and client data {4, LZF_VERSION, chunk bytes}');
    assert.deepEqual(a.filters[0].slice(0, 2), [32000, 1]);
    assert.deepEqual(a.rows, b.rows, 'same filter masks, same stored chunk bytes, same pixels');
    assert.deepEqual(a.rows.map((r: { mask: number }) => r.mask), [0, 0, 0, 1], 'the noise image is stored raw with LZF marked skipped');
    assert.deepEqual(a.rows.map((r: { pixels: string }) => r.pixels), NAMES.map((_, k) => sha(image(k))));
    assert.deepEqual(a.names, NAMES);
    assert.equal(a.ndtype, '|S36');
  } finally {
    cleanup();
  }
});

test('the native writer appends to a file h5py wrote, and h5py reads every row back', { skip }, async () => {
  const { dir, cleanup } = tempDir();
  try {
    const p = join(dir, 'seed.hdf5');
    const raw = join(dir, 'images.bin');
    writeFileSync(raw, Buffer.concat([image(0), image(1)]));
    runPython(SEED_WRITE, [p, raw, NAMES.slice(0, 2).join(',')]);
    const w = await openStoreWriter(p);
    assert.equal(w.backend, 'native');
    assert.equal(w.length, 2);
    for (const k of [2, 3]) w.appendEncoded(await w.encode(image(k), NAMES[k]), NAMES[k]);
    w.close();
    const a = JSON.parse(runPython(DESCRIBE, [p]));
    assert.deepEqual(a.rows.map((r: { pixels: string }) => r.pixels), NAMES.map((_, k) => sha(image(k))));
    assert.deepEqual(a.names, NAMES);
  } finally {
    cleanup();
  }
});

test('native writer errors are DataErrors naming the file; other filters fall back to h5wasm', { skip }, async () => {
  const { dir, cleanup } = tempDir();
  try {
    const p = join(dir, 'a.hdf5');
    const w = await createStoreWriter(p, { height: H, width: W, nameLength: 8, compression: 'none' });
    await assert.rejects(w.encode(new Uint8Array(10), 'short'), (e: unknown) => e instanceof DataError && e.message.startsWith(`${p}: image "short" has 10 bytes, expected ${H}×${W}×4`));
    const c = await w.encode(image(0), 'ok');
    assert.throws(() => w.appendEncoded(c, 'much-too-long'), (e: unknown) => e instanceof DataError && /name "much-too-long" is 13 bytes but the names dataset holds at most 8/.test(e.message));
    w.appendEncoded(c, 'ok');
    w.close();
    const reopened = await openStoreWriter(p);
    assert.equal(reopened.length, 1);
    reopened.close();
    const missing = join(dir, 'no', 'such', 'b.hdf5');
    await assert.rejects(createStoreWriter(missing, { height: H, width: W, nameLength: 8 }), (e: unknown) => e instanceof DataError && e.message.startsWith(`${missing}: cannot create the HDF5 file`));
    const g = await createStoreWriter(join(dir, 'g.hdf5'), { height: H, width: W, nameLength: 8, compression: 'gzip' });
    assert.equal(g.backend, 'h5wasm');
    g.close();
    const again = await openStoreWriter(join(dir, 'g.hdf5'));
    assert.equal(again.backend, 'h5wasm', 'a gzip store is appended to through h5wasm');
    again.close();
  } finally {
    cleanup();
  }
});
