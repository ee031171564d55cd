// The loader on the seed's HDF5 layout (LZF), opened by each worker thread from a descriptor, against the
// single-threaded reference path (store.read → channel filter → resize → ops → /255).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DataLoader, shuffledOrder, type Batch } from '../../src/data/loader/DataLoader.js';
import { Hdf5Store, Hdf5Writer } from '../../src/data/store/Hdf5Store.js';
import { toFloatCHW } from '../../src/data/image/toFloat.js';
import { applyChannelFilter } from '../../src/data/image/channelFilter.js';
import { transformImage, type SamplePipeline } from '../../src/data/loader/sampleTransform.js';
import { tempDir } from '../helpers/env.js';

const H = 40;
const W = 36;
const N = 9;

test('HDF5 store through 0 and 2 workers equals the reference path (rgb and rygb, train and resize)', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'train.hdf5');
    const w = await Hdf5Writer.create(path, { height: H, width: W, nameLength: 8, compression: 'lzf' });
    const names = Array.from({ length: N }, (_, i) => `s${i}`);
    for (let i = 0; i < N; i++) {
      // Compressible (LZF refuses noise): flat background with a gradient square per channel, some zeros for rygb.
      const img = new Uint8Array(H * W * 4);
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < 4; c++) {
        const inside = x > 4 + c + i && x < 25 + c && y > 3 + i && y < 30 - c;
        img[(y * W + x) * 4 + c] = inside ? (x * 5 + y * 3 + c * 40 + i * 7) % 256 : c === 3 ? 30 : 0;
      }
      w.append(img, names[i]);
    }
    w.close();
    const store = await Hdf5Store.open(path);
    const order = shuffledOrder(N, 4);
    for (const [filter, transform] of [
      ['rgb', { kind: 'train', height: H, width: W }],
      ['rygb', { kind: 'train', height: H, width: W }],
      ['gby', { kind: 'train', height: 20, width: 30 }],
    ] as const) {
      const pipeline: SamplePipeline = { filter, transform, seed: 5 };
      const results: Batch[][] = [];
      for (const workers of [0, 2]) {
        const dl = new DataLoader({ store: { kind: 'hdf5', path }, names, filter, transform, batchSize: 4, workers, seed: 5 });
        const got: Batch[] = [];
        for await (const b of dl.batches(order, { epoch: 3 })) got.push(b);
        await dl.close();
        results.push(got);
      }
      assert.deepEqual(results[1], results[0], `${filter}: workers 0 vs 2`);
      const flat = results[0];
      let pos = 0;
      for (const b of flat) {
        const per = b.shape[1] * b.shape[2] * b.shape[3];
        for (let i = 0; i < b.shape[0]; i++, pos++) {
          const row = order[pos];
          assert.equal(b.ids[i], names[row]);
          const img = { data: applyChannelFilter(store.read(row), H, W, filter), height: H, width: W, channels: b.shape[1] };
          const ref = toFloatCHW(transformImage(img, pipeline, 3, pos));
          assert.deepEqual(b.images.subarray(i * per, (i + 1) * per), ref, `${filter} sample ${pos}`);
        }
      }
      assert.equal(pos, N);
    }
    store.close();
  } finally {
    cleanup();
  }
});
