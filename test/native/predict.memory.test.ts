/**
 * A long TTA prediction loop keeps its memory flat: the live-tensor count returns to where it started and
 * resident memory stops growing after the first passes (the training loop's guard is engine.memory.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tempDir } from '../helpers/env.js';
import { Hdf5Writer } from '../../src/data/store/Hdf5Store.js';
import { DataLoader } from '../../src/data/loader/DataLoader.js';
import { buildTtaList, ttaWeights } from '../../src/data/image/tta.js';
import { createModel } from '../../src/models/registry.js';
import { predictLogits } from '../../src/predict/predict.js';
import { liveTensors, manualSeed } from '../../src/tensor/index.js';

test('40 passes of 15-way TTA prediction: live tensors flat, RSS flat after warm-up', async () => {
  const { dir, cleanup } = tempDir('hpaic-predict-mem-');
  const S = 64;
  try {
    const w = await Hdf5Writer.create(join(dir, 'test.hdf5'), { height: S, width: S, nameLength: 36, compression: 'none' });
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const px = new Uint8Array(S * S * 4).map((_, k) => (k * 7 + i * 13) % 251);
      ids.push(`${String(i).padStart(8, '0')}-0000-1111-2222-333344445555`);
      w.append(px, ids[i]);
    }
    w.close();
    manualSeed(0);
    const model = createModel('resnet18', { head: 'adaptive' }).channelsLast();
    const tta = buildTtaList({}, 0);
    const weights = ttaWeights(tta.length, 0.6);
    const loader = new DataLoader({ store: { kind: 'hdf5', path: join(dir, 'test.hdf5') }, names: ids, filter: 'rgb', transform: { kind: 'plain', height: S, width: S }, batchSize: 5, workers: 1 });
    try {
      const pass = (): Promise<Float32Array> => predictLogits({ model, loader, device: 'cpu', channelsLast: true, tta, weights, quiet: true });
      const first = await pass();
      for (let i = 0; i < 4; i++) await pass();
      const live = liveTensors();
      const before = process.memoryUsage().rss;
      let last = first;
      for (let i = 0; i < 40; i++) last = await pass();
      const grown = (process.memoryUsage().rss - before) / 2 ** 20;
      assert.equal(liveTensors(), live, 'prediction left tensors alive');
      // One pass's TTA inputs and activations are ~40 MB here: a leak of them per pass would be > 1.5 GB.
      assert.ok(grown < 150, `RSS grew by ${grown.toFixed(0)} MiB over 40 passes`);
      assert.deepEqual(last, first, 'the same images must give the same logits on every pass');
    } finally {
      await loader.close();
      model.dispose();
    }
  } finally {
    cleanup();
  }
});
