/** PyTorch's weight initialisations (torch.nn.init), drawing from libtorch's seeded generator. */
import type { Tensor } from '../tensor/Tensor.js';
import { noGrad } from '../tensor/scope.js';

/** fan_in and fan_out of a Linear (out, in) or Conv (out, in/groups, kh, kw) weight. */
export function fans(shape: number[]): { fanIn: number; fanOut: number } {
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

export function uniform_(t: Tensor, a: number, b: number): Tensor {
  return noGrad(() => t.uniform_(a, b));
}
export function normal_(t: Tensor, mean: number, std: number): Tensor {
  return noGrad(() => t.normal_(mean, std));
}
export function constant_(t: Tensor, v: number): Tensor {
  return noGrad(() => t.fill_(v));
}

/** kaiming_uniform_(a = √5): PyTorch's default for Conv and Linear weights (bound 1/√fan_in). */
export function defaultWeightInit_(t: Tensor): Tensor {
  const bound = 1 / Math.sqrt(fans(t.shape).fanIn);
  return uniform_(t, -bound, bound);
}
/** PyTorch's default bias init for Conv and Linear: U(−1/√fan_in, 1/√fan_in) of the weight's fan_in. */
export function defaultBiasInit_(bias: Tensor, weightShape: number[]): Tensor {
  const fanIn = fans(weightShape).fanIn;
  const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  return uniform_(bias, -bound, bound);
}
/** kaiming_normal_(mode = 'fan_out', nonlinearity = 'relu'): torchvision's ResNet conv init. */
export function kaimingNormalFanOut_(t: Tensor): Tensor {
  return normal_(t, 0, Math.sqrt(2 / fans(t.shape).fanOut));
}
/** kaiming_normal_(mode = 'fan_in', nonlinearity = 'relu'): torchvision's DenseNet conv init. */
export function kaimingNormalFanIn_(t: Tensor): Tensor {
  return normal_(t, 0, Math.sqrt(2 / fans(t.shape).fanIn));
}
