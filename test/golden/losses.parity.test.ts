/** The seed's five losses against PyTorch on the same logits, targets and class weights. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCriterion } from '../../src/nn/losses.js';
import { tensor, tidy } from '../../src/tensor/index.js';
import { DataError } from '../../src/errors.js';
import { pythonSkip, runPython } from '../helpers/env.js';

const skip = pythonSkip('torch');

// The seed's definitions (model/loss.py as described in seed-spec §7), written in PyTorch.
const PY = String.raw`
import sys, json, torch
import torch.nn.functional as F
d = json.loads(sys.stdin.read())
x = torch.tensor(d['x']).reshape(6, 28).requires_grad_()
y = torch.tensor(d['y'], dtype=torch.float32).reshape(6, 28)
w = torch.tensor(d['w'])
def bfl(x, y):
    bce = F.binary_cross_entropy_with_logits(x, y, reduction='none')
    p = torch.sigmoid(x)
    pt = torch.where(y == 1, p, 1 - p)
    return (0.25 * (1 - pt) ** 2 * bce).mean()
def f1(x, y):
    p = torch.sigmoid(x)
    tp = (p * y).sum(0)
    fn = y.sum(0) - tp
    fp = p.sum(0) - tp
    return 1 - (2 * tp / (2 * tp + fn + fp + 1e-8)).mean()
out = {}
for name, fn in [('bce', lambda: F.binary_cross_entropy_with_logits(x, y)),
                 ('bce_w', lambda: torch.nn.BCEWithLogitsLoss(weight=w)(x, y)),
                 ('bce_pw', lambda: torch.nn.BCEWithLogitsLoss(pos_weight=w)(x, y)),
                 ('bfl', lambda: bfl(x, y)), ('f1', lambda: f1(x, y))]:
    x.grad = None
    l = fn()
    l.backward()
    out[name] = [l.item(), x.grad.reshape(-1).tolist()]
print(json.dumps(out))
`;

test('bce, bce_w, bce_pw, bfl and f1 equal the PyTorch definitions (value and gradient)', { skip }, () => {
  let s = 12345;
  const r = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const x = Array.from({ length: 168 }, () => (r() - 0.5) * 8);
  const y = Array.from({ length: 168 }, () => (r() < 0.2 ? 1 : 0));
  const w = Array.from({ length: 28 }, () => r() * 2 - 0.5);
  const ref = JSON.parse(runPython(PY, [], JSON.stringify({ x, y, w }))) as Record<string, [number, number[]]>;
  for (const name of ['bce', 'bce_w', 'bce_pw', 'bfl', 'f1']) {
    const crit = createCriterion(name, w);
    const xt = tensor(x, [6, 28], { requiresGrad: true });
    const yt = tensor(y, [6, 28]);
    const value = tidy(() => {
      const l = crit(xt, yt);
      l.backward();
      return l.item();
    });
    const g = xt.grad!.toArray();
    assert.ok(Math.abs(value - ref[name][0]) <= 1e-6 * Math.max(1, Math.abs(ref[name][0])), `${name}: ${value} vs ${ref[name][0]}`);
    const worst = Math.max(...g.map((v, i) => Math.abs(v - ref[name][1][i])));
    assert.ok(worst <= 1e-6, `${name} gradient differs by ${worst}`);
    crit.dispose();
    xt.dispose();
    yt.dispose();
  }
});

test('focal and F1 losses refuse non-binary targets and mismatched shapes', () => {
  const x = tensor([0.1, 0.2], [1, 2]);
  assert.throws(() => createCriterion('bfl', null)(x, tensor([0.5, 1], [1, 2])), (e: unknown) => e instanceof DataError && /only 0 and 1/.test((e as Error).message));
  assert.throws(() => createCriterion('f1', null)(x, tensor([1, 0, 1], [1, 3])), (e: unknown) => e instanceof DataError && /must match/.test((e as Error).message));
});
