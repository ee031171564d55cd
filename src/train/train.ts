/**
 * `hpaic train`: the seed's train.py (seed-spec §2.1, §9) on the engine. For each fold of the split: a fresh
 * copy of the initial model and optimizer, then per epoch a training pass (weighted sampler or shuffle) and a
 * validation pass, early stopping → LR-on-plateau → checkpoint on validation macro F1.
 *
 * Files per fold (`<checkpoint_dir>/<name>/fold_<k>/`): `model.pth` (best weights, PyTorch state dict),
 * `summary.json` (the seed's), `history.json` (every epoch), `last.pth` (full state after the last epoch),
 * `val_probabilities.csv` (the best model's validation probabilities), `tb/` (TensorBoard events, foldTensorBoard.ts),
 * `curves.png`. Every file is written atomically, so a kill at any moment leaves a resumable run: rerunning the
 * command skips finished folds and continues the current one from its last finished epoch. Each random stream
 * (dropout, sampler, augmentation, shuffling) is seeded from (seed, fold, epoch), so a resumed run equals an
 * uninterrupted one.
 */
import { memoryPhase } from '../run/memoryTrace.js';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { withFsErrors } from '../io/fs/fsError.js';
import { removeStaleTemporaries } from '../io/text/writeChunksAtomic.js';
import type { HpaicConfig } from '../config/schema.js';
import { manualSeed } from '../tensor/runtime.js';
import { tensor } from '../tensor/creation.js';
import { liveTensors } from '../tensor/scope.js';
import { DataLoader, shuffledOrder } from '../data/loader/DataLoader.js';
import { WeightedSampler, sampleWeights, type SampleWeightMode } from '../data/tables/sampler.js';
import { hashSeed, seededRandom } from '../data/tables/seededRandom.js';
import { NUM_CLASSES } from '../data/tables/labels.js';
import { formatMetricList, type Metric } from '../metrics/f1.js';
import { loadWeights, saveWeights, modelStateRecords, loadStateRecords } from '../models/weights.js';
import type { StateDict } from '../io/weights/StoredTensor.js';
import { EarlyStopping, improvesOn } from '../optim/EarlyStopping.js';
import { ReduceLROnPlateau } from '../optim/ReduceLROnPlateau.js';
import { epochLr } from '../optim/epochLr.js';
import { averageWeightFiles, epochWeightsPath, removeEpochWeights } from './averageWeights.js';
import { configChanges } from '../config/configChanges.js';
import { buildModel, createOptimizer } from '../run/buildModel.js';
import { RunFolder, saveResolvedConfig, type FoldPaths } from '../run/runFolder.js';
import { readHistory, writeHistory, writeSummary, summaryFromHistory, metricValue, type TrainingHistory, type EpochRecord } from './summary.js';
import { foldProgress } from './foldProgress.js';
import { writeCurves } from './plotCurves.js';
import { loadTrainingState, saveTrainingState } from './trainingState.js';
import { createCriterion, type Criterion } from '../nn/losses.js';
import type { Module } from '../nn/Module.js';
import { inputNormFor, type InputNorm } from '../models/inputNorm.js';
import { runEpoch } from './runEpoch.js';
import { FoldTensorBoard } from './foldTensorBoard.js';
import { batchFigure } from './batchFigure.js';
import { writeProbabilityFile } from '../run/probabilityFile.js';
import { loadDataset, makeSplits, planWeights, labelsAt } from '../run/prepareData.js';
import { resolvePrecision, createGradScaler, describePrecision, type Precision } from '../run/precision.js';
import { RunLog } from '../run/RunLog.js';
import { CheckpointError, ConfigError, DistributedError } from '../errors.js';
import { joinWorld, type World } from '../run/world.js';
import { DataParallel } from './dataParallel.js';
import { convertSyncBatchNorm } from './syncBatchNorm.js';
import { sumOverRanks, gatherValidation } from './rankResults.js';
import { trainingShard, evaluationShard } from '../dist/shard.js';

export interface TrainOptions {
  quiet?: boolean;
  /** Stop after this many epochs of this invocation (tests use it to simulate an interruption). */
  maxEpochsThisRun?: number;
}

export interface FoldScores {
  fold: number;
  bestEpoch: number;
  train: Metric[];
  val: Metric[];
}

