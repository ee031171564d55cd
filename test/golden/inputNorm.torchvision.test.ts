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
