import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { HpaicConfig } from '../config/schema.js';
import { writeFileAtomic } from '../io/text/writeFileAtomic.js';

/**
 * The run folder layout, the seed's (seed-spec §9.3, §11.3, §12) plus hpaic's extra files:
 * ```
 * <checkpoint_dir>/<name>/
 *   config.resolved.json   threshold.json   train.log   lr_finder.csv   lr_finder.png
 *   submission/*.csv
 *   fold_<k>/  model.pth (best epoch)  summary.json (best epoch)  history.json (every epoch)
 *              last.pth (last epoch, for resume)  curves.png
 *              val_probabilities.csv (the best model's validation probabilities, see probabilityFile.ts)
 *              tb/events.out.tfevents.* (TensorBoard)
 * ```
 */
export const FOLD_FILES = {
  /** The best epoch's checkpoint (the seed's name; the trainer decides its format). */
  model: 'model.pth',
  /** The last finished epoch's full training state, which resume continues from (seed quirk 16, fixed). */
  last: 'last.pth',
  summary: 'summary.json',
  history: 'history.json',
  curves: 'curves',
  /**
   * σ(logit) of every validation sample of the fold under model.pth, in split order (the probability-file
   * format): written by `hpaic train` whenever the checkpoint improves, and again by `hpaic find-thresholds`.
   */
  valProbabilities: 'val_probabilities.csv',
  tensorboard: 'tb',
} as const;

export const RUN_FILES = {
  resolvedConfig: 'config.resolved.json',
  threshold: 'threshold.json',
  submission: 'submission',
  log: 'train.log',
  lrFinderCsv: 'lr_finder.csv',
  lrFinderPlot: 'lr_finder',
} as const;

/** The folder name of fold k (1-based, as the seed: the single split is fold_1). */
export function foldDirName(k: number): string {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`fold numbers start at 1, got ${k}`);
  return `fold_${k}`;
}

/** Paths of one fold's files. */
export interface FoldPaths {
  fold: number;
  dir: string;
  model: string;
  last: string;
  summary: string;
  history: string;
  valProbabilities: string;
  /** The TensorBoard folder. */
  tensorboard: string;
  /** curves.png or curves.svg. */
  curves(format?: 'png' | 'svg'): string;
}

export function foldPaths(runDir: string, k: number): FoldPaths {
  const dir = join(runDir, foldDirName(k));
  return {
    fold: k,
    dir,
    model: join(dir, FOLD_FILES.model),
    last: join(dir, FOLD_FILES.last),
    summary: join(dir, FOLD_FILES.summary),
    history: join(dir, FOLD_FILES.history),
    valProbabilities: join(dir, FOLD_FILES.valProbabilities),
    tensorboard: join(dir, FOLD_FILES.tensorboard),
    curves: (format = 'png') => join(dir, `${FOLD_FILES.curves}.${format}`),
  };
}

/**
 * Folds present in `runDir`: fold_1, fold_2, … while `fold_<k>/<file>` exists (the seed reads checkpoints until
 * one is missing, seed-spec §9.5, §9.7). `file` defaults to the best-epoch checkpoint.
 */
export function discoverFolds(runDir: string, file: string = FOLD_FILES.model): FoldPaths[] {
  const out: FoldPaths[] = [];
  for (let k = 1; existsSync(join(runDir, foldDirName(k), file)); k++) out.push(foldPaths(runDir, k));
  return out;
}

/** Paths of a run: `<checkpoint_dir>/<name>`. */
export class RunFolder {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** The run folder of a config: `<checkpoint_dir>/<name>`. */
  static of(config: { checkpoint_dir: string; name: string }): RunFolder {
    return new RunFolder(join(config.checkpoint_dir, config.name));
  }

  fold(k: number): FoldPaths {
    return foldPaths(this.root, k);
  }

  /** See `discoverFolds`. */
  folds(file?: string): FoldPaths[] {
    return discoverFolds(this.root, file);
  }

  get resolvedConfig(): string {
    return join(this.root, RUN_FILES.resolvedConfig);
  }

  get thresholdJson(): string {
    return join(this.root, RUN_FILES.threshold);
  }

  get submissionDir(): string {
    return join(this.root, RUN_FILES.submission);
  }

  /** A file in submission/, e.g. `fold_1_lb.csv` or `ensemble_lb_fill25.csv`. */
  submission(file: string): string {
    return join(this.submissionDir, file);
  }

  get log(): string {
    return join(this.root, RUN_FILES.log);
  }

  get lrFinderCsv(): string {
    return join(this.root, RUN_FILES.lrFinderCsv);
  }

  lrFinderPlot(format: 'png' | 'svg' = 'png'): string {
    return join(this.root, `${RUN_FILES.lrFinderPlot}.${format}`);
  }
}

/** The file name of the resolved config inside a run folder. */
export const RESOLVED_CONFIG_FILE = RUN_FILES.resolvedConfig;

/** Write the resolved config to `<runDir>/config.resolved.json` (atomically); returns the file path. */
export function saveResolvedConfig(runDir: string, config: HpaicConfig): string {
  const file = join(runDir, RESOLVED_CONFIG_FILE);
  writeFileAtomic(file, JSON.stringify(config, null, 4) + '\n');
  return file;
}
