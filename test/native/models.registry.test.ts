/**
 * Every registered model, both heads where they differ, RGBY input: [B, 28] logits without NaN, a gradient
 * for every parameter after backward, and the live-tensor count back to its baseline once the model is freed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModel, listModels } from '../../src/models/registry.js';
import { liveTensors, manualSeed, rand, randn, tidy, F } from '../../src/tensor/index.js';

const SIZE: Record<string, number> = { inceptionv3: 80 };

for (const name of listModels()) {
  test(`${name}: adaptive head, 4 channels, train step gives [2, 28] finite logits, all gradients, no leak`, () => {
    manualSeed(0);
    const baseline = liveTensors();
    const model = createModel(name.toUpperCase(), { inChannels: 4, head: 'adaptive', dropoutP: 0.5 }).train();
    const s = SIZE[name] ?? 64;
    const x = randn([2, 4, s, s]);
    const y = tidy(() => rand([2, 28]).gt(0.7).to('float32'));
    const logits = tidy(() => {
      const out = model.forward(x);
      F.binaryCrossEntropyWithLogits(out, y).backward();
      return out;
    });
    assert.deepEqual(logits.shape, [2, 28]);
    assert.ok(Array.from(logits.toTypedArray()).every(Number.isFinite), 'logits contain NaN or Inf');
    for (const [k, p] of model.namedParameters()) {
      const g = p.grad;
      assert.ok(g, `${k} has no gradient`);
      g.dispose();
    }
    for (const t of [logits, x, y]) t.dispose();
    model.dispose();
    assert.equal(liveTensors(), baseline, 'live tensors after disposing the model');
  });
}

test('head "fc" keeps the original classifier names (last_linear for Cadene models, fc for inceptionv3)', () => {
  for (const [name, key] of [['bninception', 'last_linear.weight'], ['se_resnet50', 'last_linear.weight'], ['inceptionv3', 'fc.weight']] as const) {
    const model = createModel(name, { head: 'fc', numClasses: 5 });
    const sd = model.stateDict();
    assert.deepEqual(sd.get(key)?.shape.slice(0, 1), [5], `${name} ${key}`);
    assert.ok(![...sd.keys()].some((k) => k.startsWith('AuxLogits.')), 'no AuxLogits (aux_logits false, as the seed)');
    if (name === 'inceptionv3') {
      // The seed's init: truncated normal, sigma 0.1, cut at 2 sigma (std of the truncated law 0.088).
      const w = Array.from(sd.get('Mixed_7c.branch3x3dbl_1.conv.weight')!.toTypedArray());
      assert.ok(w.every((v) => Math.abs(v) <= 0.2), 'truncated at 2 sigma');
      const sd2 = Math.sqrt(w.reduce((a, v) => a + v * v, 0) / w.length);
      assert.ok(Math.abs(sd2 - 0.088) < 0.003, `std ${sd2}`);
    }
    model.dispose();
  }
});

test('inceptionv3 refuses inputs smaller than 75×75 with a clear message', () => {
  const model = createModel('inceptionv3', { head: 'adaptive' }).eval();
  const x = randn([1, 3, 64, 64]);
  assert.throws(() => model.forward(x), /at least 75×75 pixels but received 64×64/);
  x.dispose();
  model.dispose();
});
