/**
 * Running a trained model over a dataset: plain predictions (validation logits for the threshold search) and
 * test-time augmentation (seed-spec §10.2). The seed runs 16 separate passes over the test set; here every
 * batch is read once, its TTA variants are made on the device with tensor ops (flips, transpose and the
 * brightness blend, bit-exact with Pillow's uint8 arithmetic) and run in as few forward passes as
 * `maxForwardBatch` allows. Pipelines with other ops (contrast, saturation, hue, rotation) fall back to one
 * loader pass per pipeline with the CPU implementation. The combination (`combine`) is by default the seed's
 * weighted mean of logits (not probabilities), (1 − w)·plain + (w/n)·Σ TTA; `mean` takes the same weighted mean
 * of probabilities and `max` the largest probability (bestfitting); both are returned as logits (log(p / (1 − p)),
 * clamped to ±MAX_LOGIT) so that every later step (sigmoid, fold means) stays the same.
 */
import type { Module } from '../nn/Module.js';
import type { DataLoader } from '../data/loader/DataLoader.js';
import type { AugOp } from '../data/image/augOps.js';
import type { TtaCombine, TtaPipeline } from '../data/image/tta.js';
import { NUM_CLASSES } from '../data/tables/labels.js';
import type { Tensor } from '../tensor/Tensor.js';
import { cat, tensor } from '../tensor/creation.js';
import { noGrad, tidy } from '../tensor/scope.js';
import { batchTensors } from '../run/batchTensors.js';
import { Progress } from '../io/text/progress.js';
import { type InputNorm, normalizeInput } from '../models/inputNorm.js';
import { forwardFp32, FP32, type Precision } from '../run/precision.js';
import type { ProcessGroup } from '../dist/ProcessGroup.js';
import { evaluationShard } from '../dist/shard.js';
import { gatherRows } from '../dist/gatherRows.js';

export interface PredictOptions {
  model: Module;
  /** A loader with the plain (resize + to-tensor) transform. */
  loader: DataLoader;
  /** Dataset items to predict, in output order (default: all, sequentially). */
  order?: ArrayLike<number>;
  device: string;
  channelsLast: boolean;
  /** TTA pipelines (empty or omitted: plain predictions only). */
  tta?: readonly TtaPipeline[];
  /** Weights of [plain, tta_1, …, tta_n] (see ttaWeights); required with `tta`. */
  weights?: ArrayLike<number>;
  /** `model.input_norm` (inputNormFor), applied after the TTA ops; null or absent: the seed's [0, 1] input. */
  inputNorm?: InputNorm | null;
  /** The forward's arithmetic (resolvePrecision); absent: fp32. Logits are combined in fp32 either way. */
  precision?: Precision;
  /** Most images per forward pass (default: the loader's batch size, as the seed forwards). */
  maxForwardBatch?: number;
  /** How plain and TTA predictions are combined; default 'logit-mean' (the seed). */
  combine?: TtaCombine;
  /** Builds a loader with a fixed op list, for pipelines the device path cannot do. */
  opsLoader?: (ops: readonly AugOp[]) => DataLoader;
  label?: string;
  quiet?: boolean;
  /**
   * Under a launcher: each rank predicts every W-th item of `order` (TTA included) and the logits are gathered, so
   * every rank returns what one process would (docs/distributed.md).
   */
  group?: ProcessGroup | null;
}

const DEVICE_OPS = new Set(['hflip', 'vflip', 'transpose', 'brightness']);

/** Apply one pipeline's ops to a float batch in [0, 1] (N, C, H, W), exactly as Pillow on the uint8 image. */
export function applyOpsOnDevice(x: Tensor, ops: readonly AugOp[]): Tensor {
  return tidy(() => {
    let y = x;
    for (const op of ops) {
      if (op.kind === 'hflip') y = y.flip([3]);
      else if (op.kind === 'vflip') y = y.flip([2]);
      else if (op.kind === 'transpose') y = y.transpose(2, 3);
      else if (op.kind === 'brightness') {
        // Pillow: trunc(float32(factor) × pixel), clipped to [0, 255], on the uint8 values.
        const px = y.mul(255).round();
        y = px.mul(op.factor).floor().clamp(0, 255).div(255);
      } else throw new Error(`op ${op.kind} has no device implementation`);
    }
    return y === x ? x.clone() : y;
  });
}

/** Whether every pipeline can run on the device for images of `channels` channels. */
export function ttaOnDevice(tta: readonly TtaPipeline[], channels: number): boolean {
  // Pillow leaves the alpha channel of LA / RGBA images alone in colour ops; keep those on the CPU path.
  const colourOk = channels === 1 || channels === 3;
  return tta.every((p) => p.ops.every((o) => DEVICE_OPS.has(o.kind) && (o.kind !== 'brightness' || colourOk)));
}

/** Forward `x` through the model in chunks of at most `max` images; returns N × 28 float32 logits on the device. */
function forwardChunked(model: Module, x: Tensor, max: number, precision: Precision): Tensor {
  const n = x.shape[0];
  if (n <= max) return forwardFp32(precision, () => model.forward(x));
  const parts: Tensor[] = [];
  for (let s = 0; s < n; s += max) {
    const chunk = x.narrow(0, s, Math.min(max, n - s));
    parts.push(forwardFp32(precision, () => model.forward(chunk)));
    chunk.dispose();
  }
  const out = cat(parts, 0);
  parts.forEach((p) => p.dispose());
  return out;
}

