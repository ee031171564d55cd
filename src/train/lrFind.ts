/**
 * `hpaic lr-find`: the seed's lr_finder.py (seed-spec §2.5, §14.1). On the whole dataset (no split), with the
 * training augmentation and the sampler (or shuffling), train one batch per iteration at the range test's lr,
 * restarting the loader when it runs out, until `numIter` batches or divergence. Writes `lr_finder.csv` and the
 * plot into the run folder and returns the suggested lr. The model is not kept (the seed's was left trained).
 */
import type { HpaicConfig } from '../config/schema.js';
import { DataLoader, shuffledOrder } from '../data/loader/DataLoader.js';
import { WeightedSampler, sampleWeights, type SampleWeightMode } from '../data/tables/sampler.js';
import { seededRandom, hashSeed } from '../data/tables/seededRandom.js';
import { NUM_CLASSES } from '../data/tables/labels.js';
import { manualSeed, setNumThreads } from '../tensor/runtime.js';
import { tidy } from '../tensor/scope.js';
import { writeFileAtomic } from '../io/text/writeFileAtomic.js';
import { LrRangeTest, suggestLr, lrHistoryCsv, LR_FINDER_DIVERGED, type LrStepMode, type LrSuggestion, type LrHistory } from './lrSchedule.js';
import { writeLrFinderPlot } from './plotCurves.js';
import { loadDataset, planWeights } from '../run/prepareData.js';
import { resolveDevice } from '../run/resolveDevice.js';
import { resolvePrecision, createGradScaler, forwardFp32, describePrecision } from '../run/precision.js';
import { RunFolder } from '../run/runFolder.js';
import { RunLog } from '../run/RunLog.js';
import { createCriterion } from '../nn/losses.js';
import { buildModel, createOptimizer } from '../run/buildModel.js';
import { batchTensors } from '../run/batchTensors.js';
import { Progress } from '../io/text/progress.js';
import { mkdirSync } from 'node:fs';
import { inputNormFor } from '../models/inputNorm.js';

export interface LrFindOptions {
  endLr?: number;
  iterations?: number;
  stepMode?: LrStepMode;
  quiet?: boolean;
}

export async function lrFind(config: HpaicConfig, opts: LrFindOptions = {}): Promise<{ history: LrHistory; suggestion: LrSuggestion | null; csv: string; plot: string | null }> {
  if (config.threads) setNumThreads(config.threads);
  const device = resolveDevice(config.device);
  const precision = resolvePrecision(config.precision, device);
  const run = RunFolder.of(config);
  mkdirSync(run.root, { recursive: true });
  const log = new RunLog(run.log, opts.quiet ?? process.env.HPAIC_QUIET === '1');
  const data = await loadDataset(config, 'train');
  const plan = planWeights(config, data.labels);
  manualSeed(config.seed);
  const model = await buildModel(config);
  if (device !== 'cpu') model.to(device);
  if (config.channels_last) model.channelsLast();
  const optimizer = createOptimizer(config, model);
  const scaler = createGradScaler(precision);
  log.file(`hpaic lr-find: ${config.name} on ${device}, ${describePrecision(precision)}`);
  const criterion = createCriterion(config.criterion.name, plan.criterionClassWeights, device);
  const test = new LrRangeTest({ startLr: config.optim.lr, endLr: opts.endLr ?? 10, numIter: opts.iterations ?? 100, stepMode: opts.stepMode ?? 'exp' });
  const size = { height: config.img_h, width: config.img_w };
  const loader = new DataLoader({
    store: data.store, rows: data.rows, names: data.ids, targets: data.labels, filter: config.dataset.filters,
    transform: config.aug ? { kind: 'train', ...size } : { kind: 'plain', ...size }, batchSize: config.dataloader.batch_size, workers: config.dataloader.workers, seed: config.seed,
  });
  const perSample = plan.samplerClassWeights ? sampleWeights(data.labels, NUM_CLASSES, plan.samplerClassWeights, config.sampler.mode as SampleWeightMode) : null;
  const progress = new Progress({ total: test.numIter, label: 'lr range test', unit: 'batch', quiet: opts.quiet });
  model.train();
  const inputNorm = inputNormFor(config);
  try {
    for (let pass = 0; !test.done; pass++) {
      const order = perSample ? new WeightedSampler(perSample, { seed: hashSeed(config.seed, 0, pass, 1) }).sample() : shuffledOrder(data.ids.length, seededRandom(config.seed, 0, pass, 2));
      for await (const batch of loader.batches(order, { epoch: pass })) {
        optimizer.setLr(test.currentLr);
        const loss = tidy(() => {
          const { x, y } = batchTensors(batch, device, config.channels_last, inputNorm);
          optimizer.zeroGrad();
          const l = criterion(forwardFp32(precision, () => model.forward(x)), y);
          scaler.scale(l).backward();
          scaler.step(optimizer);
          scaler.update();
          return l.item();
        });
        const r = test.record(loss);
        progress.tick(1, `lr ${r.lr.toExponential(2)} loss ${r.loss.toFixed(4)}`);
        if (r.diverged) log.info(LR_FINDER_DIVERGED);
        if (test.done) break;
      }
    }
  } finally {
    progress.finish();
    await loader.close();
    optimizer.dispose();
    criterion.dispose();
    model.dispose();
  }
  const suggestion = suggestLr(test.history);
  writeFileAtomic(run.lrFinderCsv, lrHistoryCsv(test.history));
  let plot: string | null = null;
  if (config.plots !== 'none') {
    plot = run.lrFinderPlot(config.plots);
    await writeLrFinderPlot(test.history, plot, { suggestion, title: `${config.name}: LR range test` });
  }
  log.info(`Learning rate search finished: ${run.lrFinderCsv}${plot ? `, ${plot}` : ''}`);
  log.info(suggestion ? `Suggested lr (steepest descent of the smoothed loss): ${suggestion.lr.toExponential(3)}` : 'Too few points for a suggestion.');
  return { history: test.history, suggestion, csv: run.lrFinderCsv, plot };
}
