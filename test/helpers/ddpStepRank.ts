/**
 * One rank of test/e2e/dist.train.test.ts's gradient check (run with `node --import tsx`): a seeded ResNet18 takes
 * rank r's share (rows r, r+W, …) of a fixed random batch, runs one forward/backward, writes its own gradients, then
 * DataParallel.averageGradients and writes the averaged ones (raw float32, parameter order) to argv[2]/rank<r>.{local,avg}.bin.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createModel } from '../../src/models/registry.js';
import { createCriterion } from '../../src/nn/losses.js';
import { manualSeed, rand, randn, tensor } from '../../src/tensor/index.js';
import { ProcessGroup, rendezvousFromEnv } from '../../src/dist/index.js';
import { DataParallel } from '../../src/train/dataParallel.js';

const out = process.argv[2];
const rv = rendezvousFromEnv();
const pg = ProcessGroup.init(rv, { timeoutS: 60 });
manualSeed(0);
const model = createModel('resnet18', { numClasses: 28, inChannels: 3, head: 'adaptive', dropoutP: 0 });
const dp = new DataParallel(pg, model);
dp.broadcastState();
model.train();
manualSeed(7);
const X = randn([8, 3, 64, 64]);
const Y = rand([8, 28]).gt(0.7).to({ dtype: 'float32' });
const rows = tensor(Array.from({ length: 8 / rv.worldSize }, (_, i) => i * rv.worldSize + rv.rank), [8 / rv.worldSize], { dtype: 'int64' });
const loss = createCriterion('bce', null, 'cpu')(model.forward(X.indexSelect(0, rows)), Y.indexSelect(0, rows));
loss.backward();
const grads = (): Float32Array => {
  const parts = model.parameters().map((p) => p.grad!.reshape([-1]).toTypedArray() as Float32Array);
  const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    all.set(p, off);
    off += p.length;
  }
  return all;
};
writeFileSync(join(out, `rank${rv.rank}.local.bin`), grads());
dp.averageGradients();
writeFileSync(join(out, `rank${rv.rank}.avg.bin`), grads());
pg.barrier();
pg.destroy();
