// Loader batches become engine tensors (the trainer's batchTensors path) with 0 and 2 workers: the images must be
// plain-ArrayBuffer views, which the addon's fromBuffer reads (it refuses SharedArrayBuffer views).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataLoader } from '../../src/data/loader/DataLoader.js';
import { tensor } from '../../src/tensor/index.js';

test('loader batches convert to tensors with the same values, for 0 and 2 workers', async () => {
  const names = ['a', 'b', 'c', 'd', 'e'];
  const data = new Uint8Array(new SharedArrayBuffer(5 * 12 * 10 * 4)).map((_, i) => (i * 13) & 255);
  for (const workers of [0, 2]) {
    const dl = new DataLoader({ store: { kind: 'memory', names, data, height: 12, width: 10 }, transform: { kind: 'train', height: 12, width: 10 }, batchSize: 2, workers });
    for await (const b of dl.batches()) {
      const t = tensor(b.images, b.shape);
      assert.deepEqual(t.shape, b.shape);
      assert.deepEqual(t.toArray(), Array.from(b.images));
      t.dispose();
      dl.recycle(b);
    }
    await dl.close();
  }
});
