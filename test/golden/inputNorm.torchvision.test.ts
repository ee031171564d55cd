/**
 * `model.input_norm` against the reference: torchvision's Normalize for ImageNet-style weights, and for BGR 0–255
 * weights (bninception) the Cadene convention written in PyTorch; plus the config rules.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inputNormFor, normalizeInput } from '../../src/models/inputNorm.js';
import { parseConfig } from '../../src/config/loadConfig.js';
import { tensor, tidy } from '../../src/tensor/index.js';
import { ConfigError } from '../../src/errors.js';
import { pythonSkip, runPython } from '../helpers/env.js';

const SHAPE = [2, 4, 5, 6];
const x = Float32Array.from({ length: 2 * 4 * 5 * 6 }, (_, i) => ((i * 37) % 256) / 255);
const cfg = (model: Record<string, unknown>, filters = 'rgby') => parseConfig({ name: 'n', dataset: { root_dir: 'd', filters }, model });

const PY = String.raw`
import sys, json, torch
from torchvision import transforms
d = json.loads(sys.stdin.read())
x = torch.tensor(d['x']).reshape(d['shape'])
imagenet = transforms.Normalize(mean=d['mean'], std=d['std'])(x)
bgr = (x[:, [2, 1, 0, 3]] * 255 - torch.tensor([104., 117., 128., 104.]).view(1, 4, 1, 1)) / 1.0
print(json.dumps({'imagenet': imagenet.flatten().tolist(), 'bgr': bgr.flatten().tolist()}))
`;

test('input_norm "pretrained" and explicit mean/std equal torchvision Normalize / the BGR 0–255 convention', { skip: pythonSkip('torch', 'torchvision') }, () => {
  const resnet = inputNormFor(cfg({ name: 'resnet34', input_norm: 'pretrained' }))!;
  assert.deepEqual(resnet.mean, [0.485, 0.456, 0.406, 0.485], 'the yellow channel takes the red filter statistics (adaptInputConv)');
  const ref = JSON.parse(runPython(PY, [], JSON.stringify({ x: Array.from(x), shape: SHAPE, mean: resnet.mean, std: resnet.std }))) as { imagenet: number[]; bgr: number[] };
  const bn = inputNormFor(cfg({ name: 'bninception', input_norm: 'pretrained' }))!;
  const explicit = inputNormFor(cfg({ name: 'resnet18', input_norm: { mean: resnet.mean, std: resnet.std } }))!;
  for (const [norm, want, name] of [[resnet, ref.imagenet, 'resnet34'], [explicit, ref.imagenet, 'explicit'], [bn, ref.bgr, 'bninception']] as const) {
    const got = tidy(() => normalizeInput(tensor(x, SHAPE), norm).toTypedArray() as Float32Array);
    const worst = want.reduce((m, w, i) => Math.max(m, Math.abs(w - got[i]) / Math.max(1, Math.abs(w))), 0);
    assert.ok(worst < 1e-5, `${name}: max relative difference ${worst}`);
  }
});

test('input_norm defaults to null (the seed: [0, 1] input) and bad values are config errors naming the key', () => {
  assert.equal(inputNormFor(cfg({ name: 'resnet34' })), null);
  assert.throws(() => cfg({ input_norm: { mean: [0.5, 0.5, 0.5], std: [0.2, 0.2, 0.2] } }), (e: unknown) => e instanceof ConfigError && /model\.input_norm\.mean/.test((e as Error).message) && /4 numbers/.test((e as Error).message));
  assert.throws(() => cfg({ input_norm: { mean: [0, 0, 0], std: [1, 0, 1] } }, 'rgb'), (e: unknown) => e instanceof ConfigError && /model\.input_norm/.test((e as Error).message));
  assert.throws(() => cfg({ input_norm: 'imagenet' }), (e: unknown) => e instanceof ConfigError && /"pretrained"/.test((e as Error).message));
});

const PRESETS_PY = String.raw`
import sys, json, torch
from torchvision import transforms
d = json.loads(sys.stdin.read())
x = torch.tensor(d['x']).reshape(d['shape'])
# bestfitting's networks/densenet.py statistics (RGBY), applied as torchvision's Normalize.
best = transforms.Normalize(mean=[0.074598, 0.050630, 0.050891, 0.076287], std=[0.122813, 0.085745, 0.129882, 0.119411])(x)
best_gr = transforms.Normalize(mean=[0.050630, 0.074598], std=[0.085745, 0.122813])(x[:, [1, 0]])
# pudae's policy_transform per_image_norm on 0-255 pixels: (x - mean) / (std + 1e-7) per channel, population std.
x255 = x * 255
m = x255.mean(dim=(2, 3), keepdim=True)
s = x255.std(dim=(2, 3), unbiased=False, keepdim=True)
print(json.dumps({'best': best.flatten().tolist(), 'best_gr': best_gr.flatten().tolist(), 'per_image': ((x255 - m) / (s + 0.0000001)).flatten().tolist()}))
`;

test('input_norm "hpa_bestfitting" and "per_image" equal their PyTorch definitions; a constant channel gives zeros', { skip: pythonSkip('torch', 'torchvision') }, () => {
  const xc = Float32Array.from(x);
  xc.fill(0.25, 0, 30); // image 0, channel 0 constant: the std floor keeps it finite
  const ref = JSON.parse(runPython(PRESETS_PY, [], JSON.stringify({ x: Array.from(xc), shape: SHAPE }))) as Record<string, number[]>;
  const gr = SHAPE.slice();
  gr[1] = 2;
  const xgr = new Float32Array(2 * 2 * 30);
  for (let n = 0; n < 2; n++) for (let c = 0; c < 2; c++) xgr.set(xc.subarray((n * 4 + (1 - c)) * 30, (n * 4 + (1 - c) + 1) * 30), (n * 2 + c) * 30);
  const cases: [ReturnType<typeof inputNormFor>, Float32Array, number[], number[], string][] = [
    [inputNormFor(cfg({ input_norm: 'hpa_bestfitting' })), xc, SHAPE, ref.best, 'hpa_bestfitting rgby'],
    [inputNormFor(cfg({ input_norm: 'hpa_bestfitting' }, 'gr')), xgr, gr, ref.best_gr, 'hpa_bestfitting gr'],
    [inputNormFor(cfg({ input_norm: 'per_image' })), xc, SHAPE, ref.per_image, 'per_image'],
  ];
  for (const [norm, input, shape, want, name] of cases) {
    const got = tidy(() => normalizeInput(tensor(input, shape), norm!).toTypedArray() as Float32Array);
    assert.ok(got.every(Number.isFinite), `${name}: finite`);
    const worst = want.reduce((m, w, i) => Math.max(m, Math.abs(w - got[i]) / Math.max(1, Math.abs(w))), 0);
    assert.ok(worst < 1e-5, `${name}: max relative difference ${worst}`);
  }
  assert.throws(() => cfg({ input_norm: 'hpa_bestfitting' }, 'rygb'), (e: unknown) => e instanceof ConfigError && /model\.input_norm/.test((e as Error).message));
});
