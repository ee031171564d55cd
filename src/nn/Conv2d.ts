import { Module } from './Module.js';
import { Tensor } from '../tensor/Tensor.js';
import { empty } from '../tensor/creation.js';
import { conv2d } from '../tensor/functional.js';
import { defaultBiasInit_, defaultWeightInit_ } from './init.js';

export interface Conv2dOptions {
  stride?: number;
  /** One value for both sides, or [height, width] (Inception's (1, 7) convolutions pad (0, 3)). */
  padding?: number | [number, number];
  dilation?: number;
  groups?: number;
  bias?: boolean;
}

/** 2-D convolution; parameters `weight` (out, in/groups, k, k) and optional `bias`, PyTorch's default init. */
export class Conv2d extends Module {
  readonly stride: number;
  readonly padding: number | [number, number];
  readonly dilation: number;
  readonly groups: number;
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number | [number, number],
    opts: Conv2dOptions = {},
  ) {
    super();
    this.stride = opts.stride ?? 1;
    this.padding = opts.padding ?? 0;
    this.dilation = opts.dilation ?? 1;
    this.groups = opts.groups ?? 1;
    const [kh, kw] = typeof kernelSize === 'number' ? [kernelSize, kernelSize] : kernelSize;
    const w = this.registerParameter('weight', defaultWeightInit_(empty([outChannels, inChannels / this.groups, kh, kw])));
    if (opts.bias ?? true) this.registerParameter('bias', defaultBiasInit_(empty([outChannels]), w.shape));
  }
  get weight(): Tensor {
    return this.param('weight');
  }
  get bias(): Tensor | null {
    return this.paramOrNull('bias');
  }
  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
  }
}
