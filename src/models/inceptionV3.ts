/**
 * Inception-v3 (Szegedy et al., "Rethinking the Inception Architecture for Computer Vision", 2015,
 * arXiv:1512.00567) in torchvision's layout and names (Conv2d_1a_3x3.conv/.bn, …, Mixed_5b … Mixed_7c, fc),
 * so `inception_v3_google-0cc3c7bd.pth` loads 1:1 (its AuxLogits.* keys are left unused, see below).
 *
 * As the seed (seed-spec §6.2): no auxiliary classifier (aux_logits = false, so no AuxLogits module);
 * `transformInput` stays false by default (seed quirk 4: the seed meant to set it but never did, so images
 * reach the network untransformed); the 'adaptive' head sits under `head.*` (F = 2048) while the body keeps
 * torchvision's names. Init as the seed's copy of torchvision: truncated normal within ±2σ (σ = 0.1) for
 * every Conv2d and Linear, including the head's Linears; BatchNorm weight 1, bias 0. Input must be ≥ 75².
 */
import { Module } from '../nn/Module.js';
import { Conv2d } from '../nn/Conv2d.js';
import { BatchNorm2d } from '../nn/BatchNorm.js';
import { Linear } from '../nn/Linear.js';
import type { Tensor } from '../tensor/Tensor.js';
import { cat, randn, where } from '../tensor/creation.js';
import { adaptiveAvgPool2d, avgPool2d, dropout, maxPool2d, relu } from '../tensor/functional.js';
import { noGrad, tidy } from '../tensor/scope.js';
import { ConfigError } from '../errors.js';
import { adaptiveHead, type HeadKind } from './heads.js';

/** Smallest input side torchvision's Inception-v3 accepts. */
export const INCEPTION_V3_MIN_SIZE = 75;

function then(x: Tensor, f: (x: Tensor) => Tensor): Tensor {
  const y = f(x);
  if (y !== x) x.dispose();
  return y;
}
function catDispose(xs: Tensor[]): Tensor {
  const out = cat(xs, 1);
  for (const t of xs) t.dispose();
  return out;
}

/** Truncated normal N(0, std²) restricted to ±2σ (resampling the values outside), in place. */
export function truncNormal_(t: Tensor, std: number): Tensor {
  noGrad(() => {
    t.normal_(0, std);
    for (let i = 0; i < 50; i++) {
      const done = tidy(() => {
        const bad = t.abs().gt(2 * std);
        if (bad.sum().item() === 0) return true;
        t.copy_(where(bad, randn(t.shape).mul(std), t));
        return false;
      });
      if (done) break;
    }
  });
  return t;
}

type Pair = number | [number, number];

/** torchvision's BasicConv2d: conv (no bias) → BatchNorm (eps 0.001) → ReLU. Keys `<name>.conv`, `<name>.bn`. */
export class BasicConv2d extends Module {
  readonly conv: Conv2d;
  readonly bn: BatchNorm2d;
  constructor(inC: number, outC: number, kernel: Pair, opts: { stride?: number; padding?: Pair } = {}) {
    super();
    const k: [number, number] = typeof kernel === 'number' ? [kernel, kernel] : kernel;
    this.conv = this.registerModule('conv', new Conv2d(inC, outC, k, { stride: opts.stride ?? 1, padding: opts.padding ?? 0, bias: false }));
    this.bn = this.registerModule('bn', new BatchNorm2d(outC, 0.001));
  }
  forward(x: Tensor): Tensor {
    return relu(then(this.conv.forward(x), (t) => this.bn.forward(t)), true);
  }
}

const avg3 = (x: Tensor): Tensor => avgPool2d(x, 3, { stride: 1, padding: 1 });
const max3s2 = (x: Tensor): Tensor => maxPool2d(x, 3, { stride: 2 });

/** Runs `convs` one after another on `x` (not disposing `x`). */
function chain(x: Tensor, ...convs: BasicConv2d[]): Tensor {
  let out = convs[0].forward(x);
  for (const c of convs.slice(1)) out = then(out, (t) => c.forward(t));
  return out;
}

abstract class Block extends Module {
  protected conv(name: string, inC: number, outC: number, kernel: Pair, opts: { stride?: number; padding?: Pair } = {}): BasicConv2d {
    return this.registerModule(name, new BasicConv2d(inC, outC, kernel, opts));
  }
}

export class InceptionA extends Block {
  readonly b1: BasicConv2d;
  readonly b5: BasicConv2d[];
  readonly b3: BasicConv2d[];
  readonly bp: BasicConv2d;
  constructor(inC: number, poolFeatures: number) {
    super();
    this.b1 = this.conv('branch1x1', inC, 64, 1);
    this.b5 = [this.conv('branch5x5_1', inC, 48, 1), this.conv('branch5x5_2', 48, 64, 5, { padding: 2 })];
    this.b3 = [this.conv('branch3x3dbl_1', inC, 64, 1), this.conv('branch3x3dbl_2', 64, 96, 3, { padding: 1 }), this.conv('branch3x3dbl_3', 96, 96, 3, { padding: 1 })];
    this.bp = this.conv('branch_pool', inC, poolFeatures, 1);
  }
  forward(x: Tensor): Tensor {
    return catDispose([this.b1.forward(x), chain(x, ...this.b5), chain(x, ...this.b3), then(avg3(x), (t) => this.bp.forward(t))]);
  }
}

