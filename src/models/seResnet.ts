/**
 * SE-ResNet-50 (Hu, Shen & Sun, "Squeeze-and-Excitation Networks", 2017, arXiv:1709.01507) in the layout
 * of Cadene's `pretrainedmodels` SENet, with its names so `se_resnet50-ce0d4300.pth` loads 1:1:
 * layer0.{conv1,bn1} (7×7 stem, then a ceil-mode 3×3 max pool), layer1–layer4 of SEResNetBottleneck
 * (Caffe style: the stride sits on the first 1×1 conv), each with `se_module.fc1`/`fc2` as 1×1 convolutions
 * (reduction 16) and `downsample.0`/`.1` (1×1 conv, BN), then `last_linear`.
 *
 * Heads: 'adaptive' is the seed's adaptive head over F = 2048 under `head.*` (the body keeps Cadene's names;
 * the seed itself kept layer0–layer4 and appended the head). 'fc' is Cadene's classifier: global average
 * pool (adaptive) and `last_linear` (se_resnet50 has no dropout before it).
 * se_resnext50_32x4d is the same network with SEResNeXtBottleneck blocks (32 groups of width 4·planes/64).
 * Seed quirk 3: the seed never loaded ImageNet weights into se_resnet50; hpaic can (`model.pretrained`).
 */
import { Module } from '../nn/Module.js';
import { Conv2d } from '../nn/Conv2d.js';
import { BatchNorm2d } from '../nn/BatchNorm.js';
import { Linear } from '../nn/Linear.js';
import { Sequential } from '../nn/Sequential.js';
import { MaxPool2d, ReLU } from '../nn/layers.js';
import type { Tensor } from '../tensor/Tensor.js';
import { adaptiveAvgPool2d, relu } from '../tensor/functional.js';
import { adaptiveHead, type HeadKind } from './heads.js';

function then(x: Tensor, f: (x: Tensor) => Tensor): Tensor {
  const y = f(x);
  if (y !== x) x.dispose();
  return y;
}

/** Squeeze-and-excitation: x · sigmoid(fc2(relu(fc1(avgpool(x))))), the FCs being 1×1 convolutions. */
export class SEModule extends Module {
  readonly fc1: Conv2d;
  readonly fc2: Conv2d;
  constructor(channels: number, reduction: number) {
    super();
    this.fc1 = this.registerModule('fc1', new Conv2d(channels, Math.floor(channels / reduction), 1));
    this.fc2 = this.registerModule('fc2', new Conv2d(Math.floor(channels / reduction), channels, 1));
  }
  forward(x: Tensor): Tensor {
    let s = adaptiveAvgPool2d(x, 1);
    s = then(s, (t) => this.fc1.forward(t));
    s = then(s, (t) => relu(t, true));
    s = then(s, (t) => this.fc2.forward(t));
    s = then(s, (t) => t.sigmoid());
    return then(s, (t) => x.mul(t));
  }
}

export class SEResNetBottleneck extends Module {
  static readonly expansion = 4;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly conv3: Conv2d;
  readonly bn3: BatchNorm2d;
  readonly seModule: SEModule;
  readonly downsample: Sequential | null = null;
  /** `width` = channels of the inner convs (planes for SE-ResNet); `strideOn` = the conv that carries the stride. */
  constructor(inplanes: number, planes: number, groups: number, reduction: number, stride = 1, downsample: Sequential | null = null, width = planes, strideOn: 'conv1' | 'conv2' = 'conv1') {
    super();
    const s1 = strideOn === 'conv1' ? stride : 1;
    const s2 = strideOn === 'conv2' ? stride : 1;
    this.conv1 = this.registerModule('conv1', new Conv2d(inplanes, width, 1, { stride: s1, bias: false }));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(width));
    this.conv2 = this.registerModule('conv2', new Conv2d(width, width, 3, { stride: s2, padding: 1, groups, bias: false }));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(width));
    this.conv3 = this.registerModule('conv3', new Conv2d(width, planes * 4, 1, { bias: false }));
    this.bn3 = this.registerModule('bn3', new BatchNorm2d(planes * 4));
    this.seModule = this.registerModule('se_module', new SEModule(planes * 4, reduction));
    if (downsample) this.downsample = this.registerModule('downsample', downsample);
  }
  forward(x: Tensor): Tensor {
    let out = this.conv1.forward(x);
    out = then(out, (t) => relu(this.bn1.forward(t), true));
    out = then(out, (t) => this.conv2.forward(t));
    out = then(out, (t) => relu(this.bn2.forward(t), true));
    out = then(out, (t) => this.conv3.forward(t));
    out = then(out, (t) => this.bn3.forward(t));
    out = then(out, (t) => this.seModule.forward(t));
    const residual = this.downsample ? this.downsample.forward(x) : x;
    out.add_(residual);
    if (residual !== x) residual.dispose();
    return relu(out, true);
  }
}

