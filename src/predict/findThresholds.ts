/**
 * `hpaic find-thresholds`: the seed's threshold_finder.py (seed-spec §2.2). Rebuilds the training run's
 * validation split(s) (same config, same random_state), predicts each with its fold's best model, searches the
 * best single and per-class thresholds and writes `threshold.json` in the seed's form, and each fold's
 * `fold_<k>/val_probabilities.csv` (the validation probabilities the search saw).
 */
import type { HpaicConfig } from '../config/schema.js';
import { DataLoader } from '../data/loader/DataLoader.js';
import { loadDataset, makeSplits, labelsAt } from '../run/prepareData.js';
import { joinWorld } from '../run/world.js';
import { resolvePrecision, describePrecision } from '../run/precision.js';
import { RunFolder } from '../run/runFolder.js';
import { RunLog } from '../run/RunLog.js';
import { evaluateThresholds, formatFoldReport, formatThresholdTable, buildThresholdFile, writeThresholdFile, type FoldThresholds } from './thresholdFile.js';
import { predictLogits, torchSigmoid } from './predict.js';
import { forEachFoldModel } from './loadFoldModels.js';
import { CheckpointError } from '../errors.js';
import { inputNormFor } from '../models/inputNorm.js';
import { writeProbabilityFile } from '../run/probabilityFile.js';

export async function findThresholds(config: HpaicConfig, opts: { quiet?: boolean } = {}): Promise<{ path: string; folds: FoldThresholds[] }> {
  // Under a launcher every rank predicts its share of each validation split; rank 0 alone writes and prints.
  const world = joinWorld(config);
  try {
    const result = await findThresholdsAs(config, opts, world);
    world.pg?.barrier('the final barrier');
    return result;
  } finally {
    world.pg?.destroy();
  }
}

async function findThresholdsAs(config: HpaicConfig, opts: { quiet?: boolean }, world: ReturnType<typeof joinWorld>): Promise<{ path: string; folds: FoldThresholds[] }> {
  const device = world.device;
  const precision = resolvePrecision(config.precision, device);
  const run = RunFolder.of(config);
  const writes = world.rank === 0;
  const log = new RunLog(writes ? run.log : null, !writes || (opts.quiet ?? process.env.HPAIC_QUIET === '1'));
  const data = await loadDataset(config, 'train');
  const splits = makeSplits(config, data.labels);
  const loader = new DataLoader({
    store: data.store, rows: data.rows, names: data.ids, targets: data.labels, filter: config.dataset.filters,
    transform: { kind: 'plain', height: config.img_h, width: config.img_w }, batchSize: config.dataloader.batch_size, workers: Math.min(1, config.dataloader.workers),
  });
  const folds: FoldThresholds[] = [];
  try {
    log.info(`Searching for the best decision thresholds (${describePrecision(precision)})`);
    const count = await forEachFoldModel(config, device, async (model, fold, n) => {
      const split = splits[fold.fold - 1];
      if (!split) throw new CheckpointError(`${fold.model} exists but the config makes only ${splits.length} fold(s)`);
      const logits = await predictLogits({ model, loader, order: split.test, device, channelsLast: config.channels_last, precision, inputNorm: inputNormFor(config), label: `fold ${fold.fold}/${n} validation`, quiet: opts.quiet || !writes, group: world.pg });
      const ev = evaluateThresholds(logits, labelsAt(data.labels, split.test), { sigmoid: torchSigmoid });
      if (writes) writeProbabilityFile(fold.valProbabilities, Array.from(split.test, (i) => data.ids[i]), torchSigmoid(logits));
      log.file(formatFoldReport(ev, fold.fold, n));
      log.info(`Fold ${fold.fold}/${n}\n${formatThresholdTable(ev)}`);
      folds.push(ev.entries);
    });
    log.info(`No. of models loaded from checkpoint: ${count}`);
  } finally {
    await loader.close();
  }
  if (writes) writeThresholdFile(run.thresholdJson, buildThresholdFile(folds));
  log.info(`Saved ${run.thresholdJson}`);
  return { path: run.thresholdJson, folds };
}
