/**
 * `hpaic demo`: the whole seed workflow on synthetic data, on any machine, in minutes:
 * synth → convert to HDF5 → train a ResNet18 (2 folds, CPU) → thresholds → submission with TTA → CSV
 * ensemble → score against the hidden test labels, next to two trivial baselines. Everything stays under `out`.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateSynthDataset } from '../synth/generateSynthDataset.js';
import { convertKaggle } from '../data/ingest/convertKaggle.js';
import { readLabelCsv } from '../data/tables/csv.js';
import { NUM_CLASSES } from '../data/tables/labels.js';
import { parseConfig } from '../config/loadConfig.js';
import type { HpaicConfig } from '../config/schema.js';
import { train } from '../train/train.js';
import { findThresholds } from '../predict/findThresholds.js';
import { submit } from '../predict/submit.js';
import { ensembleCsv } from '../predict/ensembleCsv.js';
import { scoreFiles } from '../metrics/scoreFiles.js';
import { macroF1 } from '../metrics/f1.js';
import { writeFileAtomic } from '../io/text/writeFileAtomic.js';
import { UsageError } from '../errors.js';
import { claimDemoFolder } from './claimDemoFolder.js';

/**
 * Sizes of a demo run. `default` is the README's quick start; `tiny` is the CI smoke test; `benchmark` is the
 * larger documented benchmark (about half an hour on 2 CPU cores; docs/demo.md). On 2 CPU cores a ResNet18 from
 * scratch needs small images to learn 28 classes in minutes: the synthetic field of view is magnified (`zoom`,
 * bigger cells) and every class is present in at least 5% of the samples (`minClassFrac`). The head's
 * dropout is 0.1, not the seed configs' 0.5: in 16 CPU epochs 0.5 held the validation macro F1 (class_best)
 * at 0.37 / 0.31 for the two folds against 0.51 / 0.56 (docs/demo.md).
 */
export const DEMO_PRESETS = {
  default: { train: 3000, test: 500, synthSize: 48, zoom: 2.5, minClassFrac: 0.05, imgSize: 48, epochs: 16, batch: 16, dropout: 0.1, lrPatience: 20 },
  tiny: { train: 96, test: 32, synthSize: 32, zoom: 2.5, minClassFrac: 0.05, imgSize: 32, epochs: 1, batch: 16, dropout: 0.1, lrPatience: 5 },
  benchmark: { train: 10000, test: 2000, synthSize: 96, zoom: 1.25, minClassFrac: 0.05, imgSize: 96, epochs: 8, batch: 16, dropout: 0.1, lrPatience: 20 },
} as const;
export type DemoPreset = keyof typeof DEMO_PRESETS;

export interface DemoOptions {
  out: string;
  preset?: DemoPreset;
  seed?: number;
  /** The training and prediction precision (config key `precision`; default fp32). */
  precision?: HpaicConfig['precision'];
  quiet?: boolean;
  /** Receives each step's line (default console.log). */
  log?: (line: string) => void;
}

export interface DemoResult {
  macroF1: number;
  baselines: { allClass0: number; top2Classes: number };
  seconds: number;
  submission: string;
}

/** The demo's training config: configs/demo.json's values (the seed's schema) for the chosen size. */
export function demoConfig(root: string, checkpointDir: string, p: (typeof DEMO_PRESETS)[DemoPreset], seed: number, precision = 'fp32'): HpaicConfig {
  return parseConfig({
    name: 'demo',
    device: 'auto',
    precision,
    checkpoint_dir: checkpointDir,
    epochs: p.epochs,
    img_h: p.imgSize,
    img_w: p.imgSize,
    aug: true,
    lr_patience: p.lrPatience,
    lr_factor: 0.2,
    min_lr: 1e-7,
    stop_patience: 10,
    seed,
    dataset: { root_dir: root, filters: 'rgb', subset: 1.0, random_state: 92 },
    sampler: { mode: 'meanmax', weights: { scaling: 'median', min_clip: null, max_clip: null, damping_r: null } },
    dataloader: { n_splits: 2, val_size: null, batch_size: p.batch, workers: 1, random_state: 92 },
    model: { name: 'resnet18', dropout_p: p.dropout },
    criterion: { name: 'bce', weights: { scaling: null, min_clip: null, max_clip: null, damping_r: null } },
    optim: { name: 'adam', lr: 1e-3, weight_decay: 0 },
    load: { path: null, weights_only: null },
  });
}

