import { Module } from './Module.js';
import { Tensor } from '../tensor/Tensor.js';
import { ones, zeros } from '../tensor/creation.js';
import { batchNorm } from '../tensor/functional.js';
import { noGrad } from '../tensor/scope.js';

/**
 * Batch normalisation over the channel axis (dim 1) with PyTorch's semantics: affine `weight`/`bias`,
 * buffers `running_mean`, `running_var`, `num_batches_tracked`; in training mode the batch statistics are
 * used and the running ones updated with `momentum` (unbiased variance), `num_batches_tracked` += 1.
 */
export class BatchNorm extends Module {
  /**
   * Replaces the training-mode statistics (data-parallel training's SyncBatchNorm, src/train/syncBatchNorm.ts):
   * called with this module and the input, returns the normalised output. Null: the batch's own statistics.
   */
  syncStatistics: ((bn: BatchNorm, x: Tensor) => Tensor) | null = null;

  constructor(
    readonly numFeatures: number,
    readonly eps = 1e-5,
    readonly momentum = 0.1,
  ) {
    super();
    this.registerParameter('weight', ones([numFeatures]));
    this.registerParameter('bias', zeros([numFeatures]));
    this.registerBuffer('running_mean', zeros([numFeatures]));
    this.registerBuffer('running_var', ones([numFeatures]));
    this.registerBuffer('num_batches_tracked', zeros([], { dtype: 'int64' }));
  }
  get weight(): Tensor {
    return this.param('weight');
  }
  get bias(): Tensor {
    return this.param('bias');
  }
  get runningMean(): Tensor {
    return this.buffer('running_mean');
  }
  get runningVar(): Tensor {
    return this.buffer('running_var');
  }
  forward(x: Tensor): Tensor {
    if (this.training) noGrad(() => this.buffer('num_batches_tracked').add_(1));
    if (this.training && this.syncStatistics) return this.syncStatistics(this, x);
    return batchNorm(x, this.runningMean, this.runningVar, this.weight, this.bias, this.training, this.momentum, this.eps);
  }
}

/** BatchNorm for (N, C, H, W) input. */
export class BatchNorm2d extends BatchNorm {}
/** BatchNorm for (N, C) input (the seed's head). */
export class BatchNorm1d extends BatchNorm {}
