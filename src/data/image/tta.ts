/**
 * Test-time augmentation (seed-spec §10.2, §2.3): the list of TTA pipelines, their ensembling weights, and
 * applying one pipeline to an image.
 *
 * Base operations H (hflip), V (vflip), T (transpose), then pairs that are present when their delta is
 * non-zero: B brightness (1 ± b), C contrast (1 ± c), Hue (∓ h), S saturation (1 ± s), R rotation (∓ degrees). All
 * non-empty combinations, by size and then lexicographically by list position (Python's
 * `itertools.combinations`); for each pair in a combination one side is drawn once, when the list is built —
 * seeded here, unseeded in the seed.
 *
 * Hue (a deliberate fix): the seed passes 1 ± h as torchvision's hue factor, which must lie in [−0.5, 0.5], so
 * any non-zero `--hue` crashes (seed-spec §17.7). hpaic uses the shift ∓ h itself (torchvision `adjust_hue`
 * semantics, `h` ≤ 0.5), so hue TTA works.
 */
import { ConfigError, UsageError } from '../../errors.js';
import { type AugOp, applyOps } from './augOps.js';
import { type HwcImage, type ImageSize } from './hwcImage.js';
import { resizeBilinear } from './resize.js';
import { type Rng, seededRandom } from '../tables/seededRandom.js';

/** The TTA deltas (make_submission's `--brightness --contrast --hue --saturation --degrees`). */
export interface TtaOptions {
  /** Brightness delta; 0 drops B. Default 0.1. */
  brightness?: number;
  /** Contrast delta; default 0. */
  contrast?: number;
  /** Hue shift, a fraction of the colour circle in [0, 0.5]; default 0 (see the module comment). */
  hue?: number;
  /** Saturation delta; default 0. */
  saturation?: number;
  /** Rotation ± degrees; default 0. */
  degrees?: number;
}

/** One TTA pipeline: a display name such as `H+V+B(1.1)` and the ops applied after the resize. */
export interface TtaPipeline {
  readonly name: string;
  readonly ops: readonly AugOp[];
}

interface BaseOp {
  letter: string;
  /** One op, or a pair to choose from. */
  choices: readonly AugOp[];
}

function delta(name: string, v: number | undefined, dflt: number): number {
  const x = v ?? dflt;
  if (!Number.isFinite(x) || x < 0) throw new ConfigError(`tta: --${name} must be a finite number ≥ 0, received ${v}`);
  return x;
}

/**
 * Build the seed's TTA list. With the defaults this is the 15 pipelines of seed-spec §10.2's table
 * (H, V, T, B, H+V, H+T, H+B, V+T, V+B, T+B, H+V+T, H+V+B, H+T+B, V+T+B, H+V+T+B). `rng` (or a seed) picks
 * the side of each pair.
 */
export function buildTtaList(options: TtaOptions = {}, rng: Rng | number = 0): TtaPipeline[] {
  const random = typeof rng === 'number' ? seededRandom(rng) : rng;
  const b = delta('brightness', options.brightness, 0.1);
  const c = delta('contrast', options.contrast, 0);
  const h = delta('hue', options.hue, 0);
  const s = delta('saturation', options.saturation, 0);
  const d = delta('degrees', options.degrees, 0);
  if (h > 0.5) {
    throw new ConfigError(`tta: --hue must be within [0, 0.5] (a hue shift as a fraction of the colour circle), received ${h}`, {
      hint: 'the seed passed 1 ± hue as the hue factor, which torchvision rejects (seed-spec §17.7); hpaic shifts by ± hue instead',
    });
  }
  const base: BaseOp[] = [
    { letter: 'H', choices: [{ kind: 'hflip' }] },
    { letter: 'V', choices: [{ kind: 'vflip' }] },
    { letter: 'T', choices: [{ kind: 'transpose' }] },
  ];
  if (b !== 0) base.push({ letter: 'B', choices: [{ kind: 'brightness', factor: 1 - b }, { kind: 'brightness', factor: 1 + b }] });
  if (c !== 0) base.push({ letter: 'C', choices: [{ kind: 'contrast', factor: 1 - c }, { kind: 'contrast', factor: 1 + c }] });
  if (h !== 0) base.push({ letter: 'Hue', choices: [{ kind: 'hue', factor: -h }, { kind: 'hue', factor: h }] });
  if (s !== 0) base.push({ letter: 'S', choices: [{ kind: 'saturation', factor: 1 - s }, { kind: 'saturation', factor: 1 + s }] });
  if (d !== 0) base.push({ letter: 'R', choices: [{ kind: 'rotate', degrees: -d }, { kind: 'rotate', degrees: d }] });

  const out: TtaPipeline[] = [];
  for (let size = 1; size <= base.length; size++) {
    for (const combo of combinations(base.length, size)) {
      const ops: AugOp[] = [];
      const names: string[] = [];
      for (const i of combo) {
        const op = base[i].choices.length === 1 ? base[i].choices[0] : base[i].choices[random() < 0.5 ? 0 : 1];
        ops.push(op);
        names.push(base[i].choices.length === 1 ? base[i].letter : `${base[i].letter}(${opParam(op)})`);
      }
      out.push({ name: names.join('+'), ops });
    }
  }
  return out;
}