/** |logit| bound of the probability combinations: σ(±30) is 1 or ~1e-13 in float32, and the value stays finite for fold means. */
export const MAX_LOGIT = 30;

/** log(p / (1 − p)) in float64, clamped to ±MAX_LOGIT. */
function logitOf(p: number): number {
  return Math.max(-MAX_LOGIT, Math.min(MAX_LOGIT, Math.log(p) - Math.log1p(-p)));
}

/**
 * Logits (row-major N × 28 float32, in `order`) of the model on the loader's items, with TTA when given.
 */
export async function predictLogits(o: PredictOptions): Promise<Float32Array> {
  const { model, loader, device } = o;
  model.eval();
  const total = o.order ? o.order.length : await loader.size();
  const all = o.order ?? Int32Array.from({ length: total }, (_, i) => i);
  const shard = o.group && o.group.size > 1 ? evaluationShard(all, o.group.rank, o.group.size).order : null;
  const order = shard ?? all;
  const n = order.length;
  const tta = o.tta ?? [];
  const weights = tta.length ? Float64Array.from(o.weights ?? []) : Float64Array.of(1);
  if (weights.length !== tta.length + 1) throw new RangeError(`predict: expected ${tta.length + 1} TTA weights but received ${weights.length}`);
  const max = o.maxForwardBatch ?? loader.batchSize;
  const onDevice = ttaOnDevice(tta, loader.sampleShape[0]);
  const out = new Float32Array(n * NUM_CLASSES);
  const passes = onDevice ? 1 : tta.length + 1;
  // Without TTA there is nothing to combine: keep the logits as they are.
  const combine = tta.length ? (o.combine ?? 'logit-mean') : 'logit-mean';
  const progress = new Progress({ total: loader.numBatches(n) * passes, label: o.label ?? 'predict', unit: 'batch', quiet: o.quiet });

  // Peak memory is one batch, the TTA inputs of one forward pass (at most `max` images) and that forward's
  // activations: variants are made, normalised and forwarded a group at a time, never all at once (all 16 of
  // a 16-image batch at 512² were 800 MB of inputs before the forward's own activations).
  const runPass = async (src: DataLoader, variants: readonly (readonly AugOp[])[], w: ArrayLike<number>, accumulate: boolean): Promise<void> => {
    let offset = 0;
    for await (const batch of src.batches(order)) {
      const logits = noGrad(() =>
        tidy(() => {
          const { x } = batchTensors(batch, device, false);
          const b = batch.ids.length;
          const group = Math.max(1, Math.floor(max / b));
          let acc: Tensor | null = null;
          for (let s = 0; s < variants.length; s += group) {
            const prev: Tensor | null = acc;
            // Combined over the variants in order, as one pass over all of them would.
            acc = tidy((): Tensor => {
              const vs = variants.slice(s, s + group);
              const xs = vs.map((ops) => (ops.length ? applyOpsOnDevice(x, ops) : x));
              let inputs = xs.length === 1 ? xs[0] : cat(xs, 0);
              if (o.inputNorm) inputs = normalizeInput(inputs, o.inputNorm);
              if (o.channelsLast) inputs = inputs.channelsLast();
              const l = forwardChunked(model, inputs, max, o.precision ?? FP32);
              let a: Tensor | null = prev;
              for (let i = 0; i < vs.length; i++) {
                const raw = l.narrow(0, i * b, b);
                // In "combine space": weighted logits, weighted probabilities, or probabilities for the max.
                const part = combine === 'logit-mean' ? raw.mul(w[s + i]) : combine === 'mean' ? raw.sigmoid().mul(w[s + i]) : raw.sigmoid();
                a = a ? (combine === 'max' ? a.maximum(part) : a.add(part)) : part;
              }
              return a as Tensor;
            });
            prev?.dispose();
          }
          return (acc as Tensor).to({ device: 'cpu', dtype: 'float32' });
        }),
      );
      src.recycle(batch);
      const values = logits.toTypedArray() as Float32Array;
      logits.dispose();
      if (!accumulate) out.set(values, offset);
      else if (combine === 'max') for (let i = 0; i < values.length; i++) out[offset + i] = Math.max(out[offset + i], values[i]);
      else for (let i = 0; i < values.length; i++) out[offset + i] += values[i];
      offset += values.length;
      progress.tick();
    }
  };

  if (onDevice) {
    await runPass(loader, [[], ...tta.map((p) => p.ops)], weights, false);
  } else {
    await runPass(loader, [[]], [weights[0]], false);
    for (let i = 0; i < tta.length; i++) {
      if (!o.opsLoader) throw new Error('predict: these TTA ops need opsLoader (a loader with a fixed op list)');
      const l = o.opsLoader(tta[i].ops);
      try {
        await runPass(l, [[]], [weights[i + 1]], true);
      } finally {
        await l.close();
      }
    }
  }
  progress.finish();
  if (combine !== 'logit-mean') for (let i = 0; i < out.length; i++) out[i] = logitOf(out[i]);
  return shard ? gatherRows(o.group!, out, total, NUM_CLASSES, device, `the gather of the ${o.label ?? 'predicted'} logits`) : out;
}

/** libtorch's float32 sigmoid, so probabilities and thresholds match PyTorch bit for bit on this machine. */
export function torchSigmoid(logits: ArrayLike<number>): Float32Array {
  const t = tensor(Float32Array.from(logits));
  const s = t.sigmoid();
  const v = s.toTypedArray() as Float32Array;
  t.dispose();
  s.dispose();
  return v;
}

