import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Hdf5Store, Hdf5Writer } from '../../src/data/store/Hdf5Store.js';
import { checkStoredName } from '../../src/data/store/checkStoredName.js';
import { DataError } from '../../src/errors.js';
import { pythonSkip, runPython, tempDir } from '../helpers/env.js';

const H = 24;
const W = 20;
/** A compressible but distinct image per row. */
function image(k: number): Uint8Array {
  return Uint8Array.from({ length: H * W * 4 }, (_, i) => ((i >> 3) * (k + 1) + (i & 3) * 50) % 256);
}
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const skip = pythonSkip('h5py', 'numpy');

test('a store written by hpaic opens in h5py with identical bytes, names, chunks, filter and max shape', { skip }, async () => {
  const { dir, cleanup } = tempDir();
  try {
    for (const compression of ['lzf', 'gzip', 'none'] as const) {
      const p = join(dir, `${compression}.hdf5`);
      const names = ['00070df0-bbc3-11e8-b2bc-ac1f6b6435d0', '10005_921_B9_1', 'x'];
      const w = await Hdf5Writer.create(p, { height: H, width: W, nameLength: 36, compression });
      names.forEach((n, k) => w.append(image(k), n));
      w.close();
      const out = JSON.parse(
        runPython(
          `import sys, json, hashlib, h5py
f = h5py.File(sys.argv[1], 'r'); d = f['images']; n = f['names']
print(json.dumps({'shape': d.shape, 'dtype': str(d.dtype), 'chunks': d.chunks, 'maxshape': [m if m is not None else -1 for m in d.maxshape],
  'compression': d.compression, 'sha': [hashlib.sha256(d[i].tobytes()).hexdigest() for i in range(d.shape[0])],
  'names': [x.decode() if isinstance(x, bytes) else x for x in n[:]], 'ndtype': str(n.dtype)}))`,
          [p],
        ),
      );
      assert.deepEqual(out.shape, [3, H, W, 4]);
      assert.equal(out.dtype, 'uint8');
      assert.deepEqual(out.chunks, [1, H, W, 4]);
      assert.deepEqual(out.maxshape, [-1, H, W, 4]);
      assert.equal(out.compression, compression === 'none' ? null : compression, compression);
      assert.deepEqual(out.sha, [0, 1, 2].map((k) => sha(image(k))));
      assert.deepEqual(out.names, names);
      assert.equal(out.ndtype, '|S36');
      // And back through our reader.
      const s = await Hdf5Store.open(p);
      assert.deepEqual(s.compression, compression === 'none' ? [] : [compression]);
      assert.equal(s.nameAt(1), names[1]);
      assert.equal(sha(s.read(2)), sha(image(2)));
      s.close();
    }
  } finally {
    cleanup();
  }
});