function opParam(op: AugOp): string {
  if (op.kind === 'rotate') return `${+op.degrees.toFixed(6)}°`;
  if ('factor' in op) return `${+op.factor.toFixed(6)}`;
  return '';
}

/** Index combinations of `size` out of 0..n−1 in lexicographic order (Python's itertools.combinations). */
function* combinations(n: number, size: number): Generator<number[]> {
  const idx = Array.from({ length: size }, (_, i) => i);
  while (true) {
    yield idx.slice();
    let i = size - 1;
    while (i >= 0 && idx[i] === n - size + i) i--;
    if (i < 0) return;
    idx[i]++;
    for (let j = i + 1; j < size; j++) idx[j] = idx[j - 1] + 1;
  }
}

/**
 * The dihedral group D8 less the identity (`--tta d8`, bestfitting): every rotation by 90° and every flip of a
 * square image, as the 7 non-empty combinations of hflip, vflip and transpose (H+V = rotate 180°, H+T and V+T =
 * rotate ±90°, T and H+V+T = the two diagonal flips). With the plain prediction they are the 8 symmetries.
 */
export function buildD8List(): TtaPipeline[] {
  const base: [string, AugOp][] = [['H', { kind: 'hflip' }], ['V', { kind: 'vflip' }], ['T', { kind: 'transpose' }]];
  const out: TtaPipeline[] = [];
  for (let size = 1; size <= 3; size++) {
    for (const combo of combinations(3, size)) out.push({ name: combo.map((i) => base[i][0]).join('+'), ops: combo.map((i) => base[i][1]) });
  }
  return out;
}

/** How TTA predictions are combined (`--tta-combine`): the seed's weighted mean of logits, a weighted mean of probabilities, or the maximum probability (bestfitting). */
export type TtaCombine = 'logit-mean' | 'mean' | 'max';
export const TTA_COMBINES: readonly TtaCombine[] = ['logit-mean', 'mean', 'max'];

/** The first `numAug` pipelines (`--num-aug`); all when undefined. An error when more are asked than exist. */
export function takeTta(list: readonly TtaPipeline[], numAug?: number): TtaPipeline[] {
  if (numAug === undefined) return list.slice();
  if (!Number.isInteger(numAug) || numAug < 1 || numAug > list.length) {
    throw new UsageError(`tta: --num-aug must be an integer from 1 to ${list.length} (the number of TTA pipelines), received ${numAug}`);
  }
  return list.slice(0, numAug);
}

/**
 * Ensembling weights for the plain prediction followed by `n` TTA predictions (seed-spec §2.3): index 0 holds
 * 1 − ttaWeight, the others ttaWeight / n. The combination is a weighted mean of **logits**.
 */
export function ttaWeights(n: number, ttaWeight = 0.6): Float64Array {
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`tta: the number of TTA pipelines must be an integer ≥ 0, received ${n}`);
  if (!(ttaWeight >= 0 && ttaWeight <= 1)) throw new UsageError(`tta: --tta-weight must be within [0, 1], received ${ttaWeight}`);
  if (n === 0) return Float64Array.of(1);
  const w = new Float64Array(n + 1);
  w[0] = 1 - ttaWeight;
  w.fill(ttaWeight / n, 1);
  return w;
}

/** One TTA pipeline on a stored image: resize to `size`, then the pipeline's ops. Follow with `toFloatCHW`. */
export function applyTta(img: HwcImage, ops: readonly AugOp[], size?: ImageSize): HwcImage {
  return applyOps(size ? resizeBilinear(img, size) : img, ops);
}
