/**
 * TTA prediction against the seed's make_submission loop in PyTorch (bench/python/seed_submit_bench.py: one
 * DataLoader pass per pipeline, PIL flips/transpose/brightness, the weighted mean of logits), on the same weights,
 * HDF5 file and pipeline list. hpaic makes the variants on the device and forwards them a group at a time; every
 * grouping must give the seed's logits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PYTHON, REPO_ROOT, pythonSkip, tempDir } from '../helpers/env.js';
import { Hdf5Writer } from '../../src/data/store/Hdf5Store.js';
import { DataLoader } from '../../src/data/loader/DataLoader.js';
import { buildTtaList, ttaWeights } from '../../src/data/image/tta.js';
import { createModel } from '../../src/models/registry.js';
import { saveWeights } from '../../src/models/weights.js';
import { predictLogits } from '../../src/predict/predict.js';
import { liveTensors, manualSeed } from '../../src/tensor/index.js';

const skip = pythonSkip('torch', 'torchvision', 'h5py', 'PIL');
const S = 32;
const N = 6;
const BATCH = 4;

test('TTA logits equal the seed loop in PyTorch for every forward grouping', { skip }, async () => {
  const { dir, cleanup } = tempDir('hpaic-tta-torch-');
  try {
    let seed = 11;
    const r = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const w = await Hdf5Writer.create(join(dir, 'test.hdf5'), { height: S, width: S, nameLength: 36, compression: 'none' });
    const ids: string[] = [];
    for (let i = 0; i < N; i++) {
      // An off-centre blob per channel (asymmetric, so flips and transposes change the logits) plus noise.
      const px = new Uint8Array(S * S * 4);
      const cx = r() * S, cy = r() * S;
      for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) for (let c = 0; c < 4; c++) {
        px[(y * S + x) * 4 + c] = Math.min(255, Math.round(230 * Math.exp(-((x - cx) ** 2 + (y - cy + 3 * c) ** 2) / 60) + 25 * r()));
      }
      const id = `${String(i).padStart(8, '0')}-0000-1111-2222-333344445555`;
      ids.push(id);
      w.append(px, id);
    }
    w.close();
    writeFileSync(join(dir, 'sample_submission.csv'), 'Id,Predicted\n' + ids.map((x) => `${x},0`).join('\n') + '\n');
    manualSeed(3);
    const model = createModel('resnet18', { head: 'adaptive' });
    await saveWeights(model, join(dir, 'model.pth'));
    const tta = buildTtaList({}, 0);
    writeFileSync(join(dir, 'pipelines.json'), JSON.stringify(tta.map((p) => p.ops)));
    const py = spawnSync(
      PYTHON,
      [join(REPO_ROOT, 'bench/python/seed_submit_bench.py'), '--root', dir, '--weights', join(dir, 'model.pth'), '--size', String(S), '--batch', String(BATCH), '--workers', '0', '--threads', '1', '--pipelines', join(dir, 'pipelines.json'), '--logits-out', join(dir, 'ref.json')],
      { encoding: 'utf8' },
    );
    assert.equal(py.status, 0, py.stderr);
    const ref = (JSON.parse(readFileSync(join(dir, 'ref.json'), 'utf8')) as number[][]).flat();

    const before = liveTensors();
    // 4 images per forward (one variant of a batch: the seed's forward size), 8 (two variants; the last batch of
    // 2 images takes four), and all 64 variants of a batch in one forward.
    for (const maxForwardBatch of [undefined, 8, 64]) {
      const loader = new DataLoader({ store: { kind: 'hdf5', path: join(dir, 'test.hdf5') }, names: ids, filter: 'rgb', transform: { kind: 'plain', height: S, width: S }, batchSize: BATCH, workers: 0 });
      try {
        const got = await predictLogits({ model, loader, device: 'cpu', channelsLast: true, tta, weights: ttaWeights(tta.length, 0.6), maxForwardBatch, quiet: true });
        assert.equal(got.length, ref.length);
        let worst = 0;
        for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - ref[i]));
        console.log(`# maxForwardBatch ${maxForwardBatch ?? 'default'}: worst |hpaic − PyTorch| ${worst.toExponential(2)}`);
        assert.ok(worst < 1e-4, `maxForwardBatch ${maxForwardBatch}: logits differ by ${worst}`);
      } finally {
        await loader.close();
      }
    }
    assert.equal(liveTensors(), before, 'prediction left tensors alive');
    model.dispose();
  } finally {
    cleanup();
  }
});
