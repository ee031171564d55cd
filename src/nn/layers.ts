/** Parameter-free layers: activations, dropout, pooling, flatten, identity. */
import { Module } from './Module.js';
import type { Tensor } from '../tensor/Tensor.js';
import { cat } from '../tensor/creation.js';
import { adaptiveAvgPool2d, adaptiveMaxPool2d, dropout, maxPool2d, relu } from '../tensor/functional.js';

export class ReLU extends Module {
  constructor(readonly inplace = false) {
    super();
  }
  forward(x: Tensor): Tensor {
    return relu(x, this.inplace);
  }
}

export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
  }
  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training);
  }
}

export class MaxPool2d extends Module {
  constructor(
    readonly kernelSize: number,
    readonly stride = kernelSize,
    readonly padding = 0,
    readonly ceilMode = false,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, { stride: this.stride, padding: this.padding, ceilMode: this.ceilMode });
  }
}

export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: number) {
    super();
  }
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }
}

/** Global max pool and global average pool concatenated on channels (max first): the seed's head input, 2F. */
export class AdaptiveConcatPool2d extends Module {
  forward(x: Tensor): Tensor {
    const mx = adaptiveMaxPool2d(x, 1);
    const av = adaptiveAvgPool2d(x, 1);
    const out = cat([mx, av], 1);
    mx.dispose();
    av.dispose();
    return out;
  }
}

export class Flatten extends Module {
  forward(x: Tensor): Tensor {
    return x.flatten(1);
  }
}

export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}
