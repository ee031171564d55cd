/**
 * bestfitting's losses (focal, symmetric Lovász hinge per class, hard-example BCE and their 0.5/0.5/0.5 sum)
 * against PyTorch implementations of the same formulas written below (Berman's lovasz_hinge_flat with
 * torch.sort and lovasz_grad; get_hard_samples with torch.topk): value and gradient on random logits, on a
 * batch where some classes have no positive and some no negative, and on a batch of one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCriterion } from '../../src/nn/losses.js';
import { tensor, tidy } from '../../src/tensor/index.js';
import { DataError } from '../../src/errors.js';
import { pythonSkip, runPython } from '../helpers/env.js';

const skip = pythonSkip('torch');

const PY = String.raw`
import sys, json, torch
import torch.nn.functional as F
torch.set_default_dtype(torch.float32)

def focal(x, y, gamma=2):
    bce = x - x * y + (-x).clamp(min=0) + ((-(-x).clamp(min=0)).exp() + (-x - (-x).clamp(min=0)).exp()).log()
    return ((F.logsigmoid(-x * (y * 2 - 1)) * gamma).exp() * bce).sum(1).mean()

def lovasz_grad(gt):
    gts = gt.sum()
    inter = gts - gt.cumsum(0)
    union = gts + (1 - gt).cumsum(0)
    j = 1. - inter / union
    if len(gt) > 1:
        j[1:] = j[1:] - j[:-1]
    return j

def hinge_flat(x, y):
    errors = 1. - x * (2. * y - 1.)
    es, perm = torch.sort(errors, dim=0, descending=True)
    return torch.dot(F.relu(es), lovasz_grad(y[perm]))

def lovasz(x, y):
    C = x.shape[1]
    a = sum(hinge_flat(x[:, c], y[:, c]) for c in range(C)) / C
    b = sum(hinge_flat(-x[:, c], 1 - y[:, c]) for c in range(C)) / C
    return (a + b) / 2

def hard_bce(x, y):
    C = x.shape[1]
    loss = 0
    for c in range(C):
        l, t = x[:, c], y[:, c]
        pos_l, pos_t = l[t > 0], t[t > 0]
        neg_l, neg_t = l[t <= 0], t[t <= 0]
        at_least = max(2, int(0.5 * neg_l.size(0)))
        hard = min(neg_l.size(0), pos_l.size(0) + at_least, int(0.7 * neg_l.size(0)) + 2)
        if hard > 0:
            _, idx = torch.topk(neg_l, min(hard, len(neg_l)))
            neg_l, neg_t = neg_l.index_select(0, idx), neg_t.index_select(0, idx)
        loss = loss + F.binary_cross_entropy_with_logits(torch.cat([pos_l, neg_l]), torch.cat([pos_t, neg_t]))
    return loss / C

fns = {'focal': focal, 'lovasz': lovasz, 'hard_bce': hard_bce,
       'focal_lovasz_hard': lambda x, y: 0.5 * focal(x, y) + 0.5 * lovasz(x, y) + 0.5 * hard_bce(x, y)}
out = []
for case in json.loads(sys.stdin.read()):
    n, c = case['shape']
    res = {}
    for name, fn in fns.items():
        x = torch.tensor(case['x']).reshape(n, c).requires_grad_()
        y = torch.tensor(case['y'], dtype=torch.float32).reshape(n, c)
        l = fn(x, y)
        l.backward()
        res[name] = [l.item(), x.grad.reshape(-1).tolist()]
    out.append(res)
print(json.dumps(out))
`;

interface Case {
  shape: [number, number];
  x: number[];
  y: number[];
}

function cases(): Case[] {
  let s = 777;
  const r = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const random = (n: number, c: number, pos: number): Case => ({
    shape: [n, c],
    x: Array.from({ length: n * c }, () => (r() - 0.5) * 10),
    y: Array.from({ length: n * c }, () => (r() < pos ? 1 : 0)),
  });
  const skewed = random(12, 28, 0.15);
  // Class 0 all positive, class 1 all negative, class 2 one positive.
  for (let n = 0; n < 12; n++) {
    skewed.y[n * 28] = 1;
    skewed.y[n * 28 + 1] = 0;
    skewed.y[n * 28 + 2] = n === 5 ? 1 : 0;
  }
  return [random(16, 28, 0.2), skewed, random(1, 28, 0.3), random(40, 5, 0.5)];
}

test("bestfitting's focal, lovasz, hard_bce and focal_lovasz_hard equal PyTorch (value and gradient)", { skip }, (t) => {
  const all = cases();
  const ref = JSON.parse(runPython(PY, [], JSON.stringify(all))) as Record<string, [number, number[]]>[];
  all.forEach((c, i) => {
    for (const name of ['focal', 'lovasz', 'hard_bce', 'focal_lovasz_hard']) {
      const crit = createCriterion(name, null);
      const xt = tensor(c.x, c.shape, { requiresGrad: true });
      const yt = tensor(c.y, c.shape);
      const value = tidy(() => {
        const l = crit(xt, yt);
        l.backward();
        return l.item();
      });
      const g = xt.grad!.toArray();
      const [wantValue, wantGrad] = ref[i][name];
      const scale = Math.max(...wantGrad.map(Math.abs), 1e-3);
      const worst = Math.max(...g.map((v, k) => Math.abs(v - wantGrad[k])));
      t.diagnostic(`case ${i} [${c.shape}] ${name}: value ${value.toFixed(6)} vs ${wantValue.toFixed(6)}, worst gradient difference ${worst.toExponential(2)}`);
      assert.ok(Math.abs(value - wantValue) <= 1e-5 * Math.max(1, Math.abs(wantValue)), `case ${i} ${name}: ${value} vs ${wantValue}`);
      assert.ok(worst <= 1e-5 * scale, `case ${i} ${name}: gradient differs by ${worst} (largest ${scale})`);
      assert.ok(wantGrad.some((v) => v !== 0), `case ${i} ${name}: the reference gradient is not all zero`);
      crit.dispose();
      xt.dispose();
      yt.dispose();
    }
  });
});

test('the bestfitting losses refuse mismatched or non-2-D shapes with a DataError', () => {
  for (const name of ['focal', 'lovasz', 'hard_bce']) {
    const x = tensor([0.1, 0.2, 0.3], [1, 3]);
    assert.throws(() => createCriterion(name, null)(x, tensor([1, 0], [1, 2])), (e: unknown) => e instanceof DataError && /must match/.test((e as Error).message));
    x.dispose();
  }
});
