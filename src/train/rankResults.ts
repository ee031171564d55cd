/**
 * A data-parallel epoch's results made global, so every rank reports and decides the same: the training loss and
 * F1 counts summed over the ranks; the validation probabilities gathered back into the fold's order, and the metrics
 * and loss computed from them as one process computes them.
 */
import type { ProcessGroup } from '../dist/ProcessGroup.js';
import { gatherRows } from '../dist/gatherRows.js';
import { F1Accumulator } from '../metrics/f1.js';
import { NUM_CLASSES } from '../data/tables/labels.js';
import { tensor } from '../tensor/creation.js';
import type { EpochResult } from './runEpoch.js';

/** Loss (each rank's is its share of Σ loss × n / datasetLength) and F1 counts summed over the ranks. */
export function sumOverRanks(pg: ProcessGroup, r: EpochResult, device: string): EpochResult {
  const c = r.counts;
  const C = c.numClasses;
  const packed = new Float64Array(3 * C + 4);
  packed.set(c.tp, 0);
  packed.set(c.fp, C);
  packed.set(c.fn, 2 * C);
  packed.set([c.correct, c.total, r.loss, r.skippedSteps], 3 * C);
  const t = tensor(packed, [packed.length], { dtype: 'float64', device });
  try {
    pg.allreduce(t, 'sum', 'the sum of the training loss and metrics');
    const sum = t.toTypedArray() as Float64Array;
    const acc = new F1Accumulator(C);
    acc.tp.set(sum.subarray(0, C));
    acc.fp.set(sum.subarray(C, 2 * C));
    acc.fn.set(sum.subarray(2 * C, 3 * C));
    acc.correct = sum[3 * C];
    acc.total = sum[3 * C + 1];
    // Every rank steps together, so a skipped step is skipped on all: the count is each rank's, not the sum.
    return { ...r, loss: sum[3 * C + 2], metrics: acc.metricList(), counts: acc, skippedSteps: r.skippedSteps };
  } finally {
    t.dispose();
  }
}

/**
 * Gathers the ranks' validation probabilities (rank r evaluated positions ≡ r mod W) into the fold's order; the
 * metrics come from them (σ > 0.5, as runEpoch thresholds) against `targets` (length × 28, the fold's order), the loss
 * is the sum of the ranks' shares.
 */
export function gatherValidation(pg: ProcessGroup, r: EpochResult, targets: Uint8Array, length: number, device: string): EpochResult {
  const probabilities = gatherRows(pg, r.probabilities!, length, NUM_CLASSES, device, 'the gather of the validation outputs');
  const lossT = tensor(new Float64Array([r.loss]), [1], { dtype: 'float64', device });
  let loss: number;
  try {
    pg.allreduce(lossT, 'sum', 'the sum of the validation loss');
    loss = lossT.item();
  } finally {
    lossT.dispose();
  }
  const acc = new F1Accumulator();
  const preds = new Uint8Array(probabilities.length);
  for (let i = 0; i < probabilities.length; i++) preds[i] = probabilities[i] > 0.5 ? 1 : 0;
  acc.add(preds, targets);
  return { ...r, loss, metrics: acc.metricList(), counts: acc, probabilities };
}
