import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sequential, Conv2d, BatchNorm2d, ReLU, AdaptiveAvgPool2d, Flatten, Linear } from '../../src/nn/index.js';
import { Adam, SGD } from '../../src/optim/index.js';
import { randn, rand, tensor, liveTensors, tidy, noGrad, manualSeed, F } from '../../src/tensor/index.js';
import { DisposedTensorError, NativeError } from '../../src/errors.js';

function tinyNet(): Sequential {
  return new Sequential(new Conv2d(3, 8, 3, { padding: 1 }), new BatchNorm2d(8), new ReLU(true), new AdaptiveAvgPool2d(1), new Flatten(), new Linear(8, 28));
}

for (const [name, makeOpt] of [
  ['Adam', (p: ReturnType<Sequential['parameters']>) => new Adam(p, { lr: 1e-3, weightDecay: 1e-4 })],
  ['SGD', (p: ReturnType<Sequential['parameters']>) => new SGD(p, { lr: 0.01, momentum: 0.9, weightDecay: 1e-4 })],
] as const) {
  test(`a 1000-step ${name} training loop keeps the live-tensor count flat`, () => {
    manualSeed(0);
    const model = tinyNet();
    const opt = makeOpt(model.parameters());
    const x = randn([4, 3, 16, 16]);
    const y = rand([4, 28]).gt(0.8).to('float32');
    const step = (): number =>
      tidy(() => {
        opt.zeroGrad();
        const loss = F.binaryCrossEntropyWithLogits(model.forward(x), y);
        loss.backward();
        opt.step();
        return loss.item();
      });
    for (let i = 0; i < 10; i++) step(); // optimizer state is created in the first step
    const baseline = liveTensors();
    let first = 0;
    let last = 0;
    for (let i = 0; i < 1000; i++) {
      last = step();
      if (i === 0) first = last;
    }
    assert.equal(liveTensors(), baseline, 'live tensors grew during training');
    assert.ok(last < first, `loss should fall on a fixed batch (${first} -> ${last})`);
    opt.dispose();
    model.dispose();
    x.dispose();
    y.dispose();
  });
}

test('tidy keeps returned tensors and frees the rest; noGrad disables autograd', () => {
  const before = liveTensors();
  const kept = tidy(() => {
    const a = randn([3, 3]);
    const b = a.mul(2);
    return { out: b.add(1), n: 3 };
  });
  assert.equal(liveTensors(), before + 1);
  const w = randn([3], { requiresGrad: true });
  const r = noGrad(() => w.mul(2));
  assert.equal(r.requiresGrad, false);
  kept.out.dispose();
  w.dispose();
  r.dispose();
  assert.equal(liveTensors(), before);
});

test('a disposed tensor cannot be used, and libtorch errors name the op and shapes', () => {
  const a = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
  assert.throws(() => a.matmul(a), (e: unknown) => e instanceof NativeError && /^matmul\(float32\[2,3\]@cpu, float32\[2,3\]@cpu\): mat1 and mat2 shapes cannot be multiplied/.test((e as Error).message));
  a.dispose();
  assert.throws(() => a.add(1), DisposedTensorError);
  assert.doesNotThrow(() => a.dispose());
});

test('typed arrays round-trip for every host dtype', () => {
  const cases: [ArrayBufferView, string][] = [
    [new Float32Array([1.5, -2]), 'float32'],
    [new Float64Array([1e-300, 3]), 'float64'],
    [new BigInt64Array([1n, -(2n ** 40n)]), 'int64'],
    [new Uint8Array([0, 255]), 'uint8'],
  ];
  for (const [data, dtype] of cases) {
    const t = tensor(data);
    assert.equal(t.dtype, dtype);
    assert.deepEqual(t.toTypedArray(), data);
    t.dispose();
  }
  const b = tensor([1, 0, 1], [3], { dtype: 'bool' });
  assert.equal(b.dtype, 'bool');
  assert.deepEqual(Array.from(b.toTypedArray() as Uint8Array), [1, 0, 1]);
  const h = tensor([0.5, 2], [2]).to('float16');
  assert.equal(h.dtype, 'float16');
  assert.deepEqual(h.to('float32').toArray(), [0.5, 2]);
});

test('resident memory stays flat over ResNet18 + Adam training steps (no native heap growth)', async () => {
  const { createModel } = await import('../../src/models/registry.js');
  manualSeed(0);
  const model = createModel('resnet18', { head: 'adaptive' });
  const opt = new Adam(model.parameters(), { lr: 1e-3 });
  const x = randn([8, 3, 32, 32]);
  const y = rand([8, 28]).gt(0.8).to('float32');
  const step = (): void =>
    tidy(() => {
      opt.zeroGrad();
      F.binaryCrossEntropyWithLogits(model.forward(x), y).backward();
      opt.step();
    });
  for (let i = 0; i < 10; i++) step();
  const before = process.memoryUsage().rss;
  for (let i = 0; i < 40; i++) step();
  const grown = (process.memoryUsage().rss - before) / 1e6;
  // A heap that pins freed tensors grows by about the parameter size (47 MB) per step: ~1.9 GB here.
  assert.ok(grown < 200, `RSS grew by ${grown.toFixed(0)} MB over 40 steps`);
  opt.dispose();
  model.dispose();
});

test('tensors can be made from views on a SharedArrayBuffer (loader worker buffers)', () => {
  const shared = new Float32Array(new SharedArrayBuffer(4 * 6));
  shared.set([1, 2, 3, 4, 5, 6]);
  const t = tensor(shared.subarray(2), [2, 2]);
  assert.deepEqual(t.toArray(), [3, 4, 5, 6]);
  t.dispose();
});