export interface TrainResult {
  runDir: string;
  folds: FoldScores[];
  /** Mean over the folds of the best epoch's metrics (the seed's "K-fold average" lines). */
  averageTrain: Metric[];
  averageVal: Metric[];
}

function meanMetrics(lists: Metric[][]): Metric[] {
  if (lists.length === 0) return [];
  return lists[0].map(([name], i) => [name, lists.reduce((s, l) => s + l[i][1], 0) / lists.length] as Metric);
}

/** What differs between the config saved in a run folder and this one (an unreadable file counts as a change). */
function changesSince(savedConfig: string, config: HpaicConfig): string[] {
  try {
    return configChanges(JSON.parse(readFileSync(savedConfig, 'utf8')), config);
  } catch (e) {
    return [`${savedConfig} unreadable: ${(e as Error).message}`];
  }
}

/** Train every fold of a config (see the module comment). */
export async function train(config: HpaicConfig, opts: TrainOptions = {}): Promise<TrainResult> {
  const world = joinWorld(config);
  try {
    const result = await trainAs(world, config, opts);
    // Nobody leaves (rank 0 takes the store with it) before everybody is done.
    world.pg?.barrier('the final barrier');
    return result;
  } catch (err) {
    // Tell the other ranks why this one stops (their collectives then fail naming it), unless they already know.
    if (world.pg && !(err instanceof DistributedError)) world.pg.reportFailure(String((err as Error).message ?? err).split('\n')[0]);
    throw err;
  } finally {
    world.pg?.destroy();
  }
}

async function trainAs(world: World, config: HpaicConfig, opts: TrainOptions): Promise<TrainResult> {
  const quiet = (opts.quiet ?? process.env.HPAIC_QUIET === '1') || (world.mode === 'ddp' && world.rank !== 0);
  const device = world.device;
  const precision = resolvePrecision(config.precision, device);
  const run = RunFolder.of(config);
  // The seed keeps the finished folds of a run folder whatever the config says; say so when the config changed.
  const changes = world.rank === 0 && existsSync(run.resolvedConfig) && run.folds().length > 0 ? changesSince(run.resolvedConfig, config) : [];
  // The data is checked before the run folder exists, so a run that cannot start leaves nothing behind.
  const data = await loadDataset(config, 'train');
  const splits = makeSplits(config, data.labels);
  checkBatchFits(config, splits, world.mode === 'ddp' ? world.size : 1);
  const plan = planWeights(config, data.labels);
  const created = !existsSync(run.root);
  if (world.rank === 0) withFsErrors(run.root, 'create the run folder', () => mkdirSync(run.root, { recursive: true }));
  try {
    return await trainIn(run, config, { data, splits, plan, changes, device, precision, quiet, opts, world });
  } catch (err) {
    if (created && world.rank === 0) removeIfNothingKept(run);
    throw err;
  }
}

/**
 * drop_last skips a fold's last partial batch; with a batch larger than the fold's training set no step would run
 * and the untrained model would be saved as the best one. The seed ran (and saved) anyway; hpaic refuses.
 * @throws ConfigError naming dataloader.batch_size, the fold and its size
 */
export function checkBatchFits(config: HpaicConfig, splits: readonly { train: ArrayLike<number> }[], ranks = 1): void {
  const global = config.dataloader.batch_size * ranks;
  const per = ranks > 1 ? ` × ${ranks} data-parallel ranks` : '';
  splits.forEach((s, f) => {
    if (s.train.length < global) {
      throw new ConfigError(
        `dataloader.batch_size is ${config.dataloader.batch_size}${per} but fold ${f + 1} trains on ${s.train.length} samples: the last partial batch is dropped, so no training step would run`,
        { hint: `use --set dataloader.batch_size=${Math.max(1, Math.floor(s.train.length / ranks))} or less, or more data` },
      );
    }
  });
}

/** A run folder this invocation created and that holds no fold checkpoint is removed when the run fails. */
function removeIfNothingKept(run: RunFolder): void {
  const kept = existsSync(run.root) && readdirSync(run.root).some((n) => /^fold_\d+$/.test(n) && readdirSync(join(run.root, n)).some((f) => f === 'model.pth' || f === 'last.pth'));
  if (!kept) rmSync(run.root, { recursive: true, force: true });
}