export class InceptionB extends Block {
  readonly b3: BasicConv2d;
  readonly bd: BasicConv2d[];
  constructor(inC: number) {
    super();
    this.b3 = this.conv('branch3x3', inC, 384, 3, { stride: 2 });
    this.bd = [this.conv('branch3x3dbl_1', inC, 64, 1), this.conv('branch3x3dbl_2', 64, 96, 3, { padding: 1 }), this.conv('branch3x3dbl_3', 96, 96, 3, { stride: 2 })];
  }
  forward(x: Tensor): Tensor {
    return catDispose([this.b3.forward(x), chain(x, ...this.bd), max3s2(x)]);
  }
}

export class InceptionC extends Block {
  readonly b1: BasicConv2d;
  readonly b7: BasicConv2d[];
  readonly bd: BasicConv2d[];
  readonly bp: BasicConv2d;
  constructor(inC: number, c7: number) {
    super();
    this.b1 = this.conv('branch1x1', inC, 192, 1);
    this.b7 = [
      this.conv('branch7x7_1', inC, c7, 1),
      this.conv('branch7x7_2', c7, c7, [1, 7], { padding: [0, 3] }),
      this.conv('branch7x7_3', c7, 192, [7, 1], { padding: [3, 0] }),
    ];
    this.bd = [
      this.conv('branch7x7dbl_1', inC, c7, 1),
      this.conv('branch7x7dbl_2', c7, c7, [7, 1], { padding: [3, 0] }),
      this.conv('branch7x7dbl_3', c7, c7, [1, 7], { padding: [0, 3] }),
      this.conv('branch7x7dbl_4', c7, c7, [7, 1], { padding: [3, 0] }),
      this.conv('branch7x7dbl_5', c7, 192, [1, 7], { padding: [0, 3] }),
    ];
    this.bp = this.conv('branch_pool', inC, 192, 1);
  }
  forward(x: Tensor): Tensor {
    return catDispose([this.b1.forward(x), chain(x, ...this.b7), chain(x, ...this.bd), then(avg3(x), (t) => this.bp.forward(t))]);
  }
}

export class InceptionD extends Block {
  readonly b3: BasicConv2d[];
  readonly b7: BasicConv2d[];
  constructor(inC: number) {
    super();
    this.b3 = [this.conv('branch3x3_1', inC, 192, 1), this.conv('branch3x3_2', 192, 320, 3, { stride: 2 })];
    this.b7 = [
      this.conv('branch7x7x3_1', inC, 192, 1),
      this.conv('branch7x7x3_2', 192, 192, [1, 7], { padding: [0, 3] }),
      this.conv('branch7x7x3_3', 192, 192, [7, 1], { padding: [3, 0] }),
      this.conv('branch7x7x3_4', 192, 192, 3, { stride: 2 }),
    ];
  }
  forward(x: Tensor): Tensor {
    return catDispose([chain(x, ...this.b3), chain(x, ...this.b7), max3s2(x)]);
  }
}

export class InceptionE extends Block {
  readonly b1: BasicConv2d;
  readonly b3: BasicConv2d;
  readonly b3a: BasicConv2d;
  readonly b3b: BasicConv2d;
  readonly bd: BasicConv2d[];
  readonly bda: BasicConv2d;
  readonly bdb: BasicConv2d;
  readonly bp: BasicConv2d;
  constructor(inC: number) {
    super();
    this.b1 = this.conv('branch1x1', inC, 320, 1);
    this.b3 = this.conv('branch3x3_1', inC, 384, 1);
    this.b3a = this.conv('branch3x3_2a', 384, 384, [1, 3], { padding: [0, 1] });
    this.b3b = this.conv('branch3x3_2b', 384, 384, [3, 1], { padding: [1, 0] });
    this.bd = [this.conv('branch3x3dbl_1', inC, 448, 1), this.conv('branch3x3dbl_2', 448, 384, 3, { padding: 1 })];
    this.bda = this.conv('branch3x3dbl_3a', 384, 384, [1, 3], { padding: [0, 1] });
    this.bdb = this.conv('branch3x3dbl_3b', 384, 384, [3, 1], { padding: [1, 0] });
    this.bp = this.conv('branch_pool', inC, 192, 1);
  }
  forward(x: Tensor): Tensor {
    const split = (t: Tensor, a: BasicConv2d, b: BasicConv2d): Tensor => {
      const out = catDispose([a.forward(t), b.forward(t)]);
      t.dispose();
      return out;
    };
    return catDispose([
      this.b1.forward(x),
      split(this.b3.forward(x), this.b3a, this.b3b),
      split(chain(x, ...this.bd), this.bda, this.bdb),
      then(avg3(x), (t) => this.bp.forward(t)),
    ]);
  }
}

