/**
 * BN-Inception (Ioffe & Szegedy, "Batch Normalization: Accelerating Deep Network Training by Reducing
 * Internal Covariate Shift", 2015, arXiv:1502.03167) in the layout of Cadene's `pretrainedmodels`
 * BNInception, with its flat module names (conv1_7x7_s2, conv1_7x7_s2_bn, inception_3a_1x1, …,
 * inception_5b_pool_proj_bn, last_linear) so `bn_inception-52deb4733.pth` loads 1:1.
 *
 * Cadene's BatchNorm2d layers use eps 1e-5 and momentum 0.9 (PyTorch convention: running stats move 90 %
 * towards each batch), kept here. Every convolution has a bias. Each conv → BN is followed by an in-place
 * ReLU, so the branch outputs that are concatenated are the rectified ones, as in the published forward.
 *
 * Heads: 'adaptive' is the seed's (seed-spec §6.2): `global_pool` becomes the concat pool (max, avg → 2048),
 * then flatten, then `last_linear` = Sequential(BN1d(2048), Dropout, Linear(2048→1024), ReLU, BN1d(1024),
 * Dropout, Linear(1024→classes)): keys last_linear.0/2/4/6.*. 'fc' is Cadene's classifier: global average
 * pool (adaptive, so not only 224² input), then `last_linear` = Linear(1024→classes).
 */
import { Module } from '../nn/Module.js';
import { Conv2d } from '../nn/Conv2d.js';
import { BatchNorm1d, BatchNorm2d } from '../nn/BatchNorm.js';
import { Linear } from '../nn/Linear.js';
import { Sequential } from '../nn/Sequential.js';
import { AdaptiveConcatPool2d, Dropout, ReLU } from '../nn/layers.js';
import type { Tensor } from '../tensor/Tensor.js';
import { cat } from '../tensor/creation.js';
import { adaptiveAvgPool2d, avgPool2d, maxPool2d, relu } from '../tensor/functional.js';
import type { HeadKind } from './heads.js';

/** Cadene's BatchNorm settings for BNInception. */
export const BNINCEPTION_BN_EPS = 1e-5;
export const BNINCEPTION_BN_MOMENTUM = 0.9;

/**
 * One inception module: output channels of each branch (`null` = the branch is absent) and the pool kind.
 * `stride2` modules (3c, 4e) have no 1×1 branch and no pool projection: they max-pool their input with stride 2.
 */
interface InceptionSpec {
  name: string;
  inC: number;
  c1x1: number | null;
  c3x3Reduce: number;
  c3x3: number;
  cDoubleReduce: number;
  cDouble: number;
  pool: 'avg' | 'max' | 'max-s2';
  poolProj: number | null;
}

/** The ten inception modules of the published network, in order. */
const MODULES: InceptionSpec[] = [
  { name: '3a', inC: 192, c1x1: 64, c3x3Reduce: 64, c3x3: 64, cDoubleReduce: 64, cDouble: 96, pool: 'avg', poolProj: 32 },
  { name: '3b', inC: 256, c1x1: 64, c3x3Reduce: 64, c3x3: 96, cDoubleReduce: 64, cDouble: 96, pool: 'avg', poolProj: 64 },
  { name: '3c', inC: 320, c1x1: null, c3x3Reduce: 128, c3x3: 160, cDoubleReduce: 64, cDouble: 96, pool: 'max-s2', poolProj: null },
  { name: '4a', inC: 576, c1x1: 224, c3x3Reduce: 64, c3x3: 96, cDoubleReduce: 96, cDouble: 128, pool: 'avg', poolProj: 128 },
  { name: '4b', inC: 576, c1x1: 192, c3x3Reduce: 96, c3x3: 128, cDoubleReduce: 96, cDouble: 128, pool: 'avg', poolProj: 128 },
  { name: '4c', inC: 576, c1x1: 160, c3x3Reduce: 128, c3x3: 160, cDoubleReduce: 128, cDouble: 160, pool: 'avg', poolProj: 128 },
  { name: '4d', inC: 608, c1x1: 96, c3x3Reduce: 128, c3x3: 192, cDoubleReduce: 160, cDouble: 192, pool: 'avg', poolProj: 128 },
  { name: '4e', inC: 608, c1x1: null, c3x3Reduce: 128, c3x3: 192, cDoubleReduce: 192, cDouble: 256, pool: 'max-s2', poolProj: null },
  { name: '5a', inC: 1056, c1x1: 352, c3x3Reduce: 192, c3x3: 320, cDoubleReduce: 160, cDouble: 224, pool: 'avg', poolProj: 128 },
  { name: '5b', inC: 1024, c1x1: 352, c3x3Reduce: 192, c3x3: 320, cDoubleReduce: 192, cDouble: 224, pool: 'max', poolProj: 128 },
];

export interface BNInceptionOptions {
  numClasses?: number;
  inChannels?: number;
  head?: HeadKind;
  dropoutP?: number;
}

/** Runs `f(x)` and disposes `x` (an intermediate the caller owns). */
function then(x: Tensor, f: (x: Tensor) => Tensor): Tensor {
  const y = f(x);
  if (y !== x) x.dispose();
  return y;
}

export class BNInception extends Module {
  readonly headKind: HeadKind;
  /** Channels of the last feature map. */
  readonly numFeatures = 1024;
  readonly lastLinear: Module;
  readonly #units = new Map<string, [Conv2d, BatchNorm2d]>();

