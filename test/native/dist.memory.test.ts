// The data-parallel step's memory over many steps, on a real one-rank c10d group (Gloo over 127.0.0.1): SyncBatchNorm
// forward/backward, the buffer broadcast and the bucketed gradient allreduce leave no live tensors and no RSS growth.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../helpers/freePort.js';
import { ProcessGroup } from '../../src/dist/index.js';
import { DataParallel } from '../../src/train/dataParallel.js';
import { convertSyncBatchNorm } from '../../src/train/syncBatchNorm.js';
import { createModel } from '../../src/models/registry.js';
import { Adam } from '../../src/optim/Adam.js';
import { F, manualSeed, rand, randn, tidy } from '../../src/tensor/index.js';
import { liveTensors } from '../../src/tensor/scope.js';

test('60 data-parallel ResNet18 steps: live tensors unchanged, resident memory flat', { timeout: 180_000 }, async () => {
  const pg = ProcessGroup.init({ launcher: 'env', rank: 0, worldSize: 1, localRank: 0, localWorldSize: 1, masterAddr: '127.0.0.1', masterPort: await freePort(), useAgentStore: false, restartCount: 0 }, { timeoutS: 30 });
  manualSeed(0);
  const model = createModel('resnet18', { head: 'adaptive' });
  assert.equal(convertSyncBatchNorm(model, pg), 22);
  // A small bucket cap so that the gradients travel in many buckets.
  const dp = new DataParallel(pg, model, 4 << 20);
  dp.broadcastState();
  const opt = new Adam(model.parameters(), { lr: 1e-3 });
  const x = randn([8, 3, 32, 32]);
  const y = rand([8, 28]).gt(0.8).to('float32');
  model.train();
  const step = (): void =>
    tidy(() => {
      opt.zeroGrad();
      dp.broadcastBuffers();
      F.binaryCrossEntropyWithLogits(model.forward(x), y).backward();
      dp.averageGradients();
      opt.step();
    });
  for (let i = 0; i < 10; i++) step();
  const live = liveTensors();
  const before = process.memoryUsage().rss;
  dp.resetStats();
  for (let i = 0; i < 50; i++) step();
  const grown = (process.memoryUsage().rss - before) / 1e6;
  assert.equal(liveTensors(), live, 'tensors leaked by the data-parallel step');
  assert.ok(grown < 200, `RSS grew by ${grown.toFixed(0)} MB over 50 steps`);
  assert.ok(dp.stats.calls >= 50 * 11, `gradients in ≥ 11 buckets of ≤ 4 MiB per step (${dp.stats.calls / 50} per step)`);
  opt.dispose();
  model.dispose();
  x.dispose();
  y.dispose();
  pg.destroy();
});
