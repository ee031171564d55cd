import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pythonSkip, runPython } from '../helpers/env.js';
import { LrRangeTest, gradient, lrHistoryCsv, plotSlice, scheduledLr, suggestLr } from '../../src/train/lrSchedule.js';

/**
 * The seed's range_test loop and its Exponential/Linear schedulers on a real torch optimizer. torch 1.13's
 * scheduler constructor does not rewind last_epoch as 0.4.1 did (the seed's version), so the script rewinds it.
 */
const SEED_RANGE_TEST = `
import json, sys, warnings, torch
from torch.optim.lr_scheduler import _LRScheduler
warnings.simplefilter('ignore')
class ExponentialLR(_LRScheduler):
    def __init__(self, optimizer, end_lr, num_iter, last_epoch=-1):
        self.end_lr, self.num_iter = end_lr, num_iter
        super().__init__(optimizer, last_epoch)
        self.last_epoch = last_epoch  # torch 0.4.1
    def get_lr(self):
        r = (self.last_epoch + 1) / self.num_iter
        return [b * (self.end_lr / b) ** r for b in self.base_lrs]
class LinearLR(ExponentialLR):
    def get_lr(self):
        r = (self.last_epoch + 1) / self.num_iter
        return [b + r * (self.end_lr - b) for b in self.base_lrs]
out = []
for case in json.loads(sys.stdin.read()):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=case['start'])
    sched = (ExponentialLR if case['mode'] == 'exp' else LinearLR)(opt, case['end'], case['n'])
    hist, trained_at, best = {'lr': [], 'loss': []}, [], None
    for it in range(case['n']):
        trained_at.append(opt.param_groups[0]['lr'])
        opt.zero_grad()
        loss_t = (p * 0).sum() + case['losses'][it]
        loss_t.backward()
        opt.step()
        loss = loss_t.item()
        sched.step()
        hist['lr'].append(sched.get_lr()[0])
        if it == 0:
            best = loss
        else:
            if case['smooth'] > 0:
                loss = case['smooth'] * loss + (1 - case['smooth']) * hist['loss'][-1]
            if loss < best:
                best = loss
        hist['loss'].append(loss)
        if loss > 5 * best:
            break
    out.append({'lr': hist['lr'], 'loss': hist['loss'], 'trained_at': trained_at[:len(hist['lr'])]})
print(json.dumps(out))
`;

// Losses exactly representable in float32 (torch computes the loss in float32).
const f32 = (x: number) => Math.fround(x);
const falling = Array.from({ length: 60 }, (_, i) => f32(2 - 1.5 / (1 + Math.exp(-(i - 25) / 4))));
const exploding = Array.from({ length: 60 }, (_, i) => f32(i < 30 ? 1 - i * 0.02 : 0.4 * 1.5 ** (i - 30)));

