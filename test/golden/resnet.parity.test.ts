/**
 * ResNet parity with torchvision (torch 1.13 via /usr/bin/python3): the same weights and input give the
 * same logits (eval and train mode), parameter gradients and BatchNorm running statistics.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createModel } from '../../src/models/registry.js';
import { saveWeights, fromStored, toStored } from '../../src/models/weights.js';
import { randn, rand, tidy, noGrad, manualSeed, F, type Tensor } from '../../src/tensor/index.js';
import { writeTorchFile, readTorchFile } from '../../src/io/weights/torchZip.js';
import type { StoredTensor } from '../../src/io/weights/StoredTensor.js';
import type { Module } from '../../src/nn/Module.js';
import { pythonSkip, runPython, tempDir } from '../helpers/env.js';

const skip = pythonSkip('torch', 'torchvision');

const PY = String.raw`
import sys, torch, torchvision
torch.set_num_threads(1)
d, name, head = sys.argv[1], sys.argv[2], sys.argv[3]
inp = torch.load(d + '/inputs.pth')
x, y = inp['x'], inp['y']

class AdaptiveConcatPool2d(torch.nn.Module):
    def forward(self, x):
        return torch.cat([torch.nn.functional.adaptive_max_pool2d(x, 1), torch.nn.functional.adaptive_avg_pool2d(x, 1)], 1)

class SeedHeadModel(torch.nn.Module):
    # torchvision body with the seed's head (seed-spec 6.1) under head.*
    def __init__(self, body, f):
        super().__init__()
        for n, m in list(body.named_children()):
            if n not in ('avgpool', 'fc'):
                setattr(self, n, m)
        self.head = torch.nn.Sequential(AdaptiveConcatPool2d(), torch.nn.Flatten(), torch.nn.BatchNorm1d(2 * f), torch.nn.Dropout(0.5),
            torch.nn.Linear(2 * f, f), torch.nn.ReLU(True), torch.nn.BatchNorm1d(f), torch.nn.Dropout(0.5), torch.nn.Linear(f, 28))
    def forward(self, x):
        for n in ('conv1', 'bn1', 'relu', 'maxpool', 'layer1', 'layer2', 'layer3', 'layer4'):
            x = getattr(self, n)(x)
        return self.head(x)

body = getattr(torchvision.models, name)(num_classes=28)
m = body if head == 'fc' else SeedHeadModel(body, 512 if name in ('resnet18', 'resnet34') else 2048)
m.load_state_dict(torch.load(d + '/weights.pth'), strict=True)
out = {}
m.eval()
with torch.no_grad():
    out['eval'] = m(x)
if head == 'fc':
    m.train()
    logits = m(x)
    out['train'] = logits.detach()
    torch.nn.functional.binary_cross_entropy_with_logits(logits, y).backward()
    for k, p in m.named_parameters():
        out['grad.' + k] = p.grad
    for k, b in m.state_dict().items():
        if 'running' in k or 'num_batches' in k:
            out['state.' + k] = b
torch.save(out, d + '/out.pth')
`;

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
function maxAbs(a: Float32Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}
const f32 = (s: StoredTensor | Tensor): Float32Array =>
  'data' in s ? new Float32Array(s.data.buffer.slice(s.data.byteOffset, s.data.byteOffset + s.data.byteLength)) : (s.toTypedArray() as Float32Array);

async function compare(model: Module, name: string, head: 'fc' | 'adaptive', size: number): Promise<void> {
  const { dir, cleanup } = tempDir();
  try {
    manualSeed(1);
    const x = randn([4, 3, size, size]);
    const y = rand([4, 28]).gt(0.7).to('float32');
    writeTorchFile(join(dir, 'inputs.pth'), new Map([['x', toStored(x)], ['y', toStored(y)]]));
    await saveWeights(model, join(dir, 'weights.pth'));
    runPython(PY, [dir, name, head]);
    const ref = readTorchFile(join(dir, 'out.pth')) as Map<string, StoredTensor>;

    model.eval();
    const evalOut = noGrad(() => tidy(() => model.forward(x)));
    const dEval = maxAbsDiff(f32(evalOut), f32(ref.get('eval')!));
    assert.ok(dEval <= 1e-4, `${name}/${head} eval logits differ by ${dEval}`);
    evalOut.dispose();
    if (head === 'adaptive') return;

    model.train();
    const logits = tidy(() => {
      const out = model.forward(x);
      F.binaryCrossEntropyWithLogits(out, y).backward();
      return out;
    });
    const dTrain = maxAbsDiff(f32(logits), f32(ref.get('train')!));
    assert.ok(dTrain <= 1e-4, `${name} train logits differ by ${dTrain}`);
    let worstGrad = 0;
    let worstKey = '';
    for (const [k, p] of model.namedParameters()) {
      const g = p.grad!;
      const r = f32(ref.get(`grad.${k}`)!);
      const rel = maxAbsDiff(f32(g), r) / (maxAbs(r) + 1e-12);
      g.dispose();
      if (rel > worstGrad) [worstGrad, worstKey] = [rel, k];
    }
    assert.ok(worstGrad <= 1e-4, `${name} gradient of ${worstKey} differs by ${worstGrad} (relative)`);
    for (const [k, t] of model.stateDict()) {
      if (!/running|num_batches/.test(k)) continue;
      const r = ref.get(`state.${k}`)!;
      if (t.dtype === 'int64') assert.deepEqual(t.toArray(), fromStored(r).toArray(), k);
      else assert.ok(maxAbsDiff(f32(t), f32(r)) <= 1e-6, `${name} ${k} differs`);
    }
    logits.dispose();
  } finally {
    cleanup();
  }
}

for (const name of ['resnet18', 'resnet34', 'resnet50', 'resnet101', 'resnet152']) {
  test(`${name} matches torchvision: logits (eval, train), gradients, BatchNorm running stats`, { skip }, async () => {
    manualSeed(0);
    const model = createModel(name, { numClasses: 28 });
    // Non-trivial BatchNorm statistics so that eval mode is really checked.
    noGrad(() => {
      for (const [k, t] of model.stateDict()) {
        if (k.endsWith('running_mean')) t.uniform_(-0.1, 0.1);
        if (k.endsWith('running_var')) t.uniform_(0.5, 1.5);
        if (k.endsWith('bn2.weight') || k.endsWith('bn3.weight')) t.uniform_(0.5, 1.5);
      }
    });
    await compare(model, name, 'fc', name === 'resnet152' || name === 'resnet101' ? 32 : 64);
    model.dispose();
  });
}

test('resnet34 with the seed adaptive head matches the Python seed head (eval)', { skip }, async () => {
  manualSeed(0);
  const model = createModel('resnet34', { head: 'adaptive', dropoutP: 0.5 });
  await compare(model, 'resnet34', 'adaptive', 64);
  model.dispose();
});