interface Prepared {
  data: Awaited<ReturnType<typeof loadDataset>>;
  splits: ReturnType<typeof makeSplits>;
  plan: ReturnType<typeof planWeights>;
  changes: string[];
  device: string;
  precision: Precision;
  quiet: boolean;
  opts: TrainOptions;
  world: World;
}

async function trainIn(run: RunFolder, config: HpaicConfig, p: Prepared): Promise<TrainResult> {
  const { data, splits, plan, changes, device, precision, quiet, opts, world } = p;
  if (world.rank === 0) {
    removeStaleTemporaries(run.root);
    saveResolvedConfig(run.root, config);
  }
  // The others start once rank 0 has set the run folder up (they read it when resuming).
  world.pg?.barrier('the barrier after rank 0 set up the run folder');
  const log = new RunLog(world.rank === 0 ? run.log : join(run.root, `train.rank${world.rank}.log`), quiet);
  const where = world.pg ? ` as rank ${world.rank} of ${world.size} (${world.mode}, ${world.pg.backend}, ${world.rendezvous.launcher})` : '';
  log.info(`hpaic train: run ${config.name} in ${run.root} on ${device}${where}, ${describePrecision(precision)}`);
  if (changes.length) {
    log.warn(`${run.root} holds folds trained with another config (${changes.join(', ')}): finished folds are kept and unfinished ones resume with the new values; use another name to train afresh`);
  }
  log.info(`Training set size: ${data.ids.length} (${splits.length} fold${splits.length > 1 ? 's' : ''}; validation ${splits.map((s) => s.test.length).join('/')})`);
  if (plan.samplerClassWeights) log.file(`Sampler class weights: ${Array.from(plan.samplerClassWeights, (w) => w.toFixed(4)).join(' ')}`);
  if (plan.criterionClassWeights) log.file(`Criterion class weights: ${Array.from(plan.criterionClassWeights, (w) => w.toFixed(4)).join(' ')}`);

  // Initial weights, shared by every fold (the seed deep-copies the initial model per fold).
  manualSeed(config.seed);
  const initialModel = await buildModel(config, (line) => log.info(line));
  const initialWeights: StateDict = modelStateRecords(initialModel);
  initialModel.dispose();
  memoryPhase('model built');

  const sourceFolds = config.load.path ? new RunFolder(config.load.path).folds() : [];
  if (config.load.path) {
    if (sourceFolds.length === 0) throw new CheckpointError(`load.path: fold checkpoints not found in ${config.load.path} (expected fold_1/model.pth, ...)`);
    if (config.load.weights_only && sourceFolds.length < splits.length) {
      // The seed's quirk 12 (misaligned trainers overwriting fold_1) becomes an error.
      throw new ConfigError(`load.path: ${config.load.path} has ${sourceFolds.length} fold checkpoint(s) but this run has ${splits.length} folds; weights_only loading needs one source fold per fold`);
    }
    if (!config.load.weights_only) {
      for (const f of sourceFolds) {
        const dst = run.fold(f.fold);
        if (f.dir === dst.dir) continue;
        mkdirSync(dst.dir, { recursive: true });
        for (const file of ['model.pth', 'last.pth', 'summary.json', 'history.json']) {
          const src = `${f.dir}/${file}`;
          if (existsSync(src) && !existsSync(`${dst.dir}/${file}`)) copyFileSync(src, `${dst.dir}/${file}`);
        }
      }
    }
  }

  const common = { store: data.store, rows: data.rows, names: data.ids, targets: data.labels, filter: config.dataset.filters, batchSize: config.dataloader.batch_size, workers: config.dataloader.workers, seed: config.seed };
  const size = { height: config.img_h, width: config.img_w };
  // crop_size (bestfitting): train on random crops of the img_h × img_w image, validate on the whole image.
  const crop = config.crop_size === null ? undefined : { height: config.crop_size, width: config.crop_size };
  const trainLoader = new DataLoader({ ...common, transform: config.aug ? { kind: 'train', ...size, ...(crop ? { crop } : {}) } : { kind: 'plain', ...size }, dropLast: true });
  const valLoader = new DataLoader({ ...common, transform: { kind: 'plain', ...size }, dropLast: false, workers: Math.min(1, config.dataloader.workers) });

  const folds: FoldScores[] = [];
  let epochsThisRun = 0;
  let stoppedEarly = false;
  try {
    for (let f = 0; f < splits.length; f++) {
      const k = f + 1;
      // Fold-parallel: fold k runs on rank (k − 1) mod W; the others' results are read from their files at the end.
      if (world.mode === 'folds' && f % world.size !== world.rank) continue;
      const paths = run.fold(k);
      log.info(`Fold ${k}/${splits.length}`);
      const history: TrainingHistory = existsSync(paths.history) ? readHistory(paths.history) : { fold: k, epochs: [] };
      const progress = foldProgress(history, config);
      if (progress.finished && existsSync(paths.model)) {
        log.info('Fold already trained!');
        folds.push(scoresOf(k, history, progress.bestEpoch));
        continue;
      }
      const remaining = opts.maxEpochsThisRun === undefined ? Infinity : opts.maxEpochsThisRun - epochsThisRun;
      const result = await trainFold({ config, k, paths, split: splits[f], data, plan, initialWeights, sourceFold: config.load.weights_only ? sourceFolds[f] : undefined, trainLoader, valLoader, device, precision, log, quiet, maxEpochs: remaining, world });
      epochsThisRun += result.epochsRun;
      if (!result.finished) {
        log.info(`Stopped after ${epochsThisRun} epoch(s) in this run; rerun the same command to resume.`);
        stoppedEarly = true;
        break;
      }
      folds.push(result.scores);
    }
  } finally {
    await trainLoader.close();
    await valLoader.close();
  }
  if (stoppedEarly && world.mode !== 'folds') return { runDir: run.root, folds, averageTrain: [], averageVal: [] };
  if (world.mode === 'folds') {
    // Every rank waits for the others' folds (by their heartbeats, not a timeout: a fold may take hours), then reads
    // every fold's result from the run folder, so the run ends as one process's would.
    world.pg!.waitForAll('folds_done', `training folds ${splits.map((_, f) => f + 1).filter((k) => (k - 1) % world.size === world.rank).join(', ')}`);
    folds.length = 0;
    for (let f = 0; f < splits.length; f++) {
      const paths = run.fold(f + 1);
      if (!existsSync(paths.history)) return { runDir: run.root, folds: [], averageTrain: [], averageVal: [] };
      const history = readHistory(paths.history);
      const progress = foldProgress(history, config);
      if (!progress.finished) return { runDir: run.root, folds: [], averageTrain: [], averageVal: [] };
      folds.push(scoresOf(f + 1, history, progress.bestEpoch));
    }
  }
  const averageTrain = meanMetrics(folds.map((s) => s.train));
  const averageVal = meanMetrics(folds.map((s) => s.val));
  if (folds.length > 1) {
    log.info(`K-fold average training metrics: ${formatMetricList(averageTrain)}`);
    log.info(`K-fold average validation CV metrics: ${formatMetricList(averageVal)}`);
  }
  log.info(`Done: best validation macro F1 per fold ${folds.map((s) => metricValue(s.val, 'f1_macro').toFixed(4)).join(', ')}`);
  return { runDir: run.root, folds, averageTrain, averageVal };
}

