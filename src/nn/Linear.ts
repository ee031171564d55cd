import { Module } from './Module.js';
import { Tensor } from '../tensor/Tensor.js';
import { empty } from '../tensor/creation.js';
import { linear } from '../tensor/functional.js';
import { defaultBiasInit_, defaultWeightInit_ } from './init.js';

/** Fully connected layer y = x Wᵀ + b; `weight` (out, in), `bias` (out); PyTorch's default init. */
export class Linear extends Module {
  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    bias = true,
  ) {
    super();
    const w = this.registerParameter('weight', defaultWeightInit_(empty([outFeatures, inFeatures])));
    if (bias) this.registerParameter('bias', defaultBiasInit_(empty([outFeatures]), w.shape));
  }
  get weight(): Tensor {
    return this.param('weight');
  }
  get bias(): Tensor | null {
    return this.paramOrNull('bias');
  }
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}
