/**
 * One process of `npm run bench:dist` (bench/dist.bench.ts): ResNet18 (torchvision's, fc head, 28 classes) trained
 * with SGD on one fixed random batch for BENCH_STEPS timed steps after BENCH_WARMUP; with WORLD_SIZE > 1 as a
 * data-parallel rank (rank-0 broadcast, gradient allreduce after backward, buffers broadcast before forward).
 * Prints one JSON line from rank 0: seconds per step, allreduce seconds per step, bytes per step.
 */
import { DataParallel } from '../src/train/dataParallel.js';
import { ProcessGroup, rendezvousFromEnv } from '../src/dist/index.js';
import { createModel } from '../src/models/registry.js';
import { SGD } from '../src/optim/SGD.js';
import { F, manualSeed, rand, randn, setNumThreads, tidy } from '../src/tensor/index.js';

const batch = Number(process.env.BENCH_BATCH ?? 8);
const size = Number(process.env.BENCH_SIZE ?? 64);
const steps = Number(process.env.BENCH_STEPS ?? 20);
const warmup = Number(process.env.BENCH_WARMUP ?? 3);
setNumThreads(Number(process.env.BENCH_THREADS ?? 1));
const rv = rendezvousFromEnv();
const pg = rv.worldSize > 1 ? ProcessGroup.init(rv, { timeoutS: 300, heartbeat: false }) : null;
manualSeed(rv.rank);
const model = createModel('resnet18', { numClasses: 28, head: 'fc' }).channelsLast();
const dp = pg ? new DataParallel(pg, model) : null;
dp?.broadcastState();
const opt = new SGD(model.parameters(), { lr: 1e-3, momentum: 0.9 });
const x = randn([batch, 3, size, size]).channelsLast();
const y = rand([batch, 28]).gt(0.8).to('float32');
model.train();
const step = (): void =>
  tidy(() => {
    opt.zeroGrad();
    dp?.broadcastBuffers();
    F.binaryCrossEntropyWithLogits(model.forward(x), y).backward();
    dp?.averageGradients();
    opt.step();
  });
for (let i = 0; i < warmup; i++) step();
pg?.barrier();
dp?.resetStats();
const t0 = performance.now();
for (let i = 0; i < steps; i++) step();
pg?.barrier();
const seconds = (performance.now() - t0) / 1000;
if (rv.rank === 0) {
  console.log(JSON.stringify({ stepSeconds: seconds / steps, allreduceSeconds: (dp?.stats.seconds ?? 0) / steps, bytesPerStep: (dp?.stats.bytes ?? 0) / steps, callsPerStep: (dp?.stats.calls ?? 0) / steps }));
}
pg?.destroy();