/** Every rank must resume from the same epoch: they read the same last.pth only if checkpoint_dir is shared. */
function checkSameStart(pg: DataParallel['pg'], start: number, device: string, last: string): void {
  const t = tensor([start, -start], [2], { dtype: 'float64', device });
  try {
    pg.allreduce(t, 'max', 'the check that every rank resumes from the same epoch');
    const [hi, negLo] = t.toArray();
    if (hi !== start || -negLo !== start) {
      throw new DistributedError(`rank ${pg.rank} would start at epoch ${start} but another rank at epoch ${start === hi ? -negLo : hi}: every rank must see the same ${last} (put checkpoint_dir on a file system all nodes share)`);
    }
  } finally {
    t.dispose();
  }
}

function scoresOf(k: number, history: TrainingHistory, bestEpoch: number): FoldScores {
  const e = history.epochs.find((r) => r.epoch === bestEpoch) ?? history.epochs[history.epochs.length - 1];
  return { fold: k, bestEpoch, train: e?.train.metrics ?? [], val: e?.val.metrics ?? [] };
}

interface FoldJob {
  config: HpaicConfig;
  k: number;
  paths: FoldPaths;
  split: { train: Int32Array; test: Int32Array };
  data: Awaited<ReturnType<typeof loadDataset>>;
  plan: ReturnType<typeof planWeights>;
  initialWeights: StateDict;
  sourceFold?: FoldPaths;
  trainLoader: DataLoader;
  valLoader: DataLoader;
  device: string;
  precision: Precision;
  log: RunLog;
  quiet: boolean;
  maxEpochs: number;
  world: World;
}

