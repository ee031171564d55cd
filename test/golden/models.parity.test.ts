/**
 * bninception, se_resnet50 and inceptionv3 against Python references on the same weights and input:
 * scripts/reference_models.py (written from Cadene's pretrainedmodels definitions) for bninception and
 * se_resnet50, torchvision's Inception3 for inceptionv3. Eval-mode logits for both heads, and for
 * bninception train-mode logits, gradients and BatchNorm running statistics (Cadene's momentum 0.9).
 * One Python process serves every case (torch's import dominates a small forward).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createModel } from '../../src/models/registry.js';
import { saveWeights, toStored } from '../../src/models/weights.js';
import { randn, rand, tidy, noGrad, manualSeed, F, type Tensor } from '../../src/tensor/index.js';
import { writeTorchFile, readTorchFile } from '../../src/io/torchZip.js';
import type { StoredTensor } from '../../src/io/StoredTensor.js';
import type { Module } from '../../src/nn/Module.js';
import type { HeadKind } from '../../src/models/heads.js';
import { REPO_ROOT, pythonSkip, runPython, tempDir } from '../helpers/env.js';

const skip = pythonSkip('torch', 'torchvision');

interface Case {
  name: string;
  arch: string;
  head: HeadKind;
  inC: number;
  size: number;
  train: boolean;
}
const CASES: Case[] = [
  { name: 'bni_adaptive', arch: 'bninception', head: 'adaptive', inC: 3, size: 64, train: false },
  { name: 'bni_fc_rgby', arch: 'bninception', head: 'fc', inC: 4, size: 64, train: false },
  { name: 'bni_train', arch: 'bninception', head: 'adaptive', inC: 3, size: 64, train: true },
  { name: 'se_adaptive', arch: 'se_resnet50', head: 'adaptive', inC: 3, size: 64, train: false },
  { name: 'se_fc_rgby', arch: 'se_resnet50', head: 'fc', inC: 4, size: 64, train: false },
  { name: 'iv3_adaptive', arch: 'inceptionv3', head: 'adaptive', inC: 3, size: 96, train: false },
  { name: 'iv3_fc_rgby', arch: 'inceptionv3', head: 'fc', inC: 4, size: 96, train: false },
];

const PY = String.raw`
import sys, json, torch
sys.path.insert(0, sys.argv[2])
import reference_models as R
torch.set_num_threads(1)
d = sys.argv[1]
cases = json.load(open(d + '/cases.json'))
inp = torch.load(d + '/inputs.pth')
out = {}
for c in cases:
    n = c['name']
    m = R.build(c['arch'], 28, c['inC'], c['head'], 0.0 if c['train'] else 0.5)
    m.load_state_dict(torch.load(d + '/' + n + '.pth'), strict=True)
    x = inp[n + '.x']
    if not c['train']:
        m.eval()
        with torch.no_grad():
            out[n + '.logits'] = m(x)
        continue
    m.train()
    logits = m(x)
    out[n + '.logits'] = logits.detach()
    torch.nn.functional.binary_cross_entropy_with_logits(logits, inp[n + '.y']).backward()
    for k, p in m.named_parameters():
        out[n + '.grad.' + k] = p.grad
    for k, b in m.state_dict().items():
        if 'running' in k:
            out[n + '.state.' + k] = b
torch.save(out, d + '/out.pth')
`;

const f32 = (s: StoredTensor | Tensor): Float32Array =>
  'data' in s ? new Float32Array(s.data.buffer.slice(s.data.byteOffset, s.data.byteOffset + s.data.byteLength)) : (s.toTypedArray() as Float32Array);
function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
const maxAbs = (a: Float32Array): number => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/** Non-trivial BatchNorm statistics and affine parameters, so that eval mode is really exercised. */
function perturbBatchNorm(model: Module): void {
  noGrad(() => {
    for (const [k, t] of model.stateDict()) {
      if (k.endsWith('running_mean')) t.uniform_(-0.1, 0.1);
      else if (k.endsWith('running_var')) t.uniform_(0.5, 1.5);
    }
  });
}

