/**
 * DenseNet-BC (Huang et al., "Densely Connected Convolutional Networks", 2017, arXiv:1608.06993) in
 * torchvision's layout and key names, so its state dicts load 1:1: features.{conv0,norm0,relu0,pool0},
 * features.denseblockN.denselayerM.{norm1,conv1,norm2,conv2}, features.transitionN.{norm,conv} (then a 2×2
 * average pool), features.norm5, then `classifier`. Growth rate 32, bottleneck width 4·32, 64 stem channels;
 * densenet121 = blocks (6, 12, 24, 16) → 1024 features, densenet169 = (6, 12, 32, 32) → 1664 features.
 * The 1st (bestfitting) and 2nd (WAIR) places of the HPA competition used these backbones.
 *
 * Heads: 'fc' is torchvision's (relu → global average pool → `classifier`); 'adaptive' is the seed's head
 * over relu(features) under `head.*`. torchvision's old pretrained files name layers `norm.1`, `conv.2`, …;
 * `renameLegacyDensenetKeys` maps them to the current names (as torchvision's loader does).
 */
import { Module } from '../nn/Module.js';
import { Conv2d } from '../nn/Conv2d.js';
import { BatchNorm2d } from '../nn/BatchNorm.js';
import { Linear } from '../nn/Linear.js';
import { Sequential } from '../nn/Sequential.js';
import { MaxPool2d, ReLU } from '../nn/layers.js';
import type { Tensor } from '../tensor/Tensor.js';
import { cat } from '../tensor/creation.js';
import { adaptiveAvgPool2d, avgPool2d, relu } from '../tensor/functional.js';
import { constant_, kaimingNormalFanIn_ } from '../nn/init.js';
import { adaptiveHead, type HeadKind } from './heads.js';

function then(x: Tensor, f: (x: Tensor) => Tensor): Tensor {
  const y = f(x);
  if (y !== x) x.dispose();
  return y;
}

/** BN → ReLU → 1×1 conv (4·growth) → BN → ReLU → 3×3 conv (growth): the new feature maps of one layer. */
export class DenseLayer extends Module {
  readonly norm1: BatchNorm2d;
  readonly conv1: Conv2d;
  readonly norm2: BatchNorm2d;
  readonly conv2: Conv2d;
  constructor(inFeatures: number, growth: number, bnSize: number) {
    super();
    this.norm1 = this.registerModule('norm1', new BatchNorm2d(inFeatures));
    this.registerModule('relu1', new ReLU(true));
    this.conv1 = this.registerModule('conv1', new Conv2d(inFeatures, bnSize * growth, 1, { bias: false }));
    this.norm2 = this.registerModule('norm2', new BatchNorm2d(bnSize * growth));
    this.registerModule('relu2', new ReLU(true));
    this.conv2 = this.registerModule('conv2', new Conv2d(bnSize * growth, growth, 3, { padding: 1, bias: false }));
  }
  forward(x: Tensor): Tensor {
    let out = relu(this.norm1.forward(x), true);
    out = then(out, (t) => this.conv1.forward(t));
    out = then(out, (t) => relu(this.norm2.forward(t), true));
    return then(out, (t) => this.conv2.forward(t));
  }
}

/** `layers` dense layers, each fed the concatenation of the block input and every earlier layer's output. */
export class DenseBlock extends Module {
  readonly layers: DenseLayer[] = [];
  constructor(layers: number, inFeatures: number, growth: number, bnSize: number) {
    super();
    for (let i = 0; i < layers; i++) this.layers.push(this.registerModule(`denselayer${i + 1}`, new DenseLayer(inFeatures + i * growth, growth, bnSize)));
  }
  forward(x: Tensor): Tensor {
    // Concatenating once per layer (as torchvision does) keeps the graph identical; each concat is freed after use.
    const parts: Tensor[] = [x];
    let input = x;
    try {
      for (const layer of this.layers) {
        parts.push(layer.forward(input));
        if (input !== x) input.dispose();
        input = cat(parts, 1);
      }
      return input === x ? x.clone() : input;
    } finally {
      for (const p of parts.slice(1)) p.dispose();
    }
  }
}