/**
 * `average_last` K: the fold's model.pth becomes the average of the weights after its last K epochs (or as many as
 * it ran), evaluated once on the validation split, whose probabilities replace val_probabilities.csv.
 */
async function useAveragedWeights(j: FoldJob, model: Module, criterion: Criterion, inputNorm: InputNorm | null, history: TrainingHistory, valIds: string[]): Promise<void> {
  const { config, paths, split, log } = j;
  const last = history.epochs.at(-1)?.epoch ?? 0;
  const epochs = Array.from({ length: config.average_last }, (_, i) => last - config.average_last + 1 + i).filter((e) => e >= 1 && existsSync(epochWeightsPath(paths.dir, e)));
  if (epochs.length === 0) return;
  const records = averageWeightFiles(epochs.map((e) => epochWeightsPath(paths.dir, e)));
  loadStateRecords(model, records);
  const valRes = await runEpoch({ model, loader: j.valLoader, order: split.test, datasetLength: split.test.length, criterion, device: j.device, channelsLast: config.channels_last, inputNorm, precision: j.precision, epoch: last, label: `fold ${j.k} averaged val`, quiet: j.quiet, collectProbabilities: true });
  await saveWeights(model, paths.model);
  writeProbabilityFile(paths.valProbabilities, valIds, valRes.probabilities!);
  const best = Math.max(...history.epochs.map((e) => metricValue(e.val.metrics, 'f1_macro')));
  log.info(`Averaged the weights of epochs ${epochs[0]}-${epochs.at(-1)} (${epochs.length}): val f1 ${metricValue(valRes.metrics, 'f1_macro').toFixed(4)} (best single epoch ${best.toFixed(4)}); saved as ${paths.model}`);
  removeEpochWeights(paths.dir, 1, last);
}

