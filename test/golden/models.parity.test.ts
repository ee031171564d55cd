/**
 * bninception, se_resnet50, se_resnext50_32x4d, densenet121/169 and inceptionv3 against Python references on
 * the same weights and input: scripts/reference_models.py (written from Cadene's pretrainedmodels definitions)
 * for bninception and the SE nets, torchvision's own DenseNet and Inception3. Eval-mode logits for both heads,
 * and for bninception, se_resnext50_32x4d and densenet121 train-mode logits, gradients and BatchNorm running
 * statistics.
 * One Python process serves every case (torch's import dominates a small forward): it builds each reference
 * model with random weights and BatchNorm statistics calibrated to unit-scale activations, saves the state
 * dict, input and outputs; hpaic loads the state dict strictly into its own model and must agree.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createModel } from '../../src/models/registry.js';
import { loadWeights, fromStored } from '../../src/models/weights.js';
import { writeFileSync } from 'node:fs';
import { tidy, noGrad, F, type Tensor } from '../../src/tensor/index.js';
import { readTorchFile } from '../../src/io/weights/torchZip.js';
import type { StoredTensor } from '../../src/io/weights/StoredTensor.js';
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
  { name: 'sx_adaptive', arch: 'se_resnext50_32x4d', head: 'adaptive', inC: 3, size: 64, train: false },
  { name: 'sx_fc_rgby', arch: 'se_resnext50_32x4d', head: 'fc', inC: 4, size: 64, train: false },
  { name: 'sx_train', arch: 'se_resnext50_32x4d', head: 'adaptive', inC: 4, size: 64, train: true },
  { name: 'dn121_fc', arch: 'densenet121', head: 'fc', inC: 3, size: 64, train: false },
  { name: 'dn121_adaptive_rgby', arch: 'densenet121', head: 'adaptive', inC: 4, size: 64, train: false },
  { name: 'dn121_train', arch: 'densenet121', head: 'fc', inC: 4, size: 64, train: true },
  { name: 'dn169_fc_rgby', arch: 'densenet169', head: 'fc', inC: 4, size: 64, train: false },
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
out = {}
for i, c in enumerate(cases):
    n = c['name']
    torch.manual_seed(100 + i)
    m = R.build(c['arch'], 28, c['inC'], c['head'], 0.0 if c['train'] else 0.5)
    R.calibrate_bn(m, torch.randn(4, c['inC'], c['size'], c['size']), seed=i)
    torch.save(m.state_dict(), d + '/' + n + '.pth')
    x = torch.randn(2, c['inC'], c['size'], c['size'])
    y = (torch.rand(2, 28) > 0.7).float()
    out[n + '.x'] = x
    out[n + '.y'] = y
    if not c['train']:
        m.eval()
        with torch.no_grad():
            out[n + '.logits'] = m(x)
        continue
    m.train()
    logits = m(x)
    out[n + '.logits'] = logits.detach()
    torch.nn.functional.binary_cross_entropy_with_logits(logits, y).backward()
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

interface Prepared {
  dir: string;
  ref: Map<string, StoredTensor>;
}
let prepared: Prepared | undefined;
/** Runs Python once: it builds every case's reference model (BatchNorm statistics calibrated to unit scale), saves its weights, input and outputs. */
function prepare(): Prepared {
  if (!prepared) {
    const { dir, cleanup } = tempDir();
    process.on('exit', cleanup);
    writeFileSync(join(dir, 'cases.json'), JSON.stringify(CASES));
    runPython(PY, [dir, join(REPO_ROOT, 'scripts')]);
    prepared = { dir, ref: readTorchFile(join(dir, 'out.pth')) as Map<string, StoredTensor> };
  }
  return prepared;
}

for (const c of CASES) {
  const what = c.train ? 'train-mode logits, gradients and running stats' : 'eval logits';
  test(`${c.arch} (${c.head} head, ${c.inC} channels, ${c.size}²) matches its Python reference: ${what}`, { skip }, async (t) => {
    const { dir, ref } = prepare();
    const model = createModel(c.arch, { head: c.head, inChannels: c.inC, dropoutP: c.train ? 0 : 0.5 });
    await loadWeights(model, join(dir, `${c.name}.pth`), { strict: true });
    const x = fromStored(ref.get(`${c.name}.x`)!);
    const y = fromStored(ref.get(`${c.name}.y`)!);
    try {
      if (!c.train) {
        model.eval();
        const out = noGrad(() => tidy(() => model.forward(x)));
        assert.deepEqual(out.shape, [2, 28]);
        const want = f32(ref.get(`${c.name}.logits`)!);
        const d = maxAbsDiff(f32(out), want);
        out.dispose();
        t.diagnostic(`max |logit difference| ${d.toExponential(2)}, largest |logit| ${maxAbs(want).toFixed(3)}`);
        assert.ok(d <= 1e-4 * Math.max(1, maxAbs(want)), `${c.name}: eval logits differ by ${d}`);
        return;
      }
      model.train();
      const logits = tidy(() => {
        const out = model.forward(x);
        F.binaryCrossEntropyWithLogits(out, y).backward();
        return out;
      });
      const want = f32(ref.get(`${c.name}.logits`)!);
      const d = maxAbsDiff(f32(logits), want);
      logits.dispose();
      t.diagnostic(`max |logit difference| ${d.toExponential(2)}, largest |logit| ${maxAbs(want).toFixed(3)}`);
      assert.ok(d <= 1e-4 * Math.max(1, maxAbs(want)), `${c.name}: train logits differ by ${d}`);
      let worst = 0;
      let worstKey = '';
      for (const [k, p] of model.namedParameters()) {
        const g = p.grad!;
        const r = f32(ref.get(`${c.name}.grad.${k}`)!);
        const rel = maxAbsDiff(f32(g), r) / (maxAbs(r) + 1e-12);
        g.dispose();
        if (rel > worst) [worst, worstKey] = [rel, k];
      }
      t.diagnostic(`worst relative gradient difference ${worst.toExponential(2)} (${worstKey})`);
      assert.ok(worst <= 1e-3, `${c.name}: gradient of ${worstKey} differs by ${worst} (relative to its largest value)`);
      for (const [k, v] of model.stateDict()) {
        if (!k.includes('running')) continue;
        const dd = maxAbsDiff(f32(v), f32(ref.get(`${c.name}.state.${k}`)!));
        assert.ok(dd <= 1e-4, `${c.name}: ${k} differs by ${dd}`);
      }
    } finally {
      model.dispose();
      x.dispose();
      y.dispose();
    }
  });
}