/** BN → ReLU → 1×1 conv (halving the channels) → 2×2 average pool. */
export class Transition extends Module {
  readonly norm: BatchNorm2d;
  readonly conv: Conv2d;
  constructor(inFeatures: number, outFeatures: number) {
    super();
    this.norm = this.registerModule('norm', new BatchNorm2d(inFeatures));
    this.registerModule('relu', new ReLU(true));
    this.conv = this.registerModule('conv', new Conv2d(inFeatures, outFeatures, 1, { bias: false }));
  }
  forward(x: Tensor): Tensor {
    let out = relu(this.norm.forward(x), true);
    out = then(out, (t) => this.conv.forward(t));
    return then(out, (t) => avgPool2d(t, 2, { stride: 2 }));
  }
}

export interface DenseNetOptions {
  numClasses?: number;
  inChannels?: number;
  head?: HeadKind;
  dropoutP?: number;
}

export class DenseNet extends Module {
  readonly features: Sequential;
  readonly classifier: Module;
  readonly headKind: HeadKind;
  /** Channels of the last feature map (1024 for densenet121, 1664 for densenet169). */
  readonly numFeatures: number;
  constructor(blockConfig: number[], opts: DenseNetOptions = {}) {
    super();
    const { numClasses = 28, inChannels = 3, head = 'fc', dropoutP = 0.5 } = opts;
    const growth = 32;
    const bnSize = 4;
    let n = 64;
    const children: Record<string, Module> = {
      conv0: new Conv2d(inChannels, n, 7, { stride: 2, padding: 3, bias: false }),
      norm0: new BatchNorm2d(n),
      relu0: new ReLU(true),
      pool0: new MaxPool2d(3, 2, 1),
    };
    blockConfig.forEach((layers, i) => {
      children[`denseblock${i + 1}`] = new DenseBlock(layers, n, growth, bnSize);
      n += layers * growth;
      if (i !== blockConfig.length - 1) {
        children[`transition${i + 1}`] = new Transition(n, Math.floor(n / 2));
        n = Math.floor(n / 2);
      }
    });
    children.norm5 = new BatchNorm2d(n);
    this.features = this.registerModule('features', new Sequential(children));
    this.numFeatures = n;
    this.headKind = head;
    this.classifier =
      head === 'fc' ? this.registerModule('classifier', new Linear(n, numClasses)) : this.registerModule('head', adaptiveHead(n, numClasses, dropoutP));
    // torchvision's init: kaiming-normal (fan_in) convolutions, BatchNorm 1 / 0, Linear biases 0.
    for (const [, m] of this.namedModules()) {
      if (m instanceof Conv2d) kaimingNormalFanIn_(m.weight);
      if (m instanceof Linear && m.bias && head === 'fc') constant_(m.bias, 0);
    }
  }

  /** relu(features(x)): (N, numFeatures, ~H/32, ~W/32). */
  forwardFeatures(x: Tensor): Tensor {
    return then(this.features.forward(x), (t) => relu(t, true));
  }

  forwardHead(features: Tensor): Tensor {
    if (this.headKind === 'adaptive') return this.classifier.forward(features);
    const flat = then(adaptiveAvgPool2d(features, 1), (t) => t.flatten(1));
    return then(flat, (t) => this.classifier.forward(t));
  }

  forward(x: Tensor): Tensor {
    return then(this.forwardFeatures(x), (f) => this.forwardHead(f));
  }
}

export const densenet121 = (o?: DenseNetOptions): DenseNet => new DenseNet([6, 12, 24, 16], o);
export const densenet169 = (o?: DenseNetOptions): DenseNet => new DenseNet([6, 12, 32, 32], o);

const LEGACY_KEY = /^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\.(?:weight|bias|running_mean|running_var))$/;

/** torchvision's pre-0.4 DenseNet key names (`denselayer1.norm.1.weight`) → current ones (`denselayer1.norm1.weight`); other keys unchanged. */
export function renameLegacyDensenetKey(key: string): string {
  const m = LEGACY_KEY.exec(key);
  return m ? m[1] + m[2] : key;
}
