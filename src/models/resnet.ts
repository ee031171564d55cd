/**
 * ResNet (He et al., "Deep Residual Learning for Image Recognition", 2015, arXiv:1512.03385) in
 * torchvision's layout (v1.5: the stride sits on the 3×3 conv of a bottleneck), with torchvision's module
 * names so its weights load 1:1 (conv1, bn1, layer1.0.conv1, layer1.0.downsample.0, fc, …).
 */
import { Module } from '../nn/Module.js';
import { Conv2d } from '../nn/Conv2d.js';
import { BatchNorm2d } from '../nn/BatchNorm.js';
import { Linear } from '../nn/Linear.js';
import { Sequential } from '../nn/Sequential.js';
import { MaxPool2d } from '../nn/layers.js';
import type { Tensor } from '../tensor/Tensor.js';
import { adaptiveAvgPool2d, relu } from '../tensor/functional.js';
import { kaimingNormalFanOut_ } from '../nn/init.js';
import { adaptiveHead, type HeadKind } from './heads.js';

const conv3x3 = (i: number, o: number, stride = 1): Conv2d => new Conv2d(i, o, 3, { stride, padding: 1, bias: false });
const conv1x1 = (i: number, o: number, stride = 1): Conv2d => new Conv2d(i, o, 1, { stride, bias: false });

/** Runs `f(x)` and disposes `x` (an intermediate this block owns). */
function then(x: Tensor, f: (x: Tensor) => Tensor): Tensor {
  const y = f(x);
  if (y !== x) x.dispose();
  return y;
}

abstract class Block extends Module {
  protected downsample: Sequential | null = null;
  protected residual(x: Tensor, out: Tensor): Tensor {
    const identity = this.downsample ? this.downsample.forward(x) : x;
    out.add_(identity);
    if (identity !== x) identity.dispose();
    return relu(out, true);
  }
}

export class BasicBlock extends Block {
  static readonly expansion = 1;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  constructor(inplanes: number, planes: number, stride: number, downsample: Sequential | null) {
    super();
    this.conv1 = this.registerModule('conv1', conv3x3(inplanes, planes, stride));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(planes));
    this.conv2 = this.registerModule('conv2', conv3x3(planes, planes));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(planes));
    if (downsample) this.downsample = this.registerModule('downsample', downsample);
  }
  forward(x: Tensor): Tensor {
    let out = this.conv1.forward(x);
    out = then(out, (t) => relu(this.bn1.forward(t), true));
    out = then(out, (t) => this.conv2.forward(t));
    out = then(out, (t) => this.bn2.forward(t));
    return this.residual(x, out);
  }
}

export class Bottleneck extends Block {
  static readonly expansion = 4;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly conv3: Conv2d;
  readonly bn3: BatchNorm2d;
  constructor(inplanes: number, planes: number, stride: number, downsample: Sequential | null) {
    super();
    this.conv1 = this.registerModule('conv1', conv1x1(inplanes, planes));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(planes));
    this.conv2 = this.registerModule('conv2', conv3x3(planes, planes, stride));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(planes));
    this.conv3 = this.registerModule('conv3', conv1x1(planes, planes * 4));
    this.bn3 = this.registerModule('bn3', new BatchNorm2d(planes * 4));
    if (downsample) this.downsample = this.registerModule('downsample', downsample);
  }
  forward(x: Tensor): Tensor {
    let out = this.conv1.forward(x);
    out = then(out, (t) => relu(this.bn1.forward(t), true));
    out = then(out, (t) => this.conv2.forward(t));
    out = then(out, (t) => relu(this.bn2.forward(t), true));
    out = then(out, (t) => this.conv3.forward(t));
    out = then(out, (t) => this.bn3.forward(t));
    return this.residual(x, out);
  }
}

export interface ResNetOptions {
  numClasses?: number;
  inChannels?: number;
  head?: HeadKind;
  dropoutP?: number;
}

type BlockClass = (typeof BasicBlock | typeof Bottleneck) & { expansion: number };

