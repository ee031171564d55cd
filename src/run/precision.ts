/**
 * The config's `precision` on a resolved device, as every command runs it:
 * - the model's forward runs under libtorch's autocast (bf16 or fp16) and its logits come back as float32, so
 *   the loss, the sigmoid and every metric are fp32 (torch's CPU autocast would leave sigmoid, sums and pow in
 *   bf16 inside composite losses such as the focal and soft-F1 ones; its CUDA op list keeps most of those in
 *   fp32; computing the whole loss on fp32 logits gives one rule on both devices, and for BCE the result is
 *   identical, since autocast runs it in fp32 anyway);
 * - weights, gradients and optimizer state stay fp32 (autocast casts weights per forward);
 * - fp16 needs a loss scaler (GradScaler, enabled only then); bf16 has fp32's exponent range and needs none.
 */
import { ConfigError } from '../errors.js';
import type { HpaicConfig } from '../config/schema.js';
import { autocast, type AutocastOptions } from '../tensor/autocast.js';
import type { Tensor } from '../tensor/Tensor.js';
import { GradScaler } from '../optim/GradScaler.js';

export type PrecisionName = HpaicConfig['precision'];

export interface Precision {
  readonly name: PrecisionName;
  /** The autocast scope of the forward (null: plain fp32). */
  readonly autocast: AutocastOptions | null;
  /** Whether training needs dynamic loss scaling (fp16). */
  readonly lossScaling: boolean;
}

/** `precision` on `device` (already resolved: "auto" became "cpu" or "cuda"). fp16 on the CPU is refused. */
export function resolvePrecision(name: PrecisionName, device: string): Precision {
  if (name === 'fp32') return FP32;
  if (name === 'bf16') return { name, autocast: { device, dtype: 'bfloat16' }, lossScaling: false };
  if (!device.startsWith('cuda')) {
    throw new ConfigError(`precision: "fp16" needs a CUDA device, but this run uses "${device}"`, {
      hint: 'use "precision": "bf16" on the CPU (bfloat16 autocast), or a CUDA build and GPU (see README, Building against another libtorch)',
    });
  }
  return { name, autocast: { device, dtype: 'float16' }, lossScaling: true };
}

/** The seed's arithmetic: no autocast, no scaler. */
export const FP32: Precision = { name: 'fp32', autocast: null, lossScaling: false };

/** `forward()` under the precision's autocast; the logits as float32 (the same tensor when they already are). */
export function forwardFp32(precision: Precision, forward: () => Tensor): Tensor {
  if (!precision.autocast) return forward();
  const out = autocast(forward, precision.autocast);
  if (out.dtype === 'float32') return out;
  const f = out.to('float32');
  out.dispose();
  return f;
}

/** The run's loss scaler: torch's GradScaler defaults for fp16, a pass-through otherwise. */
export function createGradScaler(precision: Precision): GradScaler {
  return new GradScaler({ enabled: precision.lossScaling });
}

/** One line for run logs: what the forward computes in. */
export function describePrecision(p: Precision): string {
  if (!p.autocast) return 'precision fp32';
  return `precision ${p.name} (autocast ${p.autocast.dtype} on ${p.autocast.device}${p.lossScaling ? ', dynamic loss scaling' : ''}; fp32 weights, optimizer state and loss)`;
}
