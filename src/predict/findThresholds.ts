/**
 * `hpaic find-thresholds`: the seed's threshold_finder.py (seed-spec §2.2). Rebuilds the training run's
 * validation split(s) (same config, same random_state), predicts each with its fold's best model, searches the
 * best single and per-class thresholds and writes `threshold.json` in the seed's form, and each fold's
 * `fold_<k>/val_probabilities.csv` (the validation probabilities the search saw). `--method label-ratio` adds
 * a fifth kind, `label_ratio` (bestfitting's thresholds, labelRatioThresholds.ts), with `argmax_on`.
 */
import { memoryPhase } from '../run/memoryTrace.js';
import type { HpaicConfig } from '../config/schema.js';
import { DataLoader } from '../data/loader/DataLoader.js';
import { loadDataset, makeSplits, labelsAt } from '../run/prepareData.js';
import { joinWorld } from '../run/world.js';
import { resolvePrecision, describePrecision } from '../run/precision.js';
import { RunFolder } from '../run/runFolder.js';
import { RunLog } from '../run/RunLog.js';
import { readRatiosFile, labelRatios } from './labelRatioThresholds.js';
import { evaluateLabelRatio, LABEL_RATIO_KEY, evaluateThresholds, formatFoldReport, formatThresholdTable, buildThresholdFile, writeThresholdFile, type FoldThresholds } from './thresholdFile.js';
import { predictLogits, torchSigmoid } from './predict.js';
import { forEachFoldModel } from './loadFoldModels.js';
import { CheckpointError } from '../errors.js';
import { inputNormFor } from '../models/inputNorm.js';
import { writeProbabilityFile } from '../run/probabilityFile.js';

export interface FindThresholdsOptions {
  quiet?: boolean;
  /** 'search' (the seed's four kinds) or 'label-ratio' (adds `label_ratio`, bestfitting's rule). Default 'search'. */
  method?: 'search' | 'label-ratio';
  /** label-ratio targets: a JSON file of 28 shares; default each fold's training-split label ratio. */
  ratiosFile?: string;
}

export async function findThresholds(config: HpaicConfig, opts: FindThresholdsOptions = {}): Promise<{ path: string; folds: FoldThresholds[] }> {
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

async function findThresholdsAs(config: HpaicConfig, opts: FindThresholdsOptions, world: ReturnType<typeof joinWorld>): Promise<{ path: string; folds: FoldThresholds[] }> {
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
  const fileRatios = opts.ratiosFile ? readRatiosFile(opts.ratiosFile) : null;
  try {
    log.info(`Searching for the best decision thresholds (${describePrecision(precision)})`);
    const count = await forEachFoldModel(config, device, async (model, fold, n) => {
      memoryPhase(`fold ${fold.fold} model loaded`);
      const split = splits[fold.fold - 1];
      if (!split) throw new CheckpointError(`${fold.model} exists but the config makes only ${splits.length} fold(s)`);
      const logits = await predictLogits({ model, loader, order: split.test, device, channelsLast: config.channels_last, precision, inputNorm: inputNormFor(config), label: `fold ${fold.fold}/${n} validation`, quiet: opts.quiet || !writes, group: world.pg });
      memoryPhase(`fold ${fold.fold} predicted`);
      const ev = evaluateThresholds(logits, labelsAt(data.labels, split.test), { sigmoid: torchSigmoid });
      if (writes) writeProbabilityFile(fold.valProbabilities, Array.from(split.test, (i) => data.ids[i]), torchSigmoid(logits));
      log.file(formatFoldReport(ev, fold.fold, n));
      log.info(`Fold ${fold.fold}/${n}\n${formatThresholdTable(ev)}`);
      if (opts.method === 'label-ratio') {
        const ratios = fileRatios ?? labelRatios(data.labels, split.train);
        const lr = evaluateLabelRatio(logits, labelsAt(data.labels, split.test), ratios, { sigmoid: torchSigmoid });
        ev.entries[LABEL_RATIO_KEY] = lr.entry;
        log.info(`${`macro F1 ${LABEL_RATIO_KEY}`.padEnd(24)} ${'per class'.padStart(9)}  ${lr.metrics[0][1].toFixed(4)} (targets: ${fileRatios ? opts.ratiosFile : 'training-split label ratios'}, argmax class always on)`);
      }
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
