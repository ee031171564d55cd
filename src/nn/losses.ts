/**
 * The seed's losses (seed-spec §7), on logits (N × C) and multi-hot targets:
 * - `bce`: binary cross-entropy averaged over all N×C elements;
 * - `bce_w`: each element's loss × its class weight w_c, then averaged;
 * - `bce_pw`: the positive term scaled by w_c (PyTorch's pos_weight);
 * - `bfl`: binary focal loss, 0.25·(1−p_t)²·BCE (α applied to both classes, as the seed), averaged;
 * - `f1`: 1 − soft macro F1 over the batch (eps 1e-8).
 * `bfl` and `f1` refuse targets outside {0, 1} and mismatched shapes, as the seed does.
 * bestfitting's (1st place) `focal`, `lovasz`, `hard_bce` and `focal_lovasz_hard` are in bestfittingLosses.ts.
 */
import type { Tensor } from '../tensor/Tensor.js';
import { tensor } from '../tensor/creation.js';
import { keep, noGrad } from '../tensor/scope.js';
import { binaryCrossEntropyWithLogits } from '../tensor/functional.js';
import { ConfigError, DataError } from '../errors.js';
import { bestfittingFocalLoss, focalLovaszHardLoss, hardExampleBceLoss, symmetricLovaszLoss } from './bestfittingLosses.js';

export type CriterionName = 'bce' | 'bce_w' | 'bce_pw' | 'bfl' | 'f1' | 'focal' | 'lovasz' | 'hard_bce' | 'focal_lovasz_hard';
export type Criterion = ((logits: Tensor, target: Tensor) => Tensor) & { dispose(): void; readonly name: CriterionName };

function checkBinaryTargets(name: string, logits: Tensor, target: Tensor): void {
  if (logits.shape.join(',') !== target.shape.join(',')) {
    throw new DataError(`${name} loss: input shape [${logits.shape}] and target shape [${target.shape}] must match`);
  }
  const bad = noGrad(() => {
    const notBinary = target.ne(0).mul(target.ne(1));
    const any = notBinary.sum().item();
    notBinary.dispose();
    return any;
  });
  if (bad > 0) throw new DataError(`${name} loss: targets must contain only 0 and 1 (found ${bad} other values)`);
}

/** Soft macro-F1 loss (β = 1): 1 − mean over classes of 2tp / (2tp + fn + fp + 1e-8), p = σ(x). */
export function softF1Loss(logits: Tensor, target: Tensor): Tensor {
  checkBinaryTargets('f1', logits, target);
  const p = logits.sigmoid();
  const pt = p.mul(target);
  const tp = pt.sum(0);
  const ySum = target.sum(0);
  const pSum = p.sum(0);
  const fn = ySum.sub(tp);
  const fp = pSum.sub(tp);
  const twoTp = tp.mul(2);
  const denom = twoTp.add(fn).add(fp).add(1e-8);
  const f = twoTp.div(denom);
  const mean = f.mean();
  const loss = mean.neg().add(1);
  for (const t of [p, pt, tp, ySum, pSum, fn, fp, twoTp, denom, f, mean]) t.dispose();
  return loss;
}

/** Binary focal loss with γ = 2, α = 0.25 on both classes (the seed's BinaryFocalWithLogitsLoss). */
export function binaryFocalLoss(logits: Tensor, target: Tensor, gamma = 2, alpha = 0.25): Tensor {
  checkBinaryTargets('bfl', logits, target);
  const bce = binaryCrossEntropyWithLogits(logits, target, { reduction: 'none' });
  const p = logits.sigmoid();
  // p_t = p where y = 1, 1 − p where y = 0  ⇒  1 − p_t = y + p − 2·y·p
  const yp = p.mul(target);
  const s = target.add(p);
  const oneMinusPt = s.sub(yp, 2);
  const mod = oneMinusPt.pow(gamma);
  const w = mod.mul(alpha);
  const el = w.mul(bce);
  const loss = el.mean();
  for (const t of [bce, p, yp, s, oneMinusPt, mod, w, el]) t.dispose();
  return loss;
}

/**
 * The criterion of config `criterion.name`, with class weights (length C) for `bce_w` / `bce_pw`
 * (ignored by the others, as in the seed). Call `dispose()` when done to free the weight tensor.
 */
export function createCriterion(name: string, classWeights: ArrayLike<number> | null, device = 'cpu'): Criterion {
  const n = name.toLowerCase() as CriterionName;
  const needsWeights = n === 'bce_w' || n === 'bce_pw';
  if (needsWeights && !classWeights) throw new ConfigError(`criterion.name "${name}" needs class weights: set criterion.weights.scaling`);
  const w = needsWeights ? keep(tensor(Float32Array.from(classWeights as ArrayLike<number>), undefined, { device })) : null;
  let fn: (x: Tensor, y: Tensor) => Tensor;
  switch (n) {
    case 'bce':
      fn = (x, y) => binaryCrossEntropyWithLogits(x, y);
      break;
    case 'bce_w':
      fn = (x, y) => binaryCrossEntropyWithLogits(x, y, { weight: w });
      break;
    case 'bce_pw':
      fn = (x, y) => binaryCrossEntropyWithLogits(x, y, { posWeight: w });
      break;
    case 'bfl':
      fn = binaryFocalLoss;
      break;
    case 'f1':
      fn = softF1Loss;
      break;
    case 'focal':
      fn = (x, y) => bestfittingFocalLoss(x, y);
      break;
    case 'lovasz':
      fn = symmetricLovaszLoss;
      break;
    case 'hard_bce':
      fn = hardExampleBceLoss;
      break;
    case 'focal_lovasz_hard':
      fn = focalLovaszHardLoss;
      break;
    default:
      throw new ConfigError(`criterion.name: expected one of "bce", "bce_w", "bce_pw", "bfl", "f1", "focal", "lovasz", "hard_bce", "focal_lovasz_hard" but received "${name}"`);
  }
  const criterion = ((x: Tensor, y: Tensor) => fn(x, y)) as Criterion;
  Object.defineProperty(criterion, 'name', { value: n });
  Object.defineProperty(criterion, 'dispose', { value: () => w?.dispose() });
  return criterion;
}
