/**
 * One pass over a loader: training (forward, loss, backward, optimizer step per batch) or evaluation
 * (eval mode, no gradients). The epoch loss is Σ(batch loss × batch size) / dataset length and the metrics are
 * accumulated over the whole pass at threshold 0.5, as the seed does (seed-spec §9.1, quirk 10 kept).
 */
import type { Module } from '../nn/Module.js';
import type { Optimizer } from '../optim/Optimizer.js';
import type { Criterion } from '../nn/losses.js';
import type { Batch, DataLoader } from '../data/loader/DataLoader.js';
import { batchTensors } from '../run/batchTensors.js';
import { tidy, noGrad } from '../tensor/scope.js';
import type { Tensor } from '../tensor/Tensor.js';
import { F1Accumulator, type Metric } from '../metrics/f1.js';
import { NUM_CLASSES } from '../data/tables/labels.js';
import { Progress } from '../io/text/progress.js';
import type { InputNorm } from '../models/inputNorm.js';
import { forwardFp32, FP32, type Precision } from '../run/precision.js';
import type { GradScaler } from '../optim/GradScaler.js';

export interface EpochResult {
  loss: number;
  metrics: Metric[];
  seconds: number;
  /** σ(logits), row-major N×28 in `order`, when `collectProbabilities` was set. */
  probabilities?: Float32Array;
  /** Optimizer steps the loss scaler skipped for inf/NaN gradients (fp16 only; 0 otherwise). */
  skippedSteps: number;
  /** The counts behind `metrics` (a data-parallel run sums them over the ranks). */
  counts: F1Accumulator;
}

export interface RunEpochOptions {
  model: Module;
  loader: DataLoader;
  order: ArrayLike<number>;
  /** Dataset length that divides the summed loss (the seed's len(dataset)). */
  datasetLength: number;
  criterion: Criterion;
  device: string;
  channelsLast: boolean;
  /** `model.input_norm` (inputNormFor); null or absent: the seed's [0, 1] input. */
  inputNorm?: InputNorm | null;
  /** The forward's arithmetic (resolvePrecision); absent: fp32. */
  precision?: Precision;
  /** Training when given. */
  optimizer?: Optimizer;
  /** The loss scaler of a training pass (createGradScaler; a disabled one unless fp16). */
  scaler?: GradScaler;
  /**
   * Gradient accumulation (config `grad_accumulation`, pudae: effective batch 32): the optimizer steps once per
   * `accumulate` batches on the sum of their losses / accumulate (and once more on a shorter last group). Default 1.
   */
  accumulate?: number;
  epoch: number;
  label: string;
  quiet?: boolean;
  /** Keep the per-sample probabilities (validation: the fold's probability file, TensorBoard's histogram). */
  collectProbabilities?: boolean;
  /** Called after each batch with its 0-based index and loss, before the loader may reuse the batch's buffer. */
  onBatch?: (batch: Batch, index: number, loss: number) => void;
  /** Each `order` entry's position in the whole epoch's draw, when this pass is one rank's share (DataLoader). */
  positions?: ArrayLike<number>;
  /** Training: called before each forward (data-parallel: rank 0's buffers). */
  beforeForward?: () => void;
  /** Training: called between backward and the optimizer step (data-parallel: the gradient allreduce). */
  afterBackward?: () => void;
}

export async function runEpoch(o: RunEpochOptions): Promise<EpochResult> {
  const training = o.optimizer !== undefined;
  o.model.train(training);
  const acc = new F1Accumulator();
  const progress = new Progress({ total: o.loader.numBatches(o.order.length), label: o.label, unit: 'batch', quiet: o.quiet });
  let lossSum = 0;
  let samples = 0;
  let index = 0;
  const probabilities = o.collectProbabilities ? new Float32Array(o.order.length * NUM_CLASSES) : undefined;
  let skippedSteps = 0;
  const precision = o.precision ?? FP32;
  const accumulate = o.accumulate ?? 1;
  const numBatches = o.loader.numBatches(o.order.length);
  for await (const batch of o.loader.batches(o.order, { epoch: o.epoch, positions: o.positions })) {
    const n = batch.ids.length;
    const { lossValue, preds, probs } = tidy(() => {
      const { x, y } = batchTensors(batch, o.device, o.channelsLast, o.inputNorm);
      let logits: Tensor;
      let loss: Tensor;
      if (training) {
        const first = index % accumulate === 0;
        const last = (index + 1) % accumulate === 0 || index + 1 === numBatches;
        if (first) o.optimizer!.zeroGrad();
        o.beforeForward?.();
        logits = forwardFp32(precision, () => o.model.forward(x));
        loss = o.criterion(logits, y);
        const backwardLoss = accumulate === 1 ? loss : loss.div(accumulate);
        // Backward outside autocast (torch's recipe); the scaler passes through unless fp16.
        if (o.scaler) {
          o.scaler.scale(backwardLoss).backward();
          if (last) {
            // Data-parallel: gradients are averaged once per optimizer step, after the last accumulated batch.
            o.afterBackward?.();
            if (!o.scaler.step(o.optimizer!)) skippedSteps++;
            o.scaler.update();
          }
        } else {
          backwardLoss.backward();
          if (last) {
            o.afterBackward?.();
            o.optimizer!.step();
          }
        }
      } else {
        [logits, loss] = noGrad(() => {
          const l = forwardFp32(precision, () => o.model.forward(x));
          return [l, o.criterion(l, y)];
        });
      }
      // sigmoid(x) > 0.5 evaluated by libtorch, exactly as the seed's metric input.
      const sig = noGrad(() => logits.detach().sigmoid());
      const p = sig.gt(0.5).to({ device: 'cpu', dtype: 'uint8' });
      const pr = probabilities ? (sig.to({ device: 'cpu', dtype: 'float32' }).toTypedArray() as Float32Array) : undefined;
      return { lossValue: loss.item(), preds: p.toTypedArray() as Uint8Array, probs: pr };
    });
    if (probabilities && probs) probabilities.set(probs, samples * NUM_CLASSES);
    o.onBatch?.(batch, index, lossValue);
    index++;
    o.loader.recycle(batch); // the tensors hold copies: the loader may reuse the buffer
    acc.add(preds, batch.targets);
    lossSum += lossValue * n;
    samples += n;
    progress.tick(1, `loss ${(lossSum / samples).toFixed(4)} ${(samples / progress.elapsedSeconds).toFixed(1)} img/s`);
  }
  progress.finish();
  return { loss: lossSum / o.datasetLength, metrics: acc.metricList(), seconds: progress.elapsedSeconds, skippedSteps, counts: acc, ...(probabilities ? { probabilities } : {}) };
}
