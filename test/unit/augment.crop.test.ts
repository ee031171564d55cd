/**
 * `crop_size`: training samples are random windows of the img_h × img_w image (bestfitting's 512 crops of 768
 * images): the loader's batches (in-thread and from worker threads) equal the window at the drawn offset followed
 * by the sample's augmentation; offsets cover the whole image and change with epoch and position.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataLoader } from '../../src/data/loader/DataLoader.js';
import { cropImage, cropOffset, sampleOps, sampleShape, type SamplePipeline } from '../../src/data/loader/sampleTransform.js';
import { applyOps } from '../../src/data/image/augOps.js';
import { toFloatCHW } from '../../src/data/image/toFloat.js';
import { applyChannelFilter } from '../../src/data/image/channelFilter.js';
import { parseConfig } from '../../src/config/loadConfig.js';
import { ConfigError } from '../../src/errors.js';

const N = 6;
const S = 24;
const data = new Uint8Array(new SharedArrayBuffer(N * S * S * 4)).map((_, i) => (i * 31 + (i >> 7)) & 255);
const store = { kind: 'memory' as const, names: Array.from({ length: N }, (_, i) => `s${i}`), data, height: S, width: S };
const crop = { height: 16, width: 16 };
const pipeline: SamplePipeline = { filter: 'rgb', transform: { kind: 'train', height: S, width: S, crop }, seed: 3 };

test('train batches with crop_size are the drawn window, then the augmentation (0 and 2 workers)', async () => {
  assert.deepEqual(sampleShape(pipeline), [3, 16, 16]);
  for (const workers of [0, 2]) {
    const dl = new DataLoader({ store, filter: 'rgb', transform: pipeline.transform, batchSize: 3, workers, seed: 3 });
    let pos = 0;
    for await (const b of dl.batches(Int32Array.from({ length: N }, (_, i) => i), { epoch: 2 })) {
      assert.deepEqual(b.shape, [3, 3, 16, 16]);
      for (let i = 0; i < b.ids.length; i++, pos++) {
        const row = b.indices[i];
        const img = { data: applyChannelFilter(data.subarray(row * S * S * 4, (row + 1) * S * S * 4), S, S, 'rgb'), height: S, width: S, channels: 3 };
        const { top, left } = cropOffset(pipeline, 2, pos);
        const want = toFloatCHW(applyOps(cropImage(img, top, left, crop), sampleOps(pipeline, 2, pos)));
        assert.deepEqual(b.images.subarray(i * want.length, (i + 1) * want.length), want, `workers ${workers}, sample ${pos}`);
      }
      dl.recycle(b);
    }
    await dl.close();
  }
});

test('crop offsets stay inside the image, reach both edges and vary with epoch and position', () => {
  const tops = new Set<number>();
  const lefts = new Set<number>();
  for (let e = 0; e < 20; e++) for (let p = 0; p < 20; p++) {
    const { top, left } = cropOffset(pipeline, e, p);
    assert.ok(top >= 0 && top <= S - 16 && left >= 0 && left <= S - 16);
    tops.add(top);
    lefts.add(left);
  }
  assert.equal(tops.size, S - 16 + 1);
  assert.equal(lefts.size, S - 16 + 1);
  assert.notDeepEqual(cropOffset(pipeline, 0, 0), cropOffset(pipeline, 1, 0));
  const cell = cropImage({ data: Uint8Array.from({ length: 4 * 4 }, (_, i) => i), height: 4, width: 4, channels: 1 }, 1, 2, { height: 2, width: 2 });
  assert.deepEqual(Array.from(cell.data), [6, 7, 10, 11]);
});

test('crop_size is a config error when larger than the image or without aug', () => {
  const base = { name: 'n', dataset: { root_dir: 'd' }, img_h: 64, img_w: 48 };
  assert.equal(parseConfig({ ...base, crop_size: 32 }).crop_size, 32);
  assert.equal(parseConfig(base).crop_size, null);
  assert.throws(() => parseConfig({ ...base, crop_size: 64 }), (e: unknown) => e instanceof ConfigError && /crop_size: expected null or an integer from 1 to 48/.test((e as Error).message));
  assert.throws(() => parseConfig({ ...base, crop_size: 32, aug: false }), (e: unknown) => e instanceof ConfigError && /crop_size/.test((e as Error).message));
});