export class ResNet extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly maxpool: MaxPool2d;
  readonly layer1: Sequential;
  readonly layer2: Sequential;
  readonly layer3: Sequential;
  readonly layer4: Sequential;
  readonly classifier: Module;
  readonly headKind: HeadKind;
  /** Channels of the last feature map (512 for resnet18/34, 2048 for 50/101/152). */
  readonly numFeatures: number;

  constructor(block: BlockClass, layers: [number, number, number, number], opts: ResNetOptions = {}) {
    super();
    const { numClasses = 28, inChannels = 3, head = 'fc', dropoutP = 0.5 } = opts;
    let inplanes = 64;
    this.conv1 = this.registerModule('conv1', new Conv2d(inChannels, 64, 7, { stride: 2, padding: 3, bias: false }));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(64));
    this.maxpool = new MaxPool2d(3, 2, 1);
    const makeLayer = (planes: number, blocks: number, stride: number): Sequential => {
      let downsample: Sequential | null = null;
      if (stride !== 1 || inplanes !== planes * block.expansion) {
        downsample = new Sequential(conv1x1(inplanes, planes * block.expansion, stride), new BatchNorm2d(planes * block.expansion));
      }
      const list: Module[] = [new block(inplanes, planes, stride, downsample)];
      inplanes = planes * block.expansion;
      for (let i = 1; i < blocks; i++) list.push(new block(inplanes, planes, 1, null));
      return new Sequential(...list);
    };
    this.layer1 = this.registerModule('layer1', makeLayer(64, layers[0], 1));
    this.layer2 = this.registerModule('layer2', makeLayer(128, layers[1], 2));
    this.layer3 = this.registerModule('layer3', makeLayer(256, layers[2], 2));
    this.layer4 = this.registerModule('layer4', makeLayer(512, layers[3], 2));
    this.numFeatures = 512 * block.expansion;
    // torchvision's init: kaiming-normal (fan_out, relu) convolutions; BatchNorm weight 1, bias 0.
    for (const [, m] of this.namedModules()) if (m instanceof Conv2d) kaimingNormalFanOut_(m.weight);
    this.headKind = head;
    this.classifier =
      head === 'fc'
        ? this.registerModule('fc', new Linear(this.numFeatures, numClasses))
        : this.registerModule('head', adaptiveHead(this.numFeatures, numClasses, dropoutP));
  }

  /** The body: stem and the four stages, giving (N, numFeatures, H/32, W/32). */
  forwardFeatures(x: Tensor): Tensor {
    let out = this.conv1.forward(x);
    out = then(out, (t) => relu(this.bn1.forward(t), true));
    out = then(out, (t) => this.maxpool.forward(t));
    for (const layer of [this.layer1, this.layer2, this.layer3, this.layer4]) out = then(out, (t) => layer.forward(t));
    return out;
  }

  forwardHead(features: Tensor): Tensor {
    if (this.headKind === 'adaptive') return this.classifier.forward(features);
    const pooled = adaptiveAvgPool2d(features, 1);
    const flat = then(pooled, (t) => t.flatten(1));
    return then(flat, (t) => this.classifier.forward(t));
  }

  forward(x: Tensor): Tensor {
    return then(this.forwardFeatures(x), (f) => this.forwardHead(f));
  }
}

export const resnet18 = (o?: ResNetOptions): ResNet => new ResNet(BasicBlock, [2, 2, 2, 2], o);
export const resnet34 = (o?: ResNetOptions): ResNet => new ResNet(BasicBlock, [3, 4, 6, 3], o);
export const resnet50 = (o?: ResNetOptions): ResNet => new ResNet(Bottleneck, [3, 4, 6, 3], o);
export const resnet101 = (o?: ResNetOptions): ResNet => new ResNet(Bottleneck, [3, 4, 23, 3], o);
export const resnet152 = (o?: ResNetOptions): ResNet => new ResNet(Bottleneck, [3, 8, 36, 3], o);
