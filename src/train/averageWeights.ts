/**
 * Averaging the weights of the last K epochs (config `average_last`, pudae's 10-epoch average), with the rule of
 * `torch.optim.swa_utils.AveragedModel(model, use_buffers=True)`: the first state is copied, then each next one
 * enters as avg + (x − avg) / (n + 1), parameters and buffers alike (BatchNorm running statistics are averaged
 * too, so no BN re-estimation pass is needed); integer buffers (num_batches_tracked) are computed in float and
 * truncated back, as torch's `copy_` into an int64 tensor does.
 *
 * The trainer keeps each epoch's weights as `fold_<k>/epoch_<e>.pth` while it may still enter the average
 * (the last K), so a resumed fold averages the same epochs as an uninterrupted one.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Tensor } from '../tensor/Tensor.js';
import { noGrad } from '../tensor/scope.js';
import { readWeights } from '../io/weights/readWeights.js';
import type { StateDict, StoredTensor } from '../io/weights/StoredTensor.js';
import { OrderedDict } from '../io/weights/pickle.js';
import { fromStored, toStored } from '../models/weights.js';
import { CheckpointError } from '../errors.js';

/** A running equal-weight average of state dicts (AveragedModel's default avg_fn). */
export class WeightAverager {
  private avg = new Map<string, Tensor>();
  private n = 0;

  get count(): number {
    return this.n;
  }

  /** Adds one state (its tensors are not kept); `what` names it in errors. */
  update(state: Map<string, Tensor>, what = 'state'): void {
    noGrad(() => {
      if (this.n > 0 && (state.size !== this.avg.size || [...state.keys()].some((k) => !this.avg.has(k)))) {
        throw new CheckpointError(`${what}: its keys differ from the states averaged so far`);
      }
      for (const [k, x] of state) {
        const prev = this.avg.get(k);
        if (!prev) {
          this.avg.set(k, x.clone());
          continue;
        }
        if (prev.shape.join() !== x.shape.join()) throw new CheckpointError(`${what}: ${k} has shape [${x.shape}] but the average has [${prev.shape}]`);
        const diff = x.sub(prev);
        const step = diff.div(this.n + 1);
        const sum = prev.add(step);
        const next = sum.dtype === prev.dtype ? sum : sum.to(prev.dtype);
        for (const t of [diff, step, ...(next === sum ? [] : [sum])]) t.dispose();
        prev.dispose();
        this.avg.set(k, next);
      }
    });
    this.n++;
  }

  /** The average as stored tensors (for saveWeights-like writers or loadStateRecords). */
  records(): StateDict {
    if (this.n === 0) throw new CheckpointError('no weights were averaged');
    const out: StateDict = new OrderedDict<string, StoredTensor>();
    for (const [k, t] of this.avg) out.set(k, toStored(t));
    return out;
  }

  dispose(): void {
    for (const t of this.avg.values()) t.dispose();
    this.avg.clear();
  }
}

/** `fold_<k>/epoch_<e>.pth`: the weights after epoch e, kept while they may enter the average. */
export function epochWeightsPath(foldDir: string, epoch: number): string {
  return join(foldDir, `epoch_${epoch}.pth`);
}

/** The average of the weight files in order (AveragedModel's rule); the caller disposes nothing. */
export function averageWeightFiles(paths: readonly string[]): StateDict {
  const avg = new WeightAverager();
  try {
    for (const p of paths) {
      const state = new Map([...readWeights(p).tensors].map(([k, s]) => [k, fromStored(s)]));
      try {
        avg.update(state, p);
      } finally {
        for (const t of state.values()) t.dispose();
      }
    }
    return avg.records();
  } finally {
    avg.dispose();
  }
}

/** Removes the epoch files of epochs ≤ `upTo` (those that can no longer enter the average). */
export function removeEpochWeights(foldDir: string, fromEpoch: number, upTo: number): void {
  for (let e = Math.max(1, fromEpoch); e <= upTo; e++) {
    const p = epochWeightsPath(foldDir, e);
    if (existsSync(p)) rmSync(p);
  }
}
