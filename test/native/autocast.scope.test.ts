/**
 * autocast(fn) scopes: which dtype libtorch's ops produce inside and outside, nesting, restoring the state
 * after an exception, the CUDA state (set and restored on a CPU build too: it is thread-local state that
 * only CUDA tensors consult), refusals, gradients that stay fp32 and a loop that does not leak.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { autocast, autocastDtype, isAutocastEnabled, randn, rand, tidy, liveTensors, manualSeed, F, type Tensor } from '../../src/tensor/index.js';
import { Conv2d, Linear, Sequential, BatchNorm2d, ReLU, AdaptiveAvgPool2d, Flatten } from '../../src/nn/index.js';
import { loadAddon } from '../../src/native/loadAddon.js';

function convDtype(conv: Conv2d, x: Tensor): string {
  return tidy(() => conv.forward(x).dtype);
}

test('inside autocast a convolution runs in bfloat16, outside in float32; BCE-with-logits is forced to fp32', () => {
  manualSeed(0);
  const conv = new Conv2d(3, 4, 3);
  const x = randn([2, 3, 8, 8]);
  assert.equal(convDtype(conv, x), 'float32');
  const inside = autocast(() => {
    assert.equal(isAutocastEnabled('cpu'), true);
    assert.equal(autocastDtype('cpu'), 'bfloat16');
    return tidy(() => {
      const y = conv.forward(x);
      const logits = y.mean([2, 3]);
      const loss = F.binaryCrossEntropyWithLogits(logits, rand([2, 4]).gt(0.5).to('float32'));
      return { conv: y.dtype, logits: logits.dtype, loss: loss.dtype };
    });
  });
  assert.deepEqual(inside, { conv: 'bfloat16', logits: 'bfloat16', loss: 'float32' });
  assert.equal(isAutocastEnabled('cpu'), false);
  assert.equal(convDtype(conv, x), 'float32');
  conv.dispose();
  x.dispose();
});

test('scopes nest: an inner enabled:false scope runs fp32 and the outer state comes back after it', () => {
  const conv = new Conv2d(3, 4, 3);
  const x = randn([1, 3, 6, 6]);
  const seen = autocast(() => {
    const outer1 = convDtype(conv, x);
    const inner = autocast(() => convDtype(conv, x), { enabled: false });
    const nested = autocast(() => convDtype(conv, x));
    const outer2 = convDtype(conv, x);
    return [outer1, inner, nested, outer2];
  });
  assert.deepEqual(seen, ['bfloat16', 'float32', 'bfloat16', 'bfloat16']);
  assert.equal(isAutocastEnabled('cpu'), false);
  conv.dispose();
  x.dispose();
});

test('an exception inside the scope restores the state and the nesting count', () => {
  assert.throws(
    () =>
      autocast(() => {
        autocast(() => {
          throw new Error('boom');
        });
      }),
    /boom/,
  );
  assert.equal(isAutocastEnabled('cpu'), false);
  // Balanced: the next increment is the first level again.
  const a = loadAddon();
  assert.equal(a.autocastIncrementNesting(), 1);
  assert.equal(a.autocastDecrementNesting(), 0);
  assert.throws(() => autocast(() => Promise.resolve(1) as unknown as number), /must be synchronous/);
  assert.equal(isAutocastEnabled('cpu'), false);
});

test('CUDA autocast state: float16 by default, restored on exit, and CPU tensors are not affected by it', () => {
  const conv = new Conv2d(3, 4, 3);
  const x = randn([1, 3, 6, 6]);
  assert.equal(isAutocastEnabled('cuda'), false);
  const r = autocast(
    () => ({ on: isAutocastEnabled('cuda:0'), dtype: autocastDtype('cuda'), cpuOn: isAutocastEnabled('cpu'), conv: convDtype(conv, x) }),
    { device: 'cuda:0' },
  );
  assert.deepEqual(r, { on: true, dtype: 'float16', cpuOn: false, conv: 'float32' });
  assert.equal(autocast(() => autocastDtype('cuda'), { device: 'cuda', dtype: 'bfloat16' }), 'bfloat16');
  assert.equal(isAutocastEnabled('cuda'), false);
  assert.equal(autocastDtype('cuda'), 'float16');
  conv.dispose();
  x.dispose();
});

test('refusals name the problem: float16 on the CPU, unknown devices and dtypes', () => {
  assert.throws(() => autocast(() => 0, { device: 'cpu', dtype: 'float16' }), /float16 is CUDA-only/);
  assert.throws(() => autocast(() => 0, { device: 'mps' }), /device must be "cpu" or "cuda\[:N\]" but received "mps"/);
  assert.throws(() => autocast(() => 0, { dtype: 'float64' as never }), /dtype must be "bfloat16" or "float16" but received "float64"/);
  assert.equal(isAutocastEnabled('cpu'), false);
});

test('parameters and their gradients stay fp32; 300 autocast training steps keep the live-tensor count flat', () => {
  manualSeed(0);
  const model = new Sequential(new Conv2d(3, 8, 3, { padding: 1 }), new BatchNorm2d(8), new ReLU(true), new AdaptiveAvgPool2d(1), new Flatten(), new Linear(8, 5));
  const x = randn([4, 3, 12, 12]);
  const y = rand([4, 5]).gt(0.5).to('float32');
  const step = (): void =>
    tidy(() => {
      for (const p of model.parameters()) p.clearGrad();
      const logits = autocast(() => model.forward(x));
      assert.equal(logits.dtype, 'bfloat16');
      F.binaryCrossEntropyWithLogits(logits, y).backward();
    });
  step();
  for (const [k, p] of model.namedParameters()) {
    assert.equal(p.dtype, 'float32', k);
    assert.equal(p.grad!.dtype, 'float32', `${k}.grad`);
  }
  for (const [k, b] of model.stateDict()) if (k.includes('running')) assert.equal(b.dtype, 'float32', k);
  const baseline = liveTensors();
  const rss0 = process.memoryUsage().rss;
  for (let i = 0; i < 300; i++) step();
  assert.equal(liveTensors(), baseline);
  const grownMb = (process.memoryUsage().rss - rss0) / 2 ** 20;
  assert.ok(grownMb < 50, `RSS grew ${grownMb.toFixed(1)} MB over 300 autocast steps`);
  model.dispose();
  x.dispose();
  y.dispose();
});
