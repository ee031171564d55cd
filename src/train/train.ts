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
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { withFsErrors } from '../io/fs/fsError.js';
import { removeStaleTemporaries } from '../io/text/writeChunksAtomic.js';
import type { HpaicConfig } from '../config/schema.js';
import { manualSeed, setNumThreads } from '../tensor/runtime.js';
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
import { resolveDevice } from '../run/resolveDevice.js';
import { resolvePrecision, createGradScaler, describePrecision, type Precision } from '../run/precision.js';
import { RunLog } from '../run/RunLog.js';
import { CheckpointError, ConfigError } from '../errors.js';

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
  const quiet = opts.quiet ?? process.env.HPAIC_QUIET === '1';
  if (config.threads) setNumThreads(config.threads);
  const device = resolveDevice(config.device);
  const precision = resolvePrecision(config.precision, device);
  const run = RunFolder.of(config);
  // The seed keeps the finished folds of a run folder whatever the config says; say so when the config changed.
  const changes = existsSync(run.resolvedConfig) && run.folds().length > 0 ? changesSince(run.resolvedConfig, config) : [];
  // The data is checked before the run folder exists, so a run that cannot start leaves nothing behind.
  const data = await loadDataset(config, 'train');
  const splits = makeSplits(config, data.labels);
  checkBatchFits(config, splits);
  const plan = planWeights(config, data.labels);
  const created = !existsSync(run.root);
  withFsErrors(run.root, 'create the run folder', () => mkdirSync(run.root, { recursive: true }));
  try {
    return await trainIn(run, config, { data, splits, plan, changes, device, precision, quiet, opts });
  } catch (err) {
    if (created) removeIfNothingKept(run);
    throw err;
  }
}

/**
 * drop_last skips a fold's last partial batch; with a batch larger than the fold's training set no step would run
 * and the untrained model would be saved as the best one. The seed ran (and saved) anyway; hpaic refuses.
 * @throws ConfigError naming dataloader.batch_size, the fold and its size
 */
export function checkBatchFits(config: HpaicConfig, splits: readonly { train: ArrayLike<number> }[]): void {
  splits.forEach((s, f) => {
    if (s.train.length < config.dataloader.batch_size) {
      throw new ConfigError(
        `dataloader.batch_size is ${config.dataloader.batch_size} but fold ${f + 1} trains on ${s.train.length} samples: the last partial batch is dropped, so no training step would run`,
        { hint: `use --set dataloader.batch_size=${Math.max(1, s.train.length)} or less, or more data` },
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
}

async function trainIn(run: RunFolder, config: HpaicConfig, p: Prepared): Promise<TrainResult> {
  const { data, splits, plan, changes, device, precision, quiet, opts } = p;
  removeStaleTemporaries(run.root);
  saveResolvedConfig(run.root, config);
  const log = new RunLog(run.log, quiet);
  log.info(`hpaic train: run ${config.name} in ${run.root} on ${device}, ${describePrecision(precision)}`);
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
  try {
    for (let f = 0; f < splits.length; f++) {
      const k = f + 1;
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
      const result = await trainFold({ config, k, paths, split: splits[f], data, plan, initialWeights, sourceFold: config.load.weights_only ? sourceFolds[f] : undefined, trainLoader, valLoader, device, precision, log, quiet, maxEpochs: remaining });
      epochsThisRun += result.epochsRun;
      if (!result.finished) {
        log.info(`Stopped after ${epochsThisRun} epoch(s) in this run; rerun the same command to resume.`);
        return { runDir: run.root, folds, averageTrain: [], averageVal: [] };
      }
      folds.push(result.scores);
    }
  } finally {
    await trainLoader.close();
    await valLoader.close();
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
  mkdirSync(paths.dir, { recursive: true });
  removeStaleTemporaries(paths.dir);
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
  } else if (existsSync(paths.history) && !j.sourceFold) {
    rmSync(paths.history); // a history without a state to resume from is stale
  }
  // A fold that starts afresh drops the events of an attempt that never finished an epoch.
  if (!existsSync(paths.last)) rmSync(paths.tensorboard, { recursive: true, force: true });
  const tb = FoldTensorBoard.open(paths.tensorboard, tbResume);
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
      manualSeed(hashSeed(config.seed, k, epoch));
      const local = perSample
        ? new WeightedSampler(perSample, { seed: hashSeed(config.seed, k, epoch, 1) }).sample()
        : shuffledOrder(split.train.length, seededRandom(config.seed, k, epoch, 2));
      const order = Int32Array.from(local, (i) => split.train[i]);
      const tag = `fold ${k} epoch ${epoch}/${config.epochs}`;
      const stepsPerEpoch = j.trainLoader.numBatches(order.length);
      let firstBatch: { images: Float32Array; shape: [number, number, number, number] } | undefined;
      const onBatch = (batch: { images: Float32Array; shape: [number, number, number, number] }, index: number, loss: number): void => {
        tb.step((epoch - 1) * stepsPerEpoch + index + 1, loss);
        if (epoch === 1 && index === 0) firstBatch = { images: batch.images.slice(), shape: [...batch.shape] };
      };
      const trainRes = await runEpoch({ model, loader: j.trainLoader, order, datasetLength: split.train.length, criterion, device: j.device, channelsLast: config.channels_last, inputNorm, precision: j.precision, optimizer, scaler, accumulate: config.grad_accumulation, epoch, label: `${tag} train`, quiet: j.quiet, onBatch });
      if (firstBatch) tb.batch(1, await batchFigure(firstBatch.images, firstBatch.shape));
      const valRes = await runEpoch({ model, loader: j.valLoader, order: split.test, datasetLength: split.test.length, criterion, device: j.device, channelsLast: config.channels_last, inputNorm, precision: j.precision, epoch, label: `${tag} val  `, quiet: j.quiet, collectProbabilities: true });
      const v = metricValue(valRes.metrics, 'f1_macro');
      finished = earlyStop.step(v);
      if (config.lr_schedule === 'plateau') scheduler.step(v);
      const improved = improvesOn(v, checkpointBest, 'max', 1e-4);
      const record: EpochRecord = { epoch, train: { loss: trainRes.loss, metrics: trainRes.metrics }, val: { loss: valRes.loss, metrics: valRes.metrics }, lr, seconds: (Date.now() - t0) / 1000, improved, precision: j.precision.name };
      if (j.precision.lossScaling) record.skippedSteps = trainRes.skippedSteps;
      history.epochs.push(record);
      tb.epoch(record, valRes.probabilities);
      if (improved) {
        checkpointBest = v;
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
      saveTrainingState(paths.last, { epoch, model, optimizer, scheduler, earlyStop, scaler, checkpointBest, tensorboard: tb.position });
      if (config.plots !== 'none') await writeCurves(history, paths.curves(config.plots), { title: `${config.name} fold ${k}` });
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
    if (finished && config.average_last > 0) await useAveragedWeights(j, model, criterion, inputNorm, history, valIds);
  } finally {
    tb.close();
    optimizer.dispose();
    criterion.dispose();
    model.dispose();
  }
  const best = foldProgress(history, config).bestEpoch;
  return { finished, epochsRun, scores: scoresOf(k, history, best) };
}
