/**
 * The losses of the 1st-place HPA solution (bestfitting, `layers/loss.py`), on logits (N × C) and multi-hot
 * targets; criterion names `focal`, `lovasz`, `hard_bce` and `focal_lovasz_hard`:
 * - `focal`: FocalLoss(γ = 2) without α: BCE · exp(γ · logσ(−x·(2y − 1))) = BCE · (1 − p_t)^γ, summed over
 *   classes and averaged over the batch (so it is C times larger than an element mean);
 * - `lovasz`: the symmetric Lovász hinge per class (Berman et al., 2018, the Lovász extension of the Jaccard
 *   loss): for each class c over the batch, (L(x, y) + L(−x, 1 − y)) / 2, averaged over classes;
 * - `hard_bce`: BCE per class over the positives and the hardest negatives (highest logits), as
 *   `get_hard_samples` chooses them (neg_more 2, neg_least_ratio 0.5, neg_max_ratio 0.7), averaged over classes;
 * - `focal_lovasz_hard`: 0.5 · focal + 0.5 · lovasz + 0.5 · hard_bce (FocalSymmetricLovaszHardLogLoss).
 *
 * The Lovász sort and the hard-negative choice are not differentiable; they are decided on a CPU copy of the
 * logits and enter the graph as constant per-element weights, so value and gradient equal PyTorch's (which
 * routes the gradient through `sort` and `index_select` to the same elements).
 */
import type { Tensor } from '../tensor/Tensor.js';
import { tensor } from '../tensor/creation.js';
import { tidy, noGrad } from '../tensor/scope.js';
import { binaryCrossEntropyWithLogits, logSigmoid, relu } from '../tensor/functional.js';
import { DataError } from '../errors.js';

function checkShapes(name: string, logits: Tensor, target: Tensor): void {
  if (logits.ndim !== 2 || logits.shape.join(',') !== target.shape.join(',')) {
    throw new DataError(`${name} loss: input shape [${logits.shape}] and target shape [${target.shape}] must match and be N × C`);
  }
}

/** Host copies of logits and targets (for the non-differentiable choices). */
function hostCopies(logits: Tensor, target: Tensor): { x: Float32Array; y: Float32Array } {
  return noGrad(() =>
    tidy(() => {
      const toHost = (t: Tensor): Float32Array => {
        const c = t.detach().to({ device: 'cpu', dtype: 'float32' });
        return Float32Array.from(c.toTypedArray() as Float32Array);
      };
      return { x: toHost(logits), y: toHost(target) };
    }),
  );
}

/** bestfitting's FocalLoss(γ): Σ_c BCE · exp(γ · logσ(−x(2y − 1))), mean over the batch. */
export function bestfittingFocalLoss(logits: Tensor, target: Tensor, gamma = 2): Tensor {
  checkShapes('focal', logits, target);
  return tidy(() => {
    const bce = binaryCrossEntropyWithLogits(logits, target, { reduction: 'none' });
    const mod = logSigmoid(logits.neg().mul(target.mul(2).sub(1))).mul(gamma).exp();
    return bce.mul(mod).sum(1).mean();
  });
}

/**
 * The Lovász-gradient weights of one class: for the batch order that sorts errors e_n = 1 − x_n·(2y_n − 1)
 * descending, g_i = J_i − J_{i−1} with J_i = 1 − (Σy − cumsum(y)_i) / (Σy + cumsum(1 − y)_i)
 * (`lovasz_grad`), scattered back to each sample's position. `flip` uses labels 1 − y (the symmetric term;
 * its errors are the same, since (−x)·(2(1 − y) − 1) = x·(2y − 1)).
 */
function lovaszWeights(labels: Float64Array, order: number[], flip: boolean, out: Float64Array, stride: number, offset: number, scale: number): void {
  const gt = order.map((i) => (flip ? 1 - labels[i] : labels[i]));
  const gts = gt.reduce((a, b) => a + b, 0);
  let cumPos = 0;
  let cumNeg = 0;
  let prev = 0;
  for (let k = 0; k < order.length; k++) {
    cumPos += gt[k];
    cumNeg += 1 - gt[k];
    const jaccard = 1 - (gts - cumPos) / (gts + cumNeg);
    out[order[k] * stride + offset] += scale * (k === 0 ? jaccard : jaccard - prev);
    prev = jaccard;
  }
}

/** The symmetric Lovász hinge per class, averaged over the C classes. */
export function symmetricLovaszLoss(logits: Tensor, target: Tensor): Tensor {
  checkShapes('lovasz', logits, target);
  const [N, C] = logits.shape;
  const { x, y } = hostCopies(logits, target);
  const weights = new Float64Array(N * C);
  const errors = new Float64Array(N);
  const labels = new Float64Array(N);
  for (let c = 0; c < C; c++) {
    for (let n = 0; n < N; n++) {
      // The error as PyTorch computes it in float32, so that the sort order is the same.
      errors[n] = Math.fround(1 - Math.fround(x[n * C + c] * (2 * y[n * C + c] - 1)));
      labels[n] = y[n * C + c];
    }
    const order = Array.from({ length: N }, (_, i) => i).sort((a, b) => errors[b] - errors[a] || a - b);
    lovaszWeights(labels, order, false, weights, C, c, 0.5 / C);
    lovaszWeights(labels, order, true, weights, C, c, 0.5 / C);
  }
  return tidy(() => {
    const e = logits.mul(target.mul(2).sub(1)).neg().add(1);
    const w = tensor(Float32Array.from(weights), [N, C], { device: logits.device });
    return relu(e).mul(w).sum();
  });
}

/**
 * bestfitting's hard-example BCE: per class, all positives plus the `hard` highest-logit negatives, where
 * hard = min(negatives, positives + max(2, ⌊0.5·negatives⌋), ⌊0.7·negatives⌋ + 2); the mean BCE of those,
 * averaged over the C classes.
 */
export function hardExampleBceLoss(logits: Tensor, target: Tensor): Tensor {
  checkShapes('hard_bce', logits, target);
  const [N, C] = logits.shape;
  const { x, y } = hostCopies(logits, target);
  const weights = new Float32Array(N * C);
  for (let c = 0; c < C; c++) {
    const pos: number[] = [];
    const neg: number[] = [];
    for (let n = 0; n < N; n++) (y[n * C + c] > 0 ? pos : neg).push(n);
    const negAtLeast = Math.max(2, Math.floor(0.5 * neg.length));
    const hard = Math.min(neg.length, pos.length + negAtLeast, Math.floor(0.7 * neg.length) + 2);
    const chosenNeg = hard > 0 ? [...neg].sort((a, b) => x[b * C + c] - x[a * C + c] || a - b).slice(0, hard) : neg;
    const chosen = [...pos, ...chosenNeg];
    for (const n of chosen) weights[n * C + c] = 1 / (chosen.length * C);
  }
  return tidy(() => {
    const bce = binaryCrossEntropyWithLogits(logits, target, { reduction: 'none' });
    return bce.mul(tensor(weights, [N, C], { device: logits.device })).sum();
  });
}

/** FocalSymmetricLovaszHardLogLoss: 0.5 · focal + 0.5 · lovasz + 0.5 · hard_bce. */
export function focalLovaszHardLoss(logits: Tensor, target: Tensor): Tensor {
  return tidy(() => bestfittingFocalLoss(logits, target).add(symmetricLovaszLoss(logits, target)).add(hardExampleBceLoss(logits, target)).mul(0.5));
}