/** Macro F1 (scikit-learn semantics) of predicting the same classes for every sample. */
function constantBaseline(truthPath: string, classes: number[]): number {
  const truth = readLabelCsv(truthPath, { allowEmpty: true });
  const pred = new Uint8Array(truth.labels.length);
  for (let i = 0; i < truth.ids.length; i++) for (const c of classes) pred[i * NUM_CLASSES + c] = 1;
  return macroF1(truth.labels, pred);
}

export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  const preset = opts.preset ?? 'default';
  const p = DEMO_PRESETS[preset];
  if (!p) throw new UsageError(`--preset expects one of ${Object.keys(DEMO_PRESETS).join(', ')} but received "${preset}"`);
  const seed = opts.seed ?? 1;
  const precision = opts.precision ?? 'fp32';
  const out = resolve(opts.out);
  const say = opts.log ?? ((l: string) => console.log(l));
  const quiet = opts.quiet ?? false;
  const t0 = Date.now();
  const step = (i: number, what: string): void => say(`\n[${i}/7] ${what} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  const raw = join(out, 'synth');
  const data = join(out, 'data');
  mkdirSync(out, { recursive: true });
  // precision joins the settings only when it is not the default, so folders of earlier fp32 demos still resume.
  claimDemoFolder(out, { preset, seed, ...p, ...(precision === 'fp32' ? {} : { precision }) });

  step(1, `synthesising ${p.train} training and ${p.test} test samples of ${p.synthSize}² in ${raw}`);
  await generateSynthDataset({ out: raw, train: p.train, test: p.test, size: p.synthSize, zoom: p.zoom, minClassFrac: p.minClassFrac, seed, quiet });
  step(2, `converting to HDF5 in ${data}`);
  // Uncompressed: LZF (h5wasm makes it mandatory) refuses the few small noisy images it cannot shrink.
  await convertKaggle({ src: raw, dest: data, size: p.synthSize, compression: 'none', quiet, log: quiet ? undefined : say });
  const config = demoConfig(data, join(out, 'checkpoint'), p, seed, precision);
  writeFileAtomic(join(out, 'demo_config.json'), JSON.stringify(config, null, 2) + '\n');
  step(3, `training resnet18 at ${p.imgSize}², 2 folds × ${p.epochs} epochs (config: ${join(out, 'demo_config.json')})`);
  await train(config, { quiet });
  step(4, 'searching decision thresholds on the validation folds');
  await findThresholds(config, { quiet });
  step(5, 'predicting the test set with 15-way TTA and writing the submissions');
  const { dir: subDir } = await submit(config, { quiet });
  step(6, 'hard-vote ensemble of the per-fold and fold-ensemble submissions');
  const votes = join(out, 'ensemble');
  mkdirSync(votes, { recursive: true });
  for (const f of ['fold_1_class_best.csv', 'fold_2_class_best.csv', 'ensemble_class_best.csv']) copyFileSync(join(subDir, f), join(votes, f.replace('ensemble_', 'folds_')));
  ensembleCsv({ dir: votes, log: () => {} });
  const submission = join(votes, 'ensemble_fill25.csv');
  step(7, `scoring ${submission} against the hidden labels`);
  const truth = join(raw, 'test_truth.csv');
  const score = scoreFiles(truth, submission);
  const result: DemoResult = {
    macroF1: score.macroF1,
    baselines: { allClass0: constantBaseline(truth, [0]), top2Classes: constantBaseline(truth, [0, 25]) },
    seconds: Math.round((Date.now() - t0) / 100) / 10,
    submission,
  };
  writeFileAtomic(join(out, 'demo_result.json'), JSON.stringify(result, null, 2) + '\n');
  say(`\nrun log: ${join(out, 'checkpoint', 'demo', 'train.log')}; result: ${join(out, 'demo_result.json')}`);
  say(`macro F1 ${result.macroF1.toFixed(4)} (baselines: all-0 ${result.baselines.allClass0.toFixed(4)}, top-2 ${result.baselines.top2Classes.toFixed(4)}) in ${result.seconds.toFixed(0)} s`);
  return result;
}
