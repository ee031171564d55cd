import { EarlyStopping } from '../optim/EarlyStopping.js';
import { metricValue, type TrainingHistory } from './summary.js';

/** Where a fold stands, derived from its history.json alone (no checkpoint needed). */
export interface FoldProgress {
  /** The last finished epoch (0 when none). */
  lastEpoch: number;
  /** The epoch the best checkpoint holds (0 when none), by the seed's absolute 1e-4 rule. */
  bestEpoch: number;
  bestValue: number;
  /** Early stopping fired at `lastEpoch`. */
  stopped: boolean;
  /** Nothing is left to train: stopped early or reached `epochs`. */
  finished: boolean;
}

/**
 * Replay the seed's early-stopping rule over a fold's validation macro F1 to tell whether the fold is finished
 * (skip it on resume), which epoch is the best one, and where to continue (lastEpoch + 1).
 */
export function foldProgress(history: TrainingHistory, config: { epochs: number; stop_patience: number }, metric = 'f1_macro'): FoldProgress {
  const es = new EarlyStopping({ patience: config.stop_patience, mode: 'max', threshold: 1e-4 });
  let bestEpoch = 0;
  let lastEpoch = 0;
  for (const e of [...history.epochs].sort((a, b) => a.epoch - b.epoch)) {
    const v = metricValue(e.val.metrics, metric);
    if (es.isImprovement(v)) bestEpoch = e.epoch;
    es.step(v);
    lastEpoch = e.epoch;
    if (es.stop) break;
  }
  return { lastEpoch, bestEpoch, bestValue: es.best, stopped: es.stop, finished: es.stop || lastEpoch >= config.epochs };
}