test("a file written by h5py the seed's way (lzf, chunk 1, S36 names, appended batches) opens in hpaic", { skip }, async () => {
  const { dir, cleanup } = tempDir();
  try {
    const p = join(dir, 'seed.hdf5');
    const pv = join(dir, 'vlen.hdf5');
    runPython(
      `import sys, h5py, numpy as np
H, W = ${H}, ${W}
def img(k):
    i = np.arange(H * W * 4)
    return ((((i >> 3) * (k + 1)) + (i & 3) * 50) % 256).astype(np.uint8).reshape(H, W, 4)
names = [('%08x-bbc3-11e8-b2bc-ac1f6b6435d0' % k) for k in range(5)]
with h5py.File(sys.argv[1], 'w') as f:
    batch = np.stack([img(k) for k in range(3)])
    f.create_dataset('images', data=batch, maxshape=(None, H, W, 4), chunks=(1, H, W, 4), compression='lzf')
    f.create_dataset('names', data=np.array([n.encode() for n in names[:3]]), maxshape=(None,), chunks=(1,), compression='lzf')
with h5py.File(sys.argv[1], 'a') as f:
    d, n = f['images'], f['names']
    d.resize(5, axis=0); d[3:] = np.stack([img(3), img(4)])
    n.resize(5, axis=0); n[3:] = np.array([x.encode() for x in names[3:]])
with h5py.File(sys.argv[2], 'w') as f:
    f.create_dataset('images', data=np.stack([img(0)]), chunks=(1, H, W, 4), compression='gzip')
    f.create_dataset('names', data=['10005_921_B9_1'], dtype=h5py.string_dtype())
`,
      [p, pv],
    );
    const s = await Hdf5Store.open(p);
    assert.equal(s.length, 5);
    assert.equal([s.height, s.width].join(), `${H},${W}`);
    assert.deepEqual(s.compression, ['lzf']);
    for (let k = 0; k < 5; k++) {
      assert.equal(s.nameAt(k), `${k.toString(16).padStart(8, '0')}-bbc3-11e8-b2bc-ac1f6b6435d0`);
      assert.equal(sha(s.read(k)), sha(image(k)), `row ${k}`);
    }
    s.close();
    const v = await Hdf5Store.open(pv);
    assert.equal(v.nameAt(0), '10005_921_B9_1');
    assert.equal(sha(v.read(0)), sha(image(0)));
    v.close();
    // Appending to the seed's file (its names are S36) continues it.
    const w = await Hdf5Writer.openAppend(p);
    assert.equal(w.length, 5);
    w.append(image(5), '10005_921_B9_1');
    assert.throws(() => w.append(image(6), 'y'.repeat(37)), (e: unknown) => e instanceof DataError && /is 37 bytes but the names dataset holds at most 36/.test(e.message));
    w.close();
    const names = JSON.parse(runPython(`import sys, json, h5py\nprint(json.dumps([x.decode() for x in h5py.File(sys.argv[1], 'r')['names'][:]]))`, [p]));
    assert.equal(names.length, 6);
    assert.equal(names[5], '10005_921_B9_1');
  } finally {
    cleanup();
  }
});

test('bad stores are DataErrors naming the file; LZF on incompressible data says what to do', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await assert.rejects(Hdf5Store.open(join(dir, 'nope.hdf5')), /nope\.hdf5: no such HDF5 file/);
    const junk = join(dir, 'junk.hdf5');
    writeFileSync(junk, 'not hdf5');
    await assert.rejects(Hdf5Store.open(junk), (e: unknown) => e instanceof DataError && /junk\.hdf5: cannot open as HDF5/.test(e.message));
    const p = join(dir, 'noise.hdf5');
    const w = await Hdf5Writer.create(p, { height: 64, width: 64, nameLength: 4, compression: 'lzf' });
    const noise = new Uint8Array(randomBytes(64 * 64 * 4));
    assert.throws(() => w.append(noise, 'a'), (e: unknown) => e instanceof DataError && /writing image "a" failed/.test(e.message) && /zstd or none/.test((e as DataError).hint ?? ''));
    assert.equal(w.length, 0);
    w.close();
  } finally {
    cleanup();
  }
});

test('the seed name check names the row and both names', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const p = join(dir, 'n.hdf5');
    const w = await Hdf5Writer.create(p, { height: H, width: W, nameLength: 8, compression: 'none' });
    w.append(image(0), 'a');
    w.append(image(1), 'b');
    w.close();
    const s = await Hdf5Store.open(p);
    checkStoredName(s, 1, 'b', p);
    assert.throws(() => checkStoredName(s, 1, 'c', p), (e: unknown) => e instanceof DataError && e.message === `${p}: row 1 holds "b" but the CSV expects "c" there`);
    s.close();
  } finally {
    cleanup();
  }
});

test('zstd (filter 32015, level 3, the id hdf5plugin uses) round-trips, even for incompressible images', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const p = join(dir, 'z.hdf5');
    const w = await Hdf5Writer.create(p, { height: 64, width: 64, nameLength: 4, compression: 'zstd' });
    const noise = new Uint8Array(randomBytes(64 * 64 * 4));
    w.append(noise, 'n');
    w.close();
    const s = await Hdf5Store.open(p);
    assert.deepEqual(s.compression, ['zstd']);
    assert.equal(sha(s.read(0)), sha(noise));
    s.close();
  } finally {
    cleanup();
  }
});
