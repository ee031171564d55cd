import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataLoader, sequentialOrder, shuffledOrder, type Batch } from '../../src/data/loader/DataLoader.js';
import type { StoreDescriptor } from '../../src/data/store/openStore.js';
import { MemoryStore } from '../../src/data/store/MemoryStore.js';
import { resizeBilinear } from '../../src/data/image/resize.js';
import { toFloatCHW } from '../../src/data/image/toFloat.js';
import { applyChannelFilter } from '../../src/data/image/channelFilter.js';
import { DataError } from '../../src/errors.js';
import { REPO_ROOT, tempDir } from '../helpers/env.js';

const N = 23;
const H = 20;
const W = 18;
const names = Array.from({ length: N }, (_, i) => `img-${String(i).padStart(2, '0')}`);
const shared = new Uint8Array(new SharedArrayBuffer(N * H * W * 4));
for (let i = 0; i < shared.length; i++) shared[i] = (i * 37 + ((i / 97) | 0) * 11) % 256;
const store: StoreDescriptor = { kind: 'memory', names, data: shared, height: H, width: W };
// Item i has class i % 28 set and class 27 − (i % 28) set: alignment errors show up.
const targets = new Float32Array(N * 28);
for (let i = 0; i < N; i++) {
  targets[i * 28 + (i % 28)] = 1;
  targets[i * 28 + 27 - (i % 28)] = 1;
}

async function collect(dl: DataLoader, order?: ArrayLike<number>, epoch?: number): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of dl.batches(order, { epoch })) out.push(b);
  return out;
}

test('sequential order, batch sizes with and without dropLast, ids/targets/indices aligned', async () => {
  for (const dropLast of [false, true]) {
    const dl = new DataLoader({ store, names, targets, transform: { kind: 'plain', height: H, width: W }, batchSize: 5, dropLast });
    const batches = await collect(dl);
    assert.deepEqual(batches.map((b) => b.shape[0]), dropLast ? [5, 5, 5, 5] : [5, 5, 5, 5, 3]);
    assert.equal(dl.numBatches(N), dropLast ? 4 : 5);
    const ids = batches.flatMap((b) => b.ids);
    assert.deepEqual(ids, names.slice(0, dropLast ? 20 : 23));
    for (const b of batches) {
      assert.deepEqual(b.shape.slice(1), [3, H, W]);
      assert.equal(b.images.length, b.shape[0] * 3 * H * W);
      b.indices.forEach((item, i) => {
        assert.equal(b.ids[i], names[item]);
        assert.deepEqual(b.targets.subarray(i * 28, (i + 1) * 28), targets.subarray(item * 28, (item + 1) * 28));
      });
    }
    await dl.close();
  }
});

test('a given order (e.g. sampler draws with repeats) and a row mapping; pixels = filter → resize → /255', async () => {
  const rows = Int32Array.from({ length: 10 }, (_, i) => N - 1 - 2 * i); // dataset item i is store row 22 − 2i
  const subsetNames = Array.from(rows, (r) => names[r]);
  const subsetTargets = new Float32Array(10 * 28).map((_, k) => k % 29);
  const dl = new DataLoader({ store, rows, names: subsetNames, targets: subsetTargets, filter: 'rygb', transform: { kind: 'plain', height: 9, width: 11 }, batchSize: 4 });
  const order = [3, 3, 0, 9, 5, 3, 1];
  const batches = await collect(dl, order);
  const mem = new MemoryStore(names, shared, H, W);
  const per = 3 * 9 * 11;
  let k = 0;
  for (const b of batches) {
    for (let i = 0; i < b.shape[0]; i++, k++) {
      const item = order[k];
      assert.equal(b.indices[i], item);
      assert.equal(b.ids[i], names[rows[item]]);
      assert.deepEqual(b.targets.subarray(i * 28, (i + 1) * 28), subsetTargets.subarray(item * 28, (item + 1) * 28));
      const img = { data: applyChannelFilter(mem.read(rows[item]), H, W, 'rygb'), height: H, width: W, channels: 3 };
      assert.deepEqual(b.images.subarray(i * per, (i + 1) * per), toFloatCHW(resizeBilinear(img, { height: 9, width: 11 })));
    }
  }
  assert.equal(k, order.length);
  await dl.close();
});

test('training augmentation is identical for 0, 1 and 2 workers, differs across epochs, repeats per epoch', async () => {
  const order = shuffledOrder(N, 5);
  const run = async (workers: number, epoch: number) => {
    const dl = new DataLoader({ store, names, targets, transform: { kind: 'train', height: 16, width: 16 }, batchSize: 4, workers, seed: 11, prefetch: 3 });
    try {
      return await collect(dl, order, epoch);
    } finally {
      await dl.close();
    }
  };
  const w0 = await run(0, 1);
  const w1 = await run(1, 1);
  const w2 = await run(2, 1);
  assert.deepEqual(w1, w0);
  assert.deepEqual(w2, w0);
  const other = await run(0, 2);
  assert.notDeepEqual(other.map((b) => b.images), w0.map((b) => b.images));
  assert.deepEqual(other.map((b) => b.ids), w0.map((b) => b.ids));
});

