import type { CommandSpec } from './defineCommand.js';

/**
 * Every CLI command, loaded lazily so that `hpaic --help` and pure-TypeScript commands never load libtorch.
 * Add one line per command (file `commands/<name>.ts` exporting `command`).
 */
export const COMMANDS: Record<string, () => Promise<{ command: CommandSpec }>> = {
  convert: () => import('./commands/convert.js'),
  'download-hpav18': () => import('./commands/download-hpav18.js'),
  dedupe: () => import('./commands/dedupe.js'),
  split: () => import('./commands/split.js'),
  score: () => import('./commands/score.js'),
  'sampler-analysis': () => import('./commands/sampler-analysis.js'),
  synth: () => import('./commands/synth.js'),
  demo: () => import('./commands/demo.js'),
  train: () => import('./commands/train.js'),
  'lr-find': () => import('./commands/lr-find.js'),
  'find-thresholds': () => import('./commands/find-thresholds.js'),
  submit: () => import('./commands/submit.js'),
  predict: () => import('./commands/predict.js'),
  export: () => import('./commands/export.js'),
  ensemble: () => import('./commands/ensemble.js'),
  'apply-leak': () => import('./commands/apply-leak.js'),
  weights: () => import('./commands/weights.js'),
  view: () => import('./commands/view.js'),
};
