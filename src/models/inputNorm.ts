/**
 * Input normalisation, `model.input_norm` (new: the seed fed the network [0, 1] RGB as it comes, seed-spec
 * feature 18, which stays the default). Applied on the device to the float batch after augmentation and TTA,
 * just before the forward pass, in every command that runs the model (train, lr-find, find-thresholds, submit).
 *
 * `"pretrained"` takes the convention of model.name's ImageNet weights (`normalizationFor`): scale to the
 * weights' input range, B and G and R order for BGR weights (bninception), then (x − mean) / std per channel.
 */
import type { HpaicConfig } from '../config/schema.js';
import { normalizationFor } from './weightCatalogue.js';
import { cat, tensor } from '../tensor/creation.js';
import type { Tensor } from '../tensor/Tensor.js';

export interface InputNorm {
  /** Multiply [0, 1] input by this first (255 for weights trained on 0–255 pixels). */
  scale: number;
  /** Feed channels 0 and 2 swapped (RGB → BGR); further channels stay in place. */
  swapRB: boolean;
  mean: number[];
  std: number[];
}

/** The normalisation a config asks for, or null for the seed's plain [0, 1] input. */
export function inputNormFor(config: Pick<HpaicConfig, 'model'>): InputNorm | null {
  const v = config.model.input_norm;
  if (v === null) return null;
  if (v === 'pretrained') {
    const n = normalizationFor(config.model.name, config.model.in_channels);
    return { scale: n.inputRange[1], swapRB: n.inputSpace === 'BGR', mean: n.mean, std: n.std };
  }
  return { scale: 1, swapRB: false, mean: [...v.mean], std: [...v.std] };
}

/** (x · scale − mean) / std per channel of an N × C × H × W batch, as (x − mean/scale) / (std/scale). */
export function normalizeInput(x: Tensor, norm: InputNorm): Tensor {
  const C = x.shape[1];
  if (norm.mean.length !== C) throw new RangeError(`input_norm has ${norm.mean.length} channel(s) but the batch has ${C}`);
  const stats = (v: number[]): Tensor => tensor(Float32Array.from(v, (m) => m / norm.scale), [1, C, 1, 1], { device: x.device });
  const ordered = norm.swapRB && C >= 3 ? cat([x.narrow(1, 2, 1), x.narrow(1, 1, 1), x.narrow(1, 0, 1), ...(C > 3 ? [x.narrow(1, 3, C - 3)] : [])], 1) : x;
  return ordered.sub(stats(norm.mean)).div(stats(norm.std));
}
