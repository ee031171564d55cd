/**
 * Input normalisation, `model.input_norm` (new: the seed fed the network [0, 1] RGB as it comes, seed-spec
 * feature 18, which stays the default). Applied on the device to the float batch after augmentation and TTA,
 * just before the forward pass, in every command that runs the model (train, lr-find, find-thresholds, submit).
 *
 * `"pretrained"` takes the convention of model.name's ImageNet weights (`normalizationFor`): scale to the
 * weights' input range, B and G and R order for BGR weights (bninception), then (x − mean) / std per channel.
 * `"hpa_bestfitting"` is bestfitting's per-dataset RGBY statistics (networks/densenet.py; taken per letter of
 * `dataset.filters`). `"per_image"` standardises each image's channels by their own mean and standard
 * deviation (population) as pudae's policy_transform does: (x − mean) / (std + 1e-7), his ε on 0–255 pixels
 * being 1e-7/255 on hpaic's [0, 1] input.
 */
import type { HpaicConfig } from '../config/schema.js';
import { normalizationFor } from './weightCatalogue.js';
import { cat, tensor } from '../tensor/creation.js';
import type { Tensor } from '../tensor/Tensor.js';

/** bestfitting's RGBY mean and std on [0, 1] pixels, by channel letter. */
export const HPA_BESTFITTING_STATS: Readonly<Record<'r' | 'g' | 'b' | 'y', { mean: number; std: number }>> = {
  r: { mean: 0.074598, std: 0.122813 },
  g: { mean: 0.05063, std: 0.085745 },
  b: { mean: 0.050891, std: 0.129882 },
  y: { mean: 0.076287, std: 0.119411 },
};

/** pudae's ε (1e-7 on 0–255 pixels) on [0, 1] input. */
export const PER_IMAGE_EPS = 1e-7 / 255;

export interface InputNorm {
  /** Standardise each image and channel by its own statistics (mean and std below are unused). */
  perImage?: boolean;
  /** Multiply [0, 1] input by this first (255 for weights trained on 0–255 pixels). */
  scale: number;
  /** Feed channels 0 and 2 swapped (RGB → BGR); further channels stay in place. */
  swapRB: boolean;
  mean: number[];
  std: number[];
}

/** The normalisation a config asks for, or null for the seed's plain [0, 1] input. */
export function inputNormFor(config: Pick<HpaicConfig, 'model' | 'dataset'>): InputNorm | null {
  const v = config.model.input_norm;
  if (v === null) return null;
  if (v === 'per_image') return { perImage: true, scale: 1, swapRB: false, mean: [], std: [] };
  if (v === 'hpa_bestfitting') {
    const letters = [...config.dataset.filters] as ('r' | 'g' | 'b' | 'y')[];
    return { scale: 1, swapRB: false, mean: letters.map((l) => HPA_BESTFITTING_STATS[l].mean), std: letters.map((l) => HPA_BESTFITTING_STATS[l].std) };
  }
  if (v === 'pretrained') {
    const n = normalizationFor(config.model.name, config.model.in_channels);
    return { scale: n.inputRange[1], swapRB: n.inputSpace === 'BGR', mean: n.mean, std: n.std };
  }
  return { scale: 1, swapRB: false, mean: [...v.mean], std: [...v.std] };
}

/** (x · scale − mean) / std per channel of an N × C × H × W batch, as (x − mean/scale) / (std/scale). */
export function normalizeInput(x: Tensor, norm: InputNorm): Tensor {
  const C = x.shape[1];
  if (norm.perImage) {
    const mean = x.mean([2, 3], true);
    const centred = x.sub(mean);
    const std = centred.pow(2).mean([2, 3], true).sqrt().add(PER_IMAGE_EPS);
    return centred.div(std);
  }
  if (norm.mean.length !== C) throw new RangeError(`input_norm has ${norm.mean.length} channel(s) but the batch has ${C}`);
  const stats = (v: number[]): Tensor => tensor(Float32Array.from(v, (m) => m / norm.scale), [1, C, 1, 1], { device: x.device });
  const ordered = norm.swapRB && C >= 3 ? cat([x.narrow(1, 2, 1), x.narrow(1, 1, 1), x.narrow(1, 0, 1), ...(C > 3 ? [x.narrow(1, 3, C - 3)] : [])], 1) : x;
  return ordered.sub(stats(norm.mean)).div(stats(norm.std));
}