async function trainFold(j: FoldJob): Promise<{ finished: boolean; epochsRun: number; scores: FoldScores }> {
  const { config, k, paths, split, log } = j;
  if (j.world.mode !== 'ddp' || j.world.rank === 0) {
    mkdirSync(paths.dir, { recursive: true });
    removeStaleTemporaries(paths.dir);
  }
  const model = await buildModel({ ...config, model: { ...config.model, pretrained: null } });
  loadStateRecords(model, j.initialWeights);
  if (j.sourceFold) {
    // weights_only (the seed's 224 → 512 fine-tuning): fold k starts from the source run's fold k best weights.
    await loadWeights(model, j.sourceFold.model);
    if (j.sourceFold.model !== paths.model && !existsSync(paths.last)) copyFileSync(j.sourceFold.model, paths.model);
    log.info(`Weights only: fold ${k} initialised from ${j.sourceFold.model}`);
  }
  if (j.device !== 'cpu') model.to(j.device);
  if (config.channels_last) model.channelsLast();
  const ddp = j.world.mode === 'ddp' && j.world.pg ? new DataParallel(j.world.pg, model) : null;
  if (ddp && config.dist.sync_bn) log.file(`SyncBatchNorm: ${convertSyncBatchNorm(model, ddp.pg)} BatchNorm layers take their statistics over ${j.world.size} ranks`);
  // Rank 0 alone writes the fold's files in data-parallel mode (every rank holds the same weights).
  const writes = !ddp || j.world.rank === 0;
  const optimizer = createOptimizer(config, model);
  const scheduler = new ReduceLROnPlateau(optimizer, { mode: 'max', factor: config.lr_factor, patience: config.lr_patience, minLr: config.min_lr, threshold: 1e-4, verbose: (m) => log.info(m) });
  const earlyStop = new EarlyStopping({ patience: config.stop_patience, mode: 'max', threshold: 1e-4 });
  const criterion = createCriterion(config.criterion.name, j.plan.criterionClassWeights, j.device);
  const scaler = createGradScaler(j.precision);
  const inputNorm = inputNormFor(config);
  let checkpointBest = -Infinity;
  let history: TrainingHistory = { fold: k, epochs: [] };
  let start = 1;
  let tbResume: { file: string; bytes: number } | undefined;
  if (existsSync(paths.last)) {
    const restored = loadTrainingState(paths.last, { model, optimizer, scheduler, earlyStop, scaler });
    start = restored.epoch + 1;
    tbResume = restored.tensorboard;
    checkpointBest = restored.checkpointBest;
    if (existsSync(paths.history)) history = readHistory(paths.history);
    history.epochs = history.epochs.filter((e) => e.epoch <= restored.epoch);
    log.info(`Fold partially trained. Resuming training at epoch ${start}...`);
  } else if (existsSync(paths.history) && !j.sourceFold && writes) {
    rmSync(paths.history); // a history without a state to resume from is stale
  }
  // A fold that starts afresh drops the events of an attempt that never finished an epoch.
  if (!existsSync(paths.last) && writes) rmSync(paths.tensorboard, { recursive: true, force: true });
  const tb = writes ? FoldTensorBoard.open(paths.tensorboard, tbResume) : null;
  // Every rank starts from rank 0's weights and buffers (DDP's constructor); the others have read the same last.pth.
  ddp?.broadcastState();
  if (ddp) checkSameStart(ddp.pg, start, j.device, paths.last);
  const valIds = Array.from(split.test, (i) => j.data.ids[i]);

  const trainLabels = labelsAt(j.data.labels, split.train);
  const perSample = j.plan.samplerClassWeights ? sampleWeights(trainLabels, NUM_CLASSES, j.plan.samplerClassWeights, config.sampler.mode as SampleWeightMode) : null;
  let epochsRun = 0;
  let finished = earlyStop.stop || start > config.epochs;
  try {
    for (let epoch = start; epoch <= config.epochs && !finished; epoch++) {
      if (epochsRun >= j.maxEpochs) break;
      const t0 = Date.now();
      const scheduled = epochLr(epoch, {
        schedule: config.lr_schedule, epochs: config.epochs, baseLr: config.optim.lr, minLr: config.min_lr,
        milestones: config.lr_milestones, factors: config.lr_factors, warmupEpochs: config.warmup_epochs, warmupFactor: config.warmup_factor,
      });
      if (scheduled !== null) optimizer.setLr(scheduled);
      const lr = optimizer.getLr();
      // Dropout differs between ranks as between the samples of one batch; rank 0 draws as one process does.
      manualSeed(j.world.rank === 0 || !ddp ? hashSeed(config.seed, k, epoch) : hashSeed(config.seed, k, epoch, 3, j.world.rank));
      const local = perSample
        ? new WeightedSampler(perSample, { seed: hashSeed(config.seed, k, epoch, 1) }).sample()
        : shuffledOrder(split.train.length, seededRandom(config.seed, k, epoch, 2));
      const drawn = Int32Array.from(local, (i) => split.train[i]);
      // Data-parallel: every rank made the same draw and takes every W-th sample of it (DistributedSampler).
      const shard = ddp ? trainingShard(drawn, j.world.rank, j.world.size, config.dataloader.batch_size) : { order: drawn, positions: undefined };
      const order = shard.order;
      const tag = `fold ${k} epoch ${epoch}/${config.epochs}`;
      const stepsPerEpoch = j.trainLoader.numBatches(order.length);
      let firstBatch: { images: Float32Array; shape: [number, number, number, number] } | undefined;
      const onBatch = (batch: { images: Float32Array; shape: [number, number, number, number] }, index: number, loss: number): void => {
        tb?.step((epoch - 1) * stepsPerEpoch + index + 1, loss);
        if (epoch === 1 && index === 0) firstBatch = { images: batch.images.slice(), shape: [...batch.shape] };
      };
      const hooks = ddp ? { positions: shard.positions, beforeForward: () => ddp.broadcastBuffers(), afterBackward: () => ddp.averageGradients() } : {};
      memoryPhase(`fold ${j.k} epoch ${epoch} start`);
      let trainRes = await runEpoch({ model, loader: j.trainLoader, order, datasetLength: split.train.length, criterion, device: j.device, channelsLast: config.channels_last, inputNorm, precision: j.precision, optimizer, scaler, accumulate: config.grad_accumulation, epoch, label: `${tag} train`, quiet: j.quiet, onBatch, ...hooks });
      if (ddp) trainRes = sumOverRanks(ddp.pg, trainRes, j.device);
      if (firstBatch) tb?.batch(1, await batchFigure(firstBatch.images, firstBatch.shape));
      // Data-parallel validation: each rank evaluates every W-th sample; the probabilities are gathered in order, so
      // every rank computes the same metrics and takes the same stopping, plateau and checkpoint decisions.
      const valShard = ddp ? evaluationShard(split.test, j.world.rank, j.world.size) : { order: split.test, positions: undefined };
      memoryPhase(`fold ${j.k} epoch ${epoch} train`);
      let valRes = await runEpoch({ model, loader: j.valLoader, order: valShard.order, positions: valShard.positions, datasetLength: split.test.length, criterion, device: j.device, channelsLast: config.channels_last, inputNorm, precision: j.precision, epoch, label: `${tag} val  `, quiet: j.quiet, collectProbabilities: true });
      memoryPhase(`fold ${j.k} epoch ${epoch} validation`);
      if (ddp) valRes = gatherValidation(ddp.pg, valRes, labelsAt(j.data.labels, split.test), split.test.length, j.device);
      const v = metricValue(valRes.metrics, 'f1_macro');
      finished = earlyStop.step(v);
      if (config.lr_schedule === 'plateau') scheduler.step(v);
      const improved = improvesOn(v, checkpointBest, 'max', 1e-4);
      const record: EpochRecord = { epoch, train: { loss: trainRes.loss, metrics: trainRes.metrics }, val: { loss: valRes.loss, metrics: valRes.metrics }, lr, seconds: (Date.now() - t0) / 1000, improved, precision: j.precision.name };
      if (j.precision.lossScaling) record.skippedSteps = trainRes.skippedSteps;
      history.epochs.push(record);
      if (improved) checkpointBest = v;
      if (writes) {
        tb!.epoch(record, valRes.probabilities);
        if (improved) {
          await saveWeights(model, paths.model);
          writeProbabilityFile(paths.valProbabilities, valIds, valRes.probabilities!);
          writeSummary(paths.summary, summaryFromHistory(history, epoch));
        }
        writeHistory(paths.history, history);
        if (config.average_last > 0) {
          // Written before last.pth: a fold resumed after this epoch finds the file it will average.
          await saveWeights(model, epochWeightsPath(paths.dir, epoch));
          removeEpochWeights(paths.dir, epoch - config.average_last - 1, epoch - config.average_last);
        }
        saveTrainingState(paths.last, { epoch, model, optimizer, scheduler, earlyStop, scaler, checkpointBest, tensorboard: tb!.position });
        if (config.plots !== 'none') await writeCurves(history, paths.curves(config.plots), { title: `${config.name} fold ${k}` });
      }
      log.info(
        `Epoch ${epoch}/${config.epochs}  train loss ${trainRes.loss.toFixed(4)} f1 ${metricValue(trainRes.metrics, 'f1_macro').toFixed(4)} | ` +
          `val loss ${valRes.loss.toFixed(4)} f1 ${v.toFixed(4)} | lr ${lr.toExponential(2)} | ${record.seconds.toFixed(1)} s${improved ? ' | saved' : ''}`,
      );
      log.file(`Training metrics: ${formatMetricList(trainRes.metrics)}`);
      log.file(`Validation metrics: ${formatMetricList(valRes.metrics)}`);
      log.file(`live tensors: ${liveTensors()}`);
      if (j.precision.lossScaling) log.file(`loss scale ${scaler.getScale()}, ${trainRes.skippedSteps} step(s) skipped for inf/NaN gradients`);
      if (finished) log.info(`Epoch ${epoch}: early stopping`);
      epochsRun++;
    }
    if (!finished) finished = (history.epochs.at(-1)?.epoch ?? 0) >= config.epochs;
    // Data-parallel: rank 0 alone kept the per-epoch weights, so it alone averages them (the others hold the same model).
    if (finished && config.average_last > 0 && writes) await useAveragedWeights(j, model, criterion, inputNorm, history, valIds);
  } finally {
    tb?.close();
    optimizer.dispose();
    criterion.dispose();
    model.dispose();
  }
  const best = foldProgress(history, config).bestEpoch;
  return { finished, epochsRun, scores: scoresOf(k, history, best) };
}