/**
 * SE-ResNeXt bottleneck (Cadene's SEResNeXtBottleneck): width = ⌊planes · baseWidth / 64⌋ · groups; the stride
 * sits on the grouped 3×3 conv (unlike SEResNetBottleneck), then 1×1 to planes · 4 and squeeze-and-excitation.
 */
export class SEResNeXtBottleneck extends SEResNetBottleneck {
  constructor(inplanes: number, planes: number, groups: number, reduction: number, stride = 1, downsample: Sequential | null = null, baseWidth = 4) {
    super(inplanes, planes, groups, reduction, stride, downsample, Math.floor((planes * baseWidth) / 64) * groups, 'conv2');
  }
}

export interface SEResNetOptions {
  numClasses?: number;
  inChannels?: number;
  head?: HeadKind;
  dropoutP?: number;
}

export class SEResNet extends Module {
  readonly layer0: Sequential;
  readonly layers: Sequential[];
  readonly classifier: Module;
  readonly headKind: HeadKind;
  readonly numFeatures: number;
  /** `groups` 1 = SE-ResNet (SEResNetBottleneck); 32 = SE-ResNeXt 32×4d (SEResNeXtBottleneck). */
  constructor(layers: [number, number, number, number], opts: SEResNetOptions = {}, groups = 1) {
    super();
    const { numClasses = 28, inChannels = 3, head = 'fc', dropoutP = 0.5 } = opts;
    const Block = groups === 1 ? SEResNetBottleneck : SEResNeXtBottleneck;
    const reduction = 16;
    let inplanes = 64;
    this.layer0 = this.registerModule(
      'layer0',
      new Sequential({
        conv1: new Conv2d(inChannels, inplanes, 7, { stride: 2, padding: 3, bias: false }),
        bn1: new BatchNorm2d(inplanes),
        relu1: new ReLU(true),
        pool: new MaxPool2d(3, 2, 0, true),
      }),
    );
    const makeLayer = (planes: number, blocks: number, stride: number): Sequential => {
      let downsample: Sequential | null = null;
      if (stride !== 1 || inplanes !== planes * 4) {
        downsample = new Sequential(new Conv2d(inplanes, planes * 4, 1, { stride, bias: false }), new BatchNorm2d(planes * 4));
      }
      const list: Module[] = [new Block(inplanes, planes, groups, reduction, stride, downsample)];
      inplanes = planes * 4;
      for (let i = 1; i < blocks; i++) list.push(new Block(inplanes, planes, groups, reduction));
      return new Sequential(...list);
    };
    this.layers = [
      this.registerModule('layer1', makeLayer(64, layers[0], 1)),
      this.registerModule('layer2', makeLayer(128, layers[1], 2)),
      this.registerModule('layer3', makeLayer(256, layers[2], 2)),
      this.registerModule('layer4', makeLayer(512, layers[3], 2)),
    ];
    this.numFeatures = 2048;
    this.headKind = head;
    this.classifier =
      head === 'fc'
        ? this.registerModule('last_linear', new Linear(this.numFeatures, numClasses))
        : this.registerModule('head', adaptiveHead(this.numFeatures, numClasses, dropoutP));
  }

  /** The body: layer0–layer4, giving (N, 2048, ~H/32, ~W/32). */
  forwardFeatures(x: Tensor): Tensor {
    let out = this.layer0.forward(x);
    for (const layer of this.layers) out = then(out, (t) => layer.forward(t));
    return out;
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

export const seResnet50 = (o?: SEResNetOptions): SEResNet => new SEResNet([3, 4, 6, 3], o);
/** SE-ResNeXt-50 32×4d (Cadene's se_resnext50_32x4d: same layer0 and keys as se_resnet50; 2nd, 3rd and 8th place in HPA). */
export const seResnext50_32x4d = (o?: SEResNetOptions): SEResNet => new SEResNet([3, 4, 6, 3], o, 32);