test('a stored name that differs from the CSV is a DataError naming both (worker errors reach the consumer)', async () => {
  const wrong = names.slice();
  wrong[6] = 'not-the-stored-id';
  for (const workers of [0, 2]) {
    const dl = new DataLoader({ store, names: wrong, transform: { kind: 'plain', height: H, width: W }, batchSize: 4, workers });
    await assert.rejects(collect(dl), (e: unknown) => e instanceof DataError && /row 6 holds "img-06" but the CSV expects "not-the-stored-id"/.test(e.message));
    await dl.close();
  }
});

test('early break cancels the prefetched batches; the loader is reusable; close() is idempotent', async () => {
  const dl = new DataLoader({ store, names, transform: { kind: 'train', height: H, width: W }, batchSize: 2, workers: 2, prefetch: 4 });
  let seen = 0;
  for await (const b of dl.batches(sequentialOrder(N), { epoch: 0 })) {
    seen += b.shape[0];
    if (seen >= 4) break;
  }
  assert.equal(seen, 4);
  const all = await collect(dl, undefined, 0);
  assert.equal(all.reduce((s, b) => s + b.shape[0], 0), N);
  await dl.close();
  await dl.close();
  await assert.rejects(dl.batches().next(), /after close/);
});

test('a process that breaks out early and never calls close() still exits', () => {
  const { dir, cleanup } = tempDir();
  try {
    const script = join(dir, 'noclose.mts');
    const loader = JSON.stringify(join(REPO_ROOT, 'src/data/loader/DataLoader.ts'));
    writeFileSync(
      script,
      `import { DataLoader } from ${loader};
const names = ['a', 'b', 'c', 'd', 'e', 'f'];
const data = new Uint8Array(6 * 8 * 8 * 4).fill(7);
const dl = new DataLoader({ store: { kind: 'memory', names, data, height: 8, width: 8 }, transform: { kind: 'train', height: 8, width: 8 }, batchSize: 1, workers: 2 });
for await (const b of dl.batches()) { console.log('got', b.ids[0]); break; }
`,
    );
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.signal, null, `timed out (hung): ${r.stderr}`);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /got a/);
  } finally {
    cleanup();
  }
});

test('recycle(): reused buffers give the same batches (0 and 2 workers)', async () => {
  const order = shuffledOrder(N, 8);
  const opts = { store, names, targets, transform: { kind: 'train', height: 16, width: 12 }, batchSize: 3, seed: 2 } as const;
  const ref = await collect(new DataLoader({ ...opts, workers: 0 }), order, 4);
  for (const workers of [0, 2]) {
    const dl = new DataLoader({ ...opts, workers, prefetch: 2 });
    for (let pass = 0; pass < 2; pass++) {
      let b = 0;
      for await (const batch of dl.batches(order, { epoch: 4 })) {
        assert.deepEqual(batch.images, ref[b].images, `workers ${workers} pass ${pass} batch ${b}`);
        b++;
        // A plain ArrayBuffer whatever the worker count: the engine's tensor() refuses SharedArrayBuffer views.
        assert.ok(batch.images.buffer instanceof ArrayBuffer && !(batch.images.buffer instanceof SharedArrayBuffer));
        dl.recycle(batch);
      }
      assert.equal(b, ref.length);
    }
    await dl.close();
  }
});

test('per-pass transform: the 15 TTA pipelines through one worker pool equal applyTta → toFloatCHW', async () => {
  const { buildTtaList, applyTta } = await import('../../src/data/image/tta.js');
  const tta = buildTtaList({ brightness: 0.1 }, 1);
  const dl = new DataLoader({ store, names, transform: { kind: 'plain', height: 16, width: 16 }, batchSize: 8, workers: 2 });
  const mem = new MemoryStore(names, shared, H, W);
  const order = [0, 5, 22, 7];
  for (const p of tta) {
    const plain = await collect(dl, order); // the loader's own transform still works between TTA passes
    assert.deepEqual(plain[0].shape, [4, 3, 16, 16]);
    const batches: Batch[] = [];
    for await (const b of dl.batches(order, { transform: { kind: 'ops', height: 16, width: 16, ops: p.ops } })) batches.push(b);
    assert.equal(batches.length, 1);
    const per = 3 * 16 * 16;
    order.forEach((row, i) => {
      const img = { data: applyChannelFilter(mem.read(row), H, W, 'rgb'), height: H, width: W, channels: 3 };
      assert.deepEqual(batches[0].images.subarray(i * per, (i + 1) * per), toFloatCHW(applyTta(img, p.ops, { height: 16, width: 16 })), `${p.name} row ${row}`);
    });
  }
  await dl.close();
});

test('a store a worker cannot open fails the pass with the DataError naming the file', async () => {
  const dl = new DataLoader({ store: { kind: 'hdf5', path: '/nonexistent/train.hdf5' }, names: ['a', 'b'], transform: { kind: 'plain', height: 8, width: 8 }, batchSize: 1, workers: 1 });
  await assert.rejects(collect(dl), (e: unknown) => e instanceof DataError && /\/nonexistent\/train.hdf5: no such HDF5 file/.test(e.message));
  await dl.close();
});
