/** The device TTA path (tensor ops) is bit-identical to the CPU path (Pillow-exact uint8 ops) for the seed's list. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTtaList } from '../../src/data/image/tta.js';
import { applyOps } from '../../src/data/image/augOps.js';
import { toFloatCHW } from '../../src/data/image/toFloat.js';
import { type HwcImage } from '../../src/data/image/hwcImage.js';
import { applyOpsOnDevice, ttaOnDevice } from '../../src/predict/predict.js';
import { tensor } from '../../src/tensor/index.js';

test('all 15 default TTA pipelines (both brightness sides) match the CPU implementation exactly', () => {
  const H = 12;
  const W = 12;
  let s = 7;
  const data = Uint8Array.from({ length: H * W * 3 }, () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24));
  data[0] = 255;
  data[1] = 50; // 50 × 0.9 is 44.99998 in float32: Pillow truncates to 44
  const img: HwcImage = { data, height: H, width: W, channels: 3 };
  const x = tensor(toFloatCHW(img), [1, 3, H, W]);
  for (const seed of [0, 1, 2, 3]) {
    const list = buildTtaList({}, seed);
    assert.equal(list.length, 15);
    assert.ok(ttaOnDevice(list, 3));
    for (const p of list) {
      const want = toFloatCHW(applyOps(img, p.ops));
      const got = applyOpsOnDevice(x, p.ops);
      assert.deepEqual(got.toTypedArray(), want, p.name);
      got.dispose();
    }
  }
  x.dispose();
});

test('pipelines with rotation or contrast, or 4-channel brightness, use the CPU path', () => {
  assert.equal(ttaOnDevice(buildTtaList({ degrees: 10 }), 3), false);
  assert.equal(ttaOnDevice(buildTtaList({ contrast: 0.1 }), 3), false);
  assert.equal(ttaOnDevice(buildTtaList({}), 4), false);
});