interface Prepared {
  models: Map<string, Module>;
  inputs: Map<string, Tensor>;
  ref: Map<string, StoredTensor>;
}
let prepared: Promise<Prepared> | undefined;
/** Builds every case's model, saves weights and inputs, runs Python once. */
function prepare(): Promise<Prepared> {
  prepared ??= (async () => {
    const { dir, cleanup } = tempDir();
    try {
      const models = new Map<string, Module>();
      const inputs = new Map<string, Tensor>();
      const records = new Map<string, StoredTensor>();
      for (const [i, c] of CASES.entries()) {
        manualSeed(100 + i);
        const m = createModel(c.arch, { head: c.head, inChannels: c.inC, dropoutP: c.train ? 0 : 0.5 });
        perturbBatchNorm(m);
        await saveWeights(m, join(dir, `${c.name}.pth`));
        const x = randn([2, c.inC, c.size, c.size]);
        const y = rand([2, 28]).gt(0.7).to('float32');
        inputs.set(`${c.name}.x`, x);
        inputs.set(`${c.name}.y`, y);
        records.set(`${c.name}.x`, toStored(x));
        records.set(`${c.name}.y`, toStored(y));
        models.set(c.name, m);
      }
      writeTorchFile(join(dir, 'inputs.pth'), records);
      const { writeFileSync } = await import('node:fs');
      writeFileSync(join(dir, 'cases.json'), JSON.stringify(CASES));
      runPython(PY, [dir, join(REPO_ROOT, 'scripts')]);
      return { models, inputs, ref: readTorchFile(join(dir, 'out.pth')) as Map<string, StoredTensor> };
    } finally {
      cleanup();
    }
  })();
  return prepared;
}

for (const c of CASES) {
  const what = c.train ? 'train-mode logits, gradients and running stats' : 'eval logits';
  test(`${c.arch} (${c.head} head, ${c.inC} channels, ${c.size}²) matches its Python reference: ${what}`, { skip }, async () => {
    const { models, inputs, ref } = await prepare();
    const model = models.get(c.name)!;
    const x = inputs.get(`${c.name}.x`)!;
    try {
      if (!c.train) {
        model.eval();
        const out = noGrad(() => tidy(() => model.forward(x)));
        assert.deepEqual(out.shape, [2, 28]);
        const d = maxAbsDiff(f32(out), f32(ref.get(`${c.name}.logits`)!));
        out.dispose();
        assert.ok(d <= 1e-4, `${c.name}: eval logits differ by ${d}`);
        return;
      }
      model.train();
      const y = inputs.get(`${c.name}.y`)!;
      const logits = tidy(() => {
        const out = model.forward(x);
        F.binaryCrossEntropyWithLogits(out, y).backward();
        return out;
      });
      const d = maxAbsDiff(f32(logits), f32(ref.get(`${c.name}.logits`)!));
      logits.dispose();
      assert.ok(d <= 1e-4, `${c.name}: train logits differ by ${d}`);
      let worst = 0;
      let worstKey = '';
      for (const [k, p] of model.namedParameters()) {
        const g = p.grad!;
        const r = f32(ref.get(`${c.name}.grad.${k}`)!);
        const rel = maxAbsDiff(f32(g), r) / (maxAbs(r) + 1e-12);
        g.dispose();
        if (rel > worst) [worst, worstKey] = [rel, k];
      }
      assert.ok(worst <= 1e-3, `${c.name}: gradient of ${worstKey} differs by ${worst} (relative to its largest value)`);
      for (const [k, t] of model.stateDict()) {
        if (!k.includes('running')) continue;
        const dd = maxAbsDiff(f32(t), f32(ref.get(`${c.name}.state.${k}`)!));
        assert.ok(dd <= 1e-4, `${c.name}: ${k} differs by ${dd}`);
      }
    } finally {
      model.dispose();
      for (const k of ['x', 'y']) inputs.get(`${c.name}.${k}`)!.dispose();
    }
  });
}