test('LrRangeTest: lr per batch, recorded lr, smoothing and divergence equal the seed loop on torch', { skip: pythonSkip('torch') }, () => {
  const cases = [
    { start: 1e-6, end: 10, n: 60, mode: 'exp', smooth: 0.05, losses: falling },
    { start: 1e-5, end: 1, n: 40, mode: 'linear', smooth: 0.05, losses: falling },
    { start: 1e-4, end: 10, n: 60, mode: 'exp', smooth: 0.05, losses: exploding },
    { start: 1e-3, end: 10, n: 50, mode: 'exp', smooth: 0, losses: exploding },
  ];
  const ref = JSON.parse(runPython(SEED_RANGE_TEST, [], JSON.stringify(cases))) as { lr: number[]; loss: number[]; trained_at: number[] }[];
  cases.forEach((c, ci) => {
    const t = new LrRangeTest({ startLr: c.start, endLr: c.end, numIter: c.n, stepMode: c.mode as 'exp' | 'linear', smoothF: c.smooth });
    const trainedAt: number[] = [];
    while (!t.done) {
      trainedAt.push(t.currentLr);
      t.record(c.losses[t.iteration]!);
    }
    const r = ref[ci]!;
    assert.equal(t.history.lr.length, r.lr.length, `case ${ci}: number of points`);
    t.history.lr.forEach((v, i) => assert.ok(Math.abs(v - r.lr[i]!) <= 1e-12 * Math.abs(r.lr[i]!), `case ${ci} point ${i}: lr ${v} vs ${r.lr[i]}`));
    trainedAt.forEach((v, i) => assert.ok(Math.abs(v - r.trained_at[i]!) <= 1e-12 * Math.abs(r.trained_at[i]!), `case ${ci} batch ${i}: trained at ${v} vs ${r.trained_at[i]}`));
    t.history.loss.forEach((v, i) => assert.ok(Math.abs(v - r.loss[i]!) <= 1e-12, `case ${ci} point ${i}: loss ${v} vs ${r.loss[i]}`));
    assert.equal(t.diverged, r.lr.length < c.n);
  });
  // The exploding sequences diverge before the end and keep the divergent point.
  assert.ok(ref[2]!.lr.length < 60 && ref[3]!.lr.length < 50);
});

test('scheduledLr: exp and linear endpoints; batches 0 and 1 both train at lr_1', () => {
  const o = { startLr: 1e-6, endLr: 10, numIter: 100, stepMode: 'exp' as const };
  assert.equal(scheduledLr(0, o), 1e-6);
  assert.ok(Math.abs(scheduledLr(100, o) - 10) < 1e-12);
  assert.ok(Math.abs(scheduledLr(50, o) - 1e-6 * 1e7 ** 0.5) < 1e-15);
  assert.equal(scheduledLr(50, { ...o, stepMode: 'linear' }), 1e-6 + 0.5 * (10 - 1e-6));
  const t = new LrRangeTest({ startLr: 1e-6 });
  const first = t.currentLr;
  t.record(1);
  assert.equal(t.currentLr, first);
  assert.equal(t.history.lr[0], first);
  t.record(1);
  assert.equal(t.history.lr[1], t.lrAt(2));
  assert.throws(() => new LrRangeTest({ startLr: 1e-6, smoothF: 1 }), /smooth_f must lie in \[0, 1\)/);
  assert.equal(lrHistoryCsv({ lr: [1e-6, 0.5], loss: [0.7, 0.25] }), 'lr,loss\n0.000001,0.7\n0.5,0.25\n');
});

test('plotSlice skips 10 first / 5 last; suggestLr is the argmin of numpy.gradient', { skip: pythonSkip('numpy') }, () => {
  const lr = Array.from({ length: 40 }, (_, i) => 1e-5 * 1.3 ** i);
  const loss = lr.map((l) => 1 / (1 + 30 * l) + 0.02 * Math.sin(l * 1000));
  const view = plotSlice({ lr, loss });
  assert.deepEqual(view.lr, lr.slice(10, 35));
  assert.deepEqual(plotSlice({ lr, loss }, 10, 0).lr, lr.slice(10));
  assert.throws(() => plotSlice({ lr, loss }, -1, 5), /must be integers >= 0/);
  const ref = JSON.parse(runPython('import json,sys,numpy as np; y=json.loads(sys.stdin.read()); g=np.gradient(np.array(y)); print(json.dumps([g.tolist(), int(g.argmin())]))', [], JSON.stringify(view.loss)));
  const g = gradient(view.loss);
  g.forEach((v, i) => assert.ok(Math.abs(v - ref[0][i]) < 1e-15));
  const s = suggestLr({ lr, loss })!;
  assert.equal(s.index, 10 + ref[1]);
  assert.equal(s.lr, lr[10 + ref[1]]);
  assert.equal(suggestLr({ lr: [1], loss: [1] }), null);
  assert.deepEqual(suggestLr({ lr: [1, 2, 3], loss: [3, 2, 2.5] }), { lr: 1, index: 0 });
});