export interface InceptionV3Options {
  numClasses?: number;
  inChannels?: number;
  head?: HeadKind;
  dropoutP?: number;
  /** torchvision's transform_input (re-normalise ImageNet-normalised RGB to [-1, 1]); false as the seed (quirk 4). */
  transformInput?: boolean;
}

export class InceptionV3 extends Module {
  readonly stem: BasicConv2d[];
  readonly mixed: Module[];
  readonly classifier: Module;
  readonly headKind: HeadKind;
  readonly numFeatures = 2048;
  readonly transformInput: boolean;
  readonly dropoutP: number;
  constructor(opts: InceptionV3Options = {}) {
    super();
    const { numClasses = 28, inChannels = 3, head = 'fc', dropoutP = 0.5, transformInput = false } = opts;
    this.transformInput = transformInput;
    this.dropoutP = dropoutP;
    const c = (name: string, m: BasicConv2d): BasicConv2d => this.registerModule(name, m);
    this.stem = [
      c('Conv2d_1a_3x3', new BasicConv2d(inChannels, 32, 3, { stride: 2 })),
      c('Conv2d_2a_3x3', new BasicConv2d(32, 32, 3)),
      c('Conv2d_2b_3x3', new BasicConv2d(32, 64, 3, { padding: 1 })),
      c('Conv2d_3b_1x1', new BasicConv2d(64, 80, 1)),
      c('Conv2d_4a_3x3', new BasicConv2d(80, 192, 3)),
    ];
    const blocks: [string, Module][] = [
      ['Mixed_5b', new InceptionA(192, 32)],
      ['Mixed_5c', new InceptionA(256, 64)],
      ['Mixed_5d', new InceptionA(288, 64)],
      ['Mixed_6a', new InceptionB(288)],
      ['Mixed_6b', new InceptionC(768, 128)],
      ['Mixed_6c', new InceptionC(768, 160)],
      ['Mixed_6d', new InceptionC(768, 160)],
      ['Mixed_6e', new InceptionC(768, 192)],
      ['Mixed_7a', new InceptionD(768)],
      ['Mixed_7b', new InceptionE(1280)],
      ['Mixed_7c', new InceptionE(2048)],
    ];
    this.mixed = blocks.map(([n, m]) => this.registerModule(n, m));
    this.headKind = head;
    this.classifier =
      head === 'fc' ? this.registerModule('fc', new Linear(this.numFeatures, numClasses)) : this.registerModule('head', adaptiveHead(this.numFeatures, numClasses, dropoutP));
    for (const [, m] of this.namedModules()) {
      if (m instanceof Conv2d || m instanceof Linear) truncNormal_(m.weight, 0.1);
    }
  }

  /** torchvision's _transform_input for 3-channel input (only when `transformInput`). */
  private transform(x: Tensor): Tensor {
    const coef: [number, number][] = [
      [0.229 / 0.5, (0.485 - 0.5) / 0.5],
      [0.224 / 0.5, (0.456 - 0.5) / 0.5],
      [0.225 / 0.5, (0.406 - 0.5) / 0.5],
    ];
    const chans = coef.map(([a, b], i) => {
      const ch = x.narrow(1, i, 1);
      const scaled = ch.mul(a);
      ch.dispose();
      return then(scaled, (t) => t.add(b));
    });
    return catDispose(chans);
  }

  /** The body: (N, 2048, h, w) with h = w = 1 at 75²…, 8 at 299². */
  forwardFeatures(x: Tensor): Tensor {
    const [h, w] = x.shape.slice(2);
    if (h < INCEPTION_V3_MIN_SIZE || w < INCEPTION_V3_MIN_SIZE) {
      throw new ConfigError(`inceptionv3 needs images of at least ${INCEPTION_V3_MIN_SIZE}×${INCEPTION_V3_MIN_SIZE} pixels but received ${h}×${w}`);
    }
    let out = this.transformInput && x.shape[1] === 3 ? this.transform(x) : x;
    const own = (t: Tensor, f: (t: Tensor) => Tensor): Tensor => (t === x ? f(t) : then(t, f));
    out = own(out, (t) => this.stem[0].forward(t));
    out = then(out, (t) => this.stem[1].forward(t));
    out = then(out, (t) => this.stem[2].forward(t));
    out = then(out, max3s2);
    out = then(out, (t) => this.stem[3].forward(t));
    out = then(out, (t) => this.stem[4].forward(t));
    out = then(out, max3s2);
    for (const m of this.mixed) out = then(out, (t) => m.forward(t));
    return out;
  }

  forwardHead(features: Tensor): Tensor {
    if (this.headKind === 'adaptive') return this.classifier.forward(features);
    let out = adaptiveAvgPool2d(features, 1);
    out = then(out, (t) => dropout(t, this.dropoutP, this.training));
    out = then(out, (t) => t.flatten(1));
    return then(out, (t) => this.classifier.forward(t));
  }

  forward(x: Tensor): Tensor {
    return then(this.forwardFeatures(x), (f) => this.forwardHead(f));
  }
}

export const inceptionV3 = (o?: InceptionV3Options): InceptionV3 => new InceptionV3(o);