  constructor(opts: BNInceptionOptions = {}) {
    super();
    const { numClasses = 28, inChannels = 3, head = 'fc', dropoutP = 0.5 } = opts;
    this.unit('conv1_7x7_s2', inChannels, 64, 7, 2, 3);
    this.unit('conv2_3x3_reduce', 64, 64, 1);
    this.unit('conv2_3x3', 64, 192, 3, 1, 1);
    for (const m of MODULES) {
      const p = `inception_${m.name}`;
      const s = m.pool === 'max-s2' ? 2 : 1;
      if (m.c1x1 !== null) this.unit(`${p}_1x1`, m.inC, m.c1x1, 1);
      this.unit(`${p}_3x3_reduce`, m.inC, m.c3x3Reduce, 1);
      this.unit(`${p}_3x3`, m.c3x3Reduce, m.c3x3, 3, s, 1);
      this.unit(`${p}_double_3x3_reduce`, m.inC, m.cDoubleReduce, 1);
      this.unit(`${p}_double_3x3_1`, m.cDoubleReduce, m.cDouble, 3, 1, 1);
      this.unit(`${p}_double_3x3_2`, m.cDouble, m.cDouble, 3, s, 1);
      if (m.poolProj !== null) this.unit(`${p}_pool_proj`, m.inC, m.poolProj, 1);
    }
    this.headKind = head;
    this.lastLinear =
      head === 'fc'
        ? this.registerModule('last_linear', new Linear(this.numFeatures, numClasses))
        : this.registerModule(
            'last_linear',
            new Sequential(
              new BatchNorm1d(2 * this.numFeatures),
              new Dropout(dropoutP),
              new Linear(2 * this.numFeatures, this.numFeatures),
              new ReLU(true),
              new BatchNorm1d(this.numFeatures),
              new Dropout(dropoutP),
              new Linear(this.numFeatures, numClasses),
            ),
          );
  }

  private unit(name: string, inC: number, outC: number, k: number, stride = 1, padding = 0): void {
    const conv = this.registerModule(name, new Conv2d(inC, outC, k, { stride, padding, bias: true }));
    const bn = this.registerModule(`${name}_bn`, new BatchNorm2d(outC, BNINCEPTION_BN_EPS, BNINCEPTION_BN_MOMENTUM));
    this.#units.set(name, [conv, bn]);
  }

  /** conv → BN → ReLU (in place) of the unit `name`; does not dispose `x`. */
  private run(name: string, x: Tensor): Tensor {
    const [conv, bn] = this.#units.get(name)!;
    const y = conv.forward(x);
    return relu(then(y, (t) => bn.forward(t)), true);
  }

  private inception(m: InceptionSpec, x: Tensor): Tensor {
    const p = `inception_${m.name}`;
    const s = m.pool === 'max-s2' ? 2 : 1;
    const outs: Tensor[] = [];
    if (m.c1x1 !== null) outs.push(this.run(`${p}_1x1`, x));
    outs.push(then(this.run(`${p}_3x3_reduce`, x), (t) => this.run(`${p}_3x3`, t)));
    let d = this.run(`${p}_double_3x3_reduce`, x);
    d = then(d, (t) => this.run(`${p}_double_3x3_1`, t));
    outs.push(then(d, (t) => this.run(`${p}_double_3x3_2`, t)));
    if (m.pool === 'avg') {
      const pooled = avgPool2d(x, 3, { stride: 1, padding: 1, ceilMode: true, countIncludePad: true });
      outs.push(then(pooled, (t) => this.run(`${p}_pool_proj`, t)));
    } else if (m.pool === 'max') {
      const pooled = maxPool2d(x, 3, { stride: 1, padding: 1, ceilMode: true });
      outs.push(then(pooled, (t) => this.run(`${p}_pool_proj`, t)));
    } else {
      outs.push(maxPool2d(x, 3, { stride: s, ceilMode: true }));
    }
    const out = cat(outs, 1);
    for (const t of outs) t.dispose();
    return out;
  }

  /** The body: (N, 1024, H/32, W/32) (ceil-mode pools round up). */
  forwardFeatures(x: Tensor): Tensor {
    let out = this.run('conv1_7x7_s2', x);
    out = then(out, (t) => maxPool2d(t, 3, { stride: 2, ceilMode: true }));
    out = then(out, (t) => this.run('conv2_3x3_reduce', t));
    out = then(out, (t) => this.run('conv2_3x3', t));
    out = then(out, (t) => maxPool2d(t, 3, { stride: 2, ceilMode: true }));
    for (const m of MODULES) out = then(out, (t) => this.inception(m, t));
    return out;
  }

  /** `logits` of the published model: global pool, flatten, last_linear. */
  forwardHead(features: Tensor): Tensor {
    const pooled = this.headKind === 'fc' ? adaptiveAvgPool2d(features, 1) : new AdaptiveConcatPool2d().forward(features);
    const flat = then(pooled, (t) => t.flatten(1));
    return then(flat, (t) => this.lastLinear.forward(t));
  }

  forward(x: Tensor): Tensor {
    return then(this.forwardFeatures(x), (f) => this.forwardHead(f));
  }
}

export const bninception = (o?: BNInceptionOptions): BNInception => new BNInception(o);
