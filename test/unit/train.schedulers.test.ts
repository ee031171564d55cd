import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pythonSkip, runPython } from '../helpers/env.js';
import { EarlyStopping, improvesOn } from '../../src/optim/EarlyStopping.js';
import { ReduceLROnPlateau, formatExp4, reduceLrMessage } from '../../src/optim/ReduceLROnPlateau.js';

/** Scripted validation-F1 sequences: plateaus, tiny improvements below/above the thresholds, NaN, decline. */
const SEQUENCES: number[][] = [
  [0.1, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2],
  [0.3, 0.30002, 0.30004, 0.30006, 0.3001, 0.30013, 0.30016, 0.3002, 0.31, 0.31, 0.31, 0.31, 0.31, 0.31],
  [0.5, 0.4, 0.3, 0.2, 0.1, 0.0, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6],
  [0.1, NaN, 0.2, NaN, NaN, NaN, NaN, 0.25, 0.25, 0.25, 0.25, 0.25],
  Array.from({ length: 40 }, (_, i) => 0.4 + 0.1 * Math.sin(i / 3)),
  [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
];
const SETTINGS = [
  { lr: 1e-3, factor: 0.5, patience: 3, minLr: 1e-7 },
  { lr: 2e-5, factor: 0.2, patience: 3, minLr: 1e-7 },
  { lr: 0.1, factor: 0.2, patience: 0, minLr: 1e-7 },
  { lr: 1e-6, factor: 0.25, patience: 1, minLr: 1e-7 },
  { lr: 0.2, factor: 0.5, patience: 4, minLr: 0.05 },
];

const TORCH_SCRIPT = `
import json, sys, math, torch
cases = json.loads(sys.stdin.read())
out = []
for case in cases:
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=case['lr'])
    s = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode='max', factor=case['factor'], patience=case['patience'],
        threshold=1e-4, threshold_mode='rel', cooldown=0, min_lr=case['minLr'], eps=1e-8)
    rows = []
    for v in case['seq']:
        s.step(float('nan') if v is None else v)
        rows.append([opt.param_groups[0]['lr'], s.num_bad_epochs, None if math.isinf(s.best) or math.isnan(s.best) else s.best, s.last_epoch])
    out.append(rows)
print(json.dumps(out))
`;

test('ReduceLROnPlateau matches torch.optim.lr_scheduler.ReduceLROnPlateau (max, rel 1e-4) step by step', { skip: pythonSkip('torch') }, () => {
  const cases = SETTINGS.flatMap((s) => SEQUENCES.map((seq) => ({ ...s, seq: seq.map((v) => (Number.isNaN(v) ? null : v)) })));
  const ref = JSON.parse(runPython(TORCH_SCRIPT, [], JSON.stringify(cases))) as [number, number, number | null, number][][];
  cases.forEach((c, ci) => {
    let lr = c.lr;
    const sched = new ReduceLROnPlateau({ getLr: () => lr, setLr: (v) => (lr = v) }, { mode: 'max', factor: c.factor, patience: c.patience, minLr: c.minLr, threshold: 1e-4, eps: 1e-8 });
    c.seq.forEach((v, i) => {
      sched.step(v === null ? NaN : v);
      const [tLr, tBad, tBest, tEpoch] = ref[ci]![i]!;
      const where = `case ${ci} step ${i}`;
      assert.equal(lr, tLr, `${where}: lr`);
      assert.equal(sched.numBadEpochs, tBad, `${where}: num_bad_epochs`);
      assert.equal(Number.isFinite(sched.best) ? sched.best : null, tBest, `${where}: best`);
      // torch >= 1.x counts steps from 1; torch 0.4.1 (the seed's) from 0.
      assert.equal(sched.lastEpoch, tEpoch - 1, `${where}: last_epoch`);
    });
  });
});

test('ReduceLROnPlateau prints the seed (torch 0.4.1) message with its own 0-based step counter', () => {
  let lr = 1e-3;
  const messages: string[] = [];
  const sched = new ReduceLROnPlateau({ getLr: () => lr, setLr: (v) => (lr = v) }, { mode: 'max', factor: 0.5, patience: 2, minLr: 1e-7, verbose: (m) => messages.push(m) });
  for (const v of [0.5, 0.5, 0.5, 0.5]) sched.step(v);
  assert.deepEqual(messages, ['Epoch     3: reducing learning rate of group 0 to 5.0000e-04.']);
  assert.equal(reduceLrMessage(12345, 0, 1e-7), 'Epoch 12345: reducing learning rate of group 0 to 1.0000e-07.');
});

test('formatExp4 equals Python "{:.4e}".format', { skip: pythonSkip('json') }, () => {
  const xs = [1e-7, 5e-4, 0.1, 0.2, 2.5e-5, 1, 123456.789, 1e-100, 3.33333e10, 6.25e-5];
  const py = JSON.parse(runPython('import json,sys; print(json.dumps(["{:.4e}".format(x) for x in json.loads(sys.stdin.read())]))', [], JSON.stringify(xs)));
  assert.deepEqual(xs.map(formatExp4), py);
});

test('ReduceLROnPlateau stateDict round-trips through JSON and continues identically', () => {
  let lrA = 0.1;
  let lrB = 0.1;
  const a = new ReduceLROnPlateau({ getLr: () => lrA, setLr: (v) => (lrA = v) }, { mode: 'max', factor: 0.2, patience: 2, minLr: 1e-3 });
  const seq = SEQUENCES[4]!;
  seq.slice(0, 10).forEach((v) => a.step(v));
  const b = new ReduceLROnPlateau({ getLr: () => lrB, setLr: (v) => (lrB = v) }, { mode: 'max', factor: 0.2, patience: 2, minLr: 1e-3 });
  b.loadStateDict(JSON.parse(JSON.stringify(a.stateDict())));
  lrB = lrA;
  seq.slice(10).forEach((v) => {
    a.step(v);
    b.step(v);
    assert.equal(lrB, lrA);
    assert.deepEqual(b.stateDict(), a.stateDict());
  });
  const fresh = new ReduceLROnPlateau({ getLr: () => 1, setLr: () => {} }, { mode: 'max' });
  assert.equal(JSON.parse(JSON.stringify(fresh.stateDict())).best, '-Infinity');
});

/** The seed's early-stop rule, transcribed in Python from seed-spec §9.2 (absolute 1e-4, counter >= patience). */
const SEED_EARLY_STOP = `
import json, sys
cases = json.loads(sys.stdin.read())
out = []
for case in cases:
    best, bad, stop, rows = float('-inf'), 0, False, []
    for v in case['seq']:
        v = float('nan') if v is None else v
        if v - 1e-4 > best:
            best, bad = v, 0
        else:
            bad += 1
        if bad >= case['patience']:
            stop = True
        rows.append([stop, bad, None if best == float('-inf') else best])
    out.append(rows)
print(json.dumps(out))
`;

test('EarlyStopping follows the seed rule on scripted sequences', { skip: pythonSkip('json') }, () => {
  const cases = [1, 2, 3, 10].flatMap((patience) => SEQUENCES.map((seq) => ({ patience, seq: seq.map((v) => (Number.isNaN(v) ? null : v)) })));
  const ref = JSON.parse(runPython(SEED_EARLY_STOP, [], JSON.stringify(cases))) as [boolean, number, number | null][][];
  cases.forEach((c, ci) => {
    const es = new EarlyStopping({ patience: c.patience, mode: 'max', threshold: 1e-4 });
    c.seq.forEach((v, i) => {
      const stop = es.step(v === null ? NaN : v);
      assert.deepEqual([stop, es.numBadEpochs, Number.isFinite(es.best) ? es.best : null], ref[ci]![i], `case ${ci} step ${i}`);
    });
  });
});

test('EarlyStopping: stops on the patience-th bad epoch; plateau reduces one epoch later (quirk 15)', () => {
  const es = new EarlyStopping({ patience: 3 });
  let lr = 1;
  const sched = new ReduceLROnPlateau({ getLr: () => lr, setLr: (v) => (lr = v) }, { mode: 'max', factor: 0.5, patience: 3 });
  const stops: boolean[] = [];
  const lrs: number[] = [];
  for (const v of [0.5, 0.5, 0.5, 0.5, 0.5]) {
    stops.push(es.step(v));
    sched.step(v);
    lrs.push(lr);
  }
  assert.deepEqual(stops, [false, false, false, true, true]);
  assert.deepEqual(lrs, [1, 1, 1, 1, 0.5]);
  // Improvements below the absolute threshold do not count; above do.
  assert.equal(improvesOn(0.30009, 0.3), false);
  assert.equal(improvesOn(0.30011, 0.3), true);
  assert.equal(improvesOn(0.1, 0.2, 'min'), true);
  const restored = new EarlyStopping({ patience: 3 });
  restored.loadStateDict(JSON.parse(JSON.stringify(es.stateDict())));
  assert.deepEqual(restored.stateDict(), { stop: true, num_bad_epochs: 4, best_metric: 0.5 });
});

const STEP_SCRIPT = `
import json, sys, torch
from torch.optim.lr_scheduler import ChainedScheduler, LinearLR, MultiStepLR
out = []
for c in json.loads(sys.stdin.read()):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=c['lr'])
    scheds = []
    if c['warmup'] > 0:
        scheds.append(LinearLR(opt, start_factor=c['warmupFactor'], end_factor=1.0, total_iters=c['warmup']))
    # Factors relative to the base lr = one single-milestone MultiStepLR per change, gamma the ratio.
    prev = 1.0
    for m, f in zip(c['milestones'], c['factors']):
        scheds.append(MultiStepLR(opt, milestones=[m], gamma=f / prev))
        prev = f
    chain = ChainedScheduler(scheds) if scheds else None
    lrs = []
    for epoch in range(c['epochs']):
        lrs.append(opt.param_groups[0]['lr'])
        opt.step()
        if chain: chain.step()
    out.append(lrs)
print(json.dumps(out))
`;

test('lr_schedule "step" with warm-up equals torch ChainedScheduler(LinearLR, MultiStepLR…) epoch by epoch', { skip: pythonSkip('torch') }, async () => {
  const { epochLr } = await import('../../src/optim/epochLr.js');
  const cases = [
    // bestfitting: [30, 15, 7.5, 3, 1]e-5 for [25, 5, 5, 5, 5] epochs.
    { lr: 3e-4, milestones: [25, 30, 35, 40], factors: [0.5, 0.25, 0.1, 1 / 30], warmup: 0, warmupFactor: 0.1, epochs: 45 },
    { lr: 3e-4, milestones: [25, 30, 35, 40], factors: [0.5, 0.25, 0.1, 1 / 30], warmup: 3, warmupFactor: 0.1, epochs: 45 },
    { lr: 0.01, milestones: [2, 5], factors: [0.1, 0.01], warmup: 4, warmupFactor: 0.25, epochs: 8 },
    { lr: 1e-3, milestones: [], factors: [], warmup: 5, warmupFactor: 0.2, epochs: 7 },
  ];
  const ref = JSON.parse(runPython(STEP_SCRIPT, [], JSON.stringify(cases))) as number[][];
  cases.forEach((c, ci) => {
    for (let e = 1; e <= c.epochs; e++) {
      const got = epochLr(e, { schedule: 'step', epochs: c.epochs, baseLr: c.lr, minLr: 0, milestones: c.milestones, factors: c.factors, warmupEpochs: c.warmup, warmupFactor: c.warmupFactor })!;
      const want = ref[ci][e - 1];
      assert.ok(Math.abs(got - want) <= 1e-12 * want, `case ${ci} epoch ${e}: ${got} vs torch ${want}`);
    }
  });
  assert.equal(epochLr(3, { schedule: 'plateau', epochs: 5, baseLr: 1, minLr: 0, milestones: [], factors: [], warmupEpochs: 0, warmupFactor: 0.1 }), null);
});
