/**
 * `hpaic submit`: the seed's make_submission.py (seed-spec §2.3). Predicts the test store with every fold's
 * best model (plain + TTA — the seed's 15 or `--tta d8` — combined on logits with the seed's weights, or by
 * `--tta-combine mean|max` on probabilities), then for each threshold kind of
 * threshold.json writes `fold_<k>_<key>.csv` (+ `_fill<N>`), and with several folds the fold ensemble
 * (mean of logits, mean of thresholds) `ensemble_<key>.csv`, plus probability files.
 */
import { memoryPhase } from '../run/memoryTrace.js';
import type { HpaicConfig } from '../config/schema.js';
import { DataLoader } from '../data/loader/DataLoader.js';
import type { AugOp } from '../data/image/augOps.js';
import { buildD8List, buildTtaList, takeTta, ttaWeights, type TtaCombine, type TtaOptions } from '../data/image/tta.js';
import { loadDataset } from '../run/prepareData.js';
import { joinWorld } from '../run/world.js';
import { resolvePrecision, describePrecision } from '../run/precision.js';
import { RunFolder } from '../run/runFolder.js';
import { RunLog } from '../run/RunLog.js';
import { readThresholdFile, foldThresholdList } from './thresholdFile.js';
import { writeSubmissions } from './submissionFiles.js';
import { predictLogits, torchSigmoid } from './predict.js';
import { forEachFoldModel } from './loadFoldModels.js';
import { CheckpointError } from '../errors.js';
import { inputNormFor } from '../models/inputNorm.js';

export interface SubmitOptions extends TtaOptions {
  /** false = no TTA (`--no-tta`). */
  tta?: boolean;
  numAug?: number;
  ttaWeight?: number;
  /** Class for empty rows; null = no fill files (`--fill-empty none`). Default 25. */
  fillEmpty?: number | null;
  /** The TTA pipelines: 'seed' (the seed's 15, with the colour/rotation deltas) or 'd8' (the 7 dihedral symmetries). Default 'seed'. */
  ttaSet?: 'seed' | 'd8';
  /** How plain and TTA predictions are combined (`--tta-combine`). Default 'logit-mean' (the seed). */
  ttaCombine?: TtaCombine;
  /** Seed of the random side of each TTA pair (the seed's was unseeded). Default: config.seed. */
  ttaSeed?: number;
  quiet?: boolean;
}

export async function submit(config: HpaicConfig, opts: SubmitOptions = {}): Promise<{ files: string[]; dir: string }> {
  // Under a launcher every rank predicts its share of the test set (TTA included); rank 0 alone writes the files.
  const world = joinWorld(config);
  try {
    const result = await submitAs(config, opts, world);
    world.pg?.barrier('the final barrier');
    return result;
  } finally {
    world.pg?.destroy();
  }
}

async function submitAs(config: HpaicConfig, opts: SubmitOptions, world: ReturnType<typeof joinWorld>): Promise<{ files: string[]; dir: string }> {
  const device = world.device;
  const precision = resolvePrecision(config.precision, device);
  const run = RunFolder.of(config);
  const writes = world.rank === 0;
  const log = new RunLog(writes ? run.log : null, !writes || (opts.quiet ?? process.env.HPAIC_QUIET === '1'));
  const thresholds = foldThresholdList(readThresholdFile(run.thresholdJson));
  const tta = opts.tta === false ? [] : takeTta(opts.ttaSet === 'd8' ? buildD8List() : buildTtaList(opts, opts.ttaSeed ?? config.seed), opts.numAug);
  const combine = opts.ttaCombine ?? 'logit-mean';
  const weights = ttaWeights(tta.length, opts.ttaWeight ?? 0.6);
  log.info(`Forward pass: ${describePrecision(precision)}`);
  log.info(`Test time augmentations: ${tta.length > 0} (${tta.map((p) => p.name).join(', ') || 'none'})`);
  log.info(`TTA ensembling weights: [${Array.from(weights, (w) => +w.toFixed(6)).join(', ')}] (combined by ${combine === 'max' ? 'the maximum probability, weights unused' : combine === 'mean' ? 'a weighted mean of probabilities' : 'a weighted mean of logits'})`);
  const data = await loadDataset(config, 'test');
  const common = { store: data.store, rows: data.rows, names: data.ids, filter: config.dataset.filters, batchSize: config.dataloader.batch_size, workers: Math.min(1, config.dataloader.workers) };
  const size = { height: config.img_h, width: config.img_w };
  const loader = new DataLoader({ ...common, transform: { kind: 'plain', ...size } });
  const opsLoader = (ops: readonly AugOp[]): DataLoader => new DataLoader({ ...common, transform: { kind: 'ops', ...size, ops } });
  log.info(`Test set size: ${data.ids.length}`);
  memoryPhase('data opened');
  const foldLogits: Float32Array[] = [];
  try {
    await forEachFoldModel(config, device, async (model, fold, n) => {
      if (!thresholds[fold.fold - 1]) throw new CheckpointError(`${run.thresholdJson} has no fold_${fold.fold} entry: rerun hpaic find-thresholds -c <config>`);
      log.info(`Fold ${fold.fold}/${n}`);
      memoryPhase(`fold ${fold.fold} model loaded`);
      foldLogits.push(await predictLogits({ model, loader, device, channelsLast: config.channels_last, precision, inputNorm: inputNormFor(config), tta, weights, combine, opsLoader, label: `fold ${fold.fold}/${n} test${tta.length ? ` + ${tta.length} TTA` : ''}`, quiet: opts.quiet || !writes, group: world.pg }));
      memoryPhase(`fold ${fold.fold} predicted`);
    });
  } finally {
    await loader.close();
  }
  if (!writes) return { files: [], dir: run.submissionDir };
  const files = writeSubmissions({
    ids: data.ids,
    foldLogits,
    thresholds: thresholds.slice(0, foldLogits.length),
    outDir: run.submissionDir,
    fillEmpty: opts.fillEmpty === undefined ? 25 : opts.fillEmpty,
    sigmoid: torchSigmoid,
    log: (line) => log.file(line),
  });
  log.info(`Submissions saved in ${run.submissionDir} (${files.length} files)`);
  return { files, dir: run.submissionDir };
}
