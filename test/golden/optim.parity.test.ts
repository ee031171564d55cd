/** Adam and SGD against torch.optim (torch 1.13): parameters after 5 steps on the same gradients. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Adam, SGD, type Optimizer } from '../../src/optim/index.js';
import { tensor, tidy, type Tensor } from '../../src/tensor/index.js';
import { toStored } from '../../src/models/weights.js';
import { writeTorchFile, readTorchFile } from '../../src/io/weights/torchZip.js';
import type { StoredTensor } from '../../src/io/weights/StoredTensor.js';
import { pythonSkip, runPython, tempDir } from '../helpers/env.js';

const skip = pythonSkip('torch');
const PY = String.raw`
import sys, json, torch
d, kind, opts = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
inp = torch.load(d + '/in.pth')
p = torch.nn.Parameter(inp['p0'].clone())
opt = torch.optim.Adam([p], **opts) if kind == 'adam' else torch.optim.SGD([p], **opts)
for i in range(5):
    opt.zero_grad()
    (p * inp['g%d' % i]).sum().backward()
    opt.step()
torch.save({'p': p.detach()}, d + '/out.pth')
`;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

const cases: [string, string, Record<string, unknown>, (p: Tensor[]) => Optimizer][] = [
  ['Adam', 'adam', { lr: 1e-3 }, (p) => new Adam(p, { lr: 1e-3 })],
  ['Adam with weight decay', 'adam', { lr: 2e-2, weight_decay: 1e-2, betas: [0.8, 0.99], eps: 1e-6 }, (p) => new Adam(p, { lr: 2e-2, weightDecay: 1e-2, betas: [0.8, 0.99], eps: 1e-6 })],
  ['SGD momentum 0.9 with weight decay', 'sgd', { lr: 0.1, momentum: 0.9, weight_decay: 1e-4 }, (p) => new SGD(p, { lr: 0.1, momentum: 0.9, weightDecay: 1e-4 })],
  ['SGD Nesterov', 'sgd', { lr: 0.05, momentum: 0.9, nesterov: true }, (p) => new SGD(p, { lr: 0.05, momentum: 0.9, nesterov: true })],
  ['plain SGD', 'sgd', { lr: 0.3 }, (p) => new SGD(p, { lr: 0.3 })],
];

for (const [title, kind, pyOpts, make] of cases) {
  test(`${title} matches torch.optim after 5 steps within 1e-6`, { skip }, () => {
    const r = rng(7);
    const values = (n: number): number[] => Array.from({ length: n }, r);
    const p = tensor(values(64), [8, 8], { requiresGrad: true });
    const grads = Array.from({ length: 5 }, () => tensor(values(64), [8, 8]));
    const { dir, cleanup } = tempDir();
    try {
      const rec = new Map<string, StoredTensor>([['p0', toStored(p)]]);
      grads.forEach((g, i) => rec.set(`g${i}`, toStored(g)));
      writeTorchFile(join(dir, 'in.pth'), rec);
      runPython(PY, [dir, kind, JSON.stringify(pyOpts)]);
      const opt = make([p]);
      for (const g of grads) {
        tidy(() => {
          opt.zeroGrad();
          p.mul(g).sum().backward();
          opt.step();
        });
      }
      const ref = (readTorchFile(join(dir, 'out.pth')) as Map<string, StoredTensor>).get('p')!;
      const want = new Float32Array(ref.data.slice().buffer);
      const got = p.toTypedArray() as Float32Array;
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
      assert.ok(worst <= 1e-6, `max abs difference ${worst}`);
      const sd = opt.stateDict();
      assert.equal(sd.param_groups.length, 1);
      opt.dispose();
    } finally {
      cleanup();
      p.dispose();
      grads.forEach((g) => g.dispose());
    }
  });
}
