/**
 * `average_last`: the average of K epochs' weights equals torch.optim.swa_utils.AveragedModel(use_buffers=True)
 * fed the same K states (parameters, BatchNorm running statistics and the int64 num_batches_tracked), and
 * gradient accumulation over k batches equals one batch of k× the size (a BatchNorm-free model, plain SGD).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { averageWeightFiles } from '../../src/train/averageWeights.js';
import { readWeights } from '../../src/io/weights/readWeights.js';
import type { StoredTensor } from '../../src/io/weights/StoredTensor.js';
import { fromStored } from '../../src/models/weights.js';
import { runEpoch } from '../../src/train/runEpoch.js';
import { DataLoader } from '../../src/data/loader/DataLoader.js';
import { Sequential } from '../../src/nn/Sequential.js';
import { Flatten } from '../../src/nn/layers.js';
import { Linear } from '../../src/nn/Linear.js';
import { SGD } from '../../src/optim/SGD.js';
import { createCriterion } from '../../src/nn/losses.js';
import { noGrad } from '../../src/tensor/index.js';
import { pythonSkip, runPython, tempDir } from '../helpers/env.js';

const PY = String.raw`
import sys, torch, torchvision
from torch.optim.swa_utils import AveragedModel
torch.manual_seed(0)
d = sys.argv[1]
m = torchvision.models.resnet18(num_classes=28)
swa = AveragedModel(m, use_buffers=True)
for k in range(5):
    with torch.no_grad():
        for p in m.parameters():
            p.add_(torch.randn_like(p) * 0.1)
        for n, b in m.named_buffers():
            if b.dtype == torch.long:
                b.add_(7 * k + 3)
            else:
                b.mul_(1 + 0.3 * torch.rand_like(b))
    torch.save(m.state_dict(), d + '/epoch_%d.pth' % k)
    swa.update_parameters(m)
torch.save(swa.module.state_dict(), d + '/avg.pth')
`;

test('the average of 5 epochs equals torch AveragedModel(use_buffers=True), buffers included', { skip: pythonSkip('torch', 'torchvision') }, (t) => {
  const { dir, cleanup } = tempDir();
  try {
    runPython(PY, [dir]);
    const got = averageWeightFiles(Array.from({ length: 5 }, (_, k) => join(dir, `epoch_${k}.pth`)));
    const want = readWeights(join(dir, 'avg.pth')).tensors;
    assert.deepEqual([...got.keys()], [...want.keys()]);
    let worst = 0;
    for (const [k, w] of want) {
      const g = got.get(k) as StoredTensor;
      assert.equal(g.dtype, w.dtype, k);
      const a = fromStored(g).toArray();
      const b = fromStored(w).toArray();
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
      if (k.endsWith('num_batches_tracked')) assert.deepEqual(a, b, k);
    }
    t.diagnostic(`worst relative difference ${worst.toExponential(2)}`);
    assert.ok(worst <= 1e-6, `averaged weights differ by ${worst}`);
  } finally {
    cleanup();
  }
});

test('grad_accumulation 2 with batches of 4 trains as batches of 8, and steps once more on a shorter last group', async () => {
  const n = 12;
  const data = new Uint8Array(new SharedArrayBuffer(n * 4 * 4 * 4)).map((_, i) => (i * 37 + 11) & 255);
  const targets = Float32Array.from({ length: n * 28 }, (_, i) => ((i * 7) % 5 === 0 ? 1 : 0));
  const store = { kind: 'memory' as const, names: Array.from({ length: n }, (_, i) => `s${i}`), data, height: 4, width: 4 };
  const train = async (items: number, batchSize: number, accumulate: number): Promise<{ weights: number[]; steps: number }> => {
    const model = new Sequential(new Flatten(), new Linear(3 * 16, 28));
    noGrad(() => {
      for (const [, p] of model.namedParameters()) p.zero_().add_(0.01);
    });
    const loader = new DataLoader({ store, targets, filter: 'rgb', transform: { kind: 'plain', height: 4, width: 4 }, batchSize, workers: 0 });
    let steps = 0;
    const optimizer = new (class extends SGD {
      step(): void {
        steps++;
        super.step();
      }
    })(model.parameters(), { lr: 0.5 });
    const criterion = createCriterion('bce', null);
    try {
      await runEpoch({ model, loader, order: Int32Array.from({ length: items }, (_, i) => i), datasetLength: items, criterion, device: 'cpu', channelsLast: false, optimizer, accumulate, epoch: 1, label: 't', quiet: true });
      return { weights: [...model.namedParameters()].flatMap(([, p]) => p.toArray()), steps };
    } finally {
      await loader.close();
      optimizer.dispose();
      criterion.dispose();
      model.dispose();
    }
  };
  const big = await train(8, 8, 1);
  const accumulated = await train(8, 4, 2);
  const plain = await train(8, 4, 1);
  assert.equal(big.steps, 1);
  assert.equal(accumulated.steps, 1);
  assert.equal(plain.steps, 2);
  const worst = big.weights.reduce((m, v, i) => Math.max(m, Math.abs(v - accumulated.weights[i])), 0);
  const moved = big.weights.reduce((m, v, i) => Math.max(m, Math.abs(v - plain.weights[i])), 0);
  assert.ok(worst <= 1e-6, `2 × 4 accumulated differs from one batch of 8 by ${worst}`);
  assert.ok(moved > 1e-3, `two plain steps must differ from one accumulated step (${moved})`);
  assert.equal((await train(12, 4, 2)).steps, 2, '12 items in batches of 4, groups of 2: steps after batches 2 and 3');
});
