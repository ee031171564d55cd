/**
 * `hpaic train` end to end on a tiny generated dataset (48 images of 32², 2 folds, 2 epochs): the run folder
 * layout, summary.json, reproducibility, resume after an interruption (in-process and kill -9), weights-only
 * initialisation from another run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { makeTinyDataset, tinyConfig } from '../helpers/tinyDataset.js';
import { REPO_ROOT, tempDir, pythonSkip, runPython } from '../helpers/env.js';
import { parseConfig } from '../../src/config/loadConfig.js';
import { train } from '../../src/train/train.js';
import { findThresholds } from '../../src/predict/findThresholds.js';
import { readHistory } from '../../src/train/summary.js';
import { readStateDict } from '../../src/io/weights/torchZip.js';
import { ConfigError } from '../../src/errors.js';
import { liveTensors } from '../../src/tensor/scope.js';

const { dir, cleanup } = tempDir('hpaic-train-e2e-');
const data = join(dir, 'data');
const cfg = (name: string, over: Record<string, unknown> = {}) => parseConfig(tinyConfig(data, join(dir, 'ckpt'), { name, ...over }));
const read = (...p: string[]): string => readFileSync(join(dir, 'ckpt', ...p), 'utf8');

test.before(async () => {
  await makeTinyDataset(data);
});
test.after(() => cleanup());

test('a 2-fold run writes the seed layout, summary.json in the seed form, and is reproducible', async () => {
  const before = liveTensors();
  const r = await train(cfg('a'), { quiet: true });
  assert.equal(liveTensors(), before, 'training leaked tensors');
  assert.equal(r.folds.length, 2);
  for (const k of [1, 2]) {
    for (const f of ['model.pth', 'summary.json', 'history.json', 'last.pth', 'curves.svg']) assert.ok(existsSync(join(dir, 'ckpt', 'a', `fold_${k}`, f)), `fold_${k}/${f}`);
    const summary = JSON.parse(read('a', `fold_${k}`, 'summary.json'));
    assert.deepEqual(Object.keys(summary), ['epoch', 'loss_history', 'metric_history']);
    assert.equal(summary.loss_history.train.length, summary.epoch);
    assert.match(summary.metric_history.val[0], /^\[\('f1_macro', [0-9.]+\), \('f1_Nucleoplasm', [0-9.]+\), .*\('acc', [0-9.]+\)\]$/);
    // The best weights load in PyTorch terms: a plain state dict with torchvision's keys plus the seed head.
    const sd = readStateDict(join(dir, 'ckpt', 'a', `fold_${k}`, 'model.pth'));
    assert.ok(sd.has('layer4.1.bn2.running_var') && sd.has('head.8.weight'));
  }
  assert.ok(existsSync(join(dir, 'ckpt', 'a', 'config.resolved.json')));
  assert.match(read('a', 'train.log'), /K-fold average validation CV metrics: \[\('f1_macro'/);
  await train(cfg('b'), { quiet: true });
  assert.equal(read('b', 'fold_1', 'summary.json'), read('a', 'fold_1', 'summary.json'), 'same config and seed must give the same summary.json');
});

test('training a run folder again with another config keeps its finished folds and warns, naming the changed keys', async () => {
  const summary = read('a', 'fold_1', 'summary.json');
  const errors: string[] = [];
  const consoleError = console.error;
  console.error = (...args: unknown[]) => void errors.push(args.join(' '));
  try {
    await train(cfg('a', { optim: { name: 'adam', lr: 5e-4, weight_decay: 0 } }), { quiet: true });
  } finally {
    console.error = consoleError;
  }
  assert.equal(read('a', 'fold_1', 'summary.json'), summary, 'the finished fold is kept, as in the seed');
  assert.match(errors.join('\n'), /holds folds trained with another config \(optim\.lr 0\.001 → 0\.0005\)/);
  assert.match(read('a', 'train.log'), /warning: .*optim\.lr 0\.001 → 0\.0005/);
});

test('an interrupted run resumes where it stopped and ends as an uninterrupted one', async () => {
  const first = await train(cfg('c'), { quiet: true, maxEpochsThisRun: 3 });
  assert.equal(first.folds.length, 1, 'fold 1 finished, fold 2 interrupted after one epoch');
  assert.equal(readHistory(join(dir, 'ckpt', 'c', 'fold_2', 'history.json')).epochs.length, 1);
  const second = await train(cfg('c'), { quiet: true });
  assert.equal(second.folds.length, 2);
  for (const k of [1, 2]) {
    const a = readHistory(join(dir, 'ckpt', 'a', `fold_${k}`, 'history.json')).epochs.map((e) => [e.train.loss, e.val.loss]);
    const c = readHistory(join(dir, 'ckpt', 'c', `fold_${k}`, 'history.json')).epochs.map((e) => [e.train.loss, e.val.loss]);
    assert.deepEqual(c, a, `fold ${k}: resumed losses must equal the uninterrupted run's`);
  }
});

test('kill -9 in the middle of training leaves a run that the same command completes', async () => {
  const configPath = join(dir, 'kill.json');
  writeFileSync(configPath, JSON.stringify(tinyConfig(data, join(dir, 'ckpt'), { name: 'k', epochs: 4 })));
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'hpaic.js'), 'train', '-c', configPath], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HPAIC_FROM_SOURCE: '1' } });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
    // Kill as soon as the second epoch of fold 1 has finished.
    if ((out.match(/^Epoch \d\/4/gm) ?? []).length >= 2) child.kill('SIGKILL');
  });
  await new Promise((res) => child.on('exit', res));
  assert.ok(existsSync(join(dir, 'ckpt', 'k', 'fold_1', 'last.pth')));
  const rerun = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'hpaic.js'), 'train', '-c', configPath, '--quiet'], { stdio: 'inherit', env: { ...process.env, HPAIC_FROM_SOURCE: '1' } });
  const code = await new Promise((res) => rerun.on('exit', res));
  assert.equal(code, 0);
  assert.match(read('k', 'train.log'), /Resuming training at epoch 3/);
  for (const k of [1, 2]) assert.equal(readHistory(join(dir, 'ckpt', 'k', `fold_${k}`, 'history.json')).epochs.at(-1)!.epoch, 4);
});

test('model.input_norm reaches training and the threshold search alike', async () => {
  const model = { name: 'resnet18', dropout_p: 0.5, input_norm: { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] } };
  const config = cfg('norm', { epochs: 1, model });
  await train(config, { quiet: true });
  const plain = readHistory(join(dir, 'ckpt', 'a', 'fold_1', 'history.json')).epochs[0]!;
  const normed = readHistory(join(dir, 'ckpt', 'norm', 'fold_1', 'history.json')).epochs[0]!;
  assert.notEqual(normed.train.loss, plain.train.loss, 'the normalised input changes training');
  // find-thresholds' 0.5 entry re-evaluates the saved model: equal to training's validation only if both normalise.
  const { folds } = await findThresholds(config, { quiet: true });
  const summary = JSON.parse(read('norm', 'fold_1', 'summary.json'));
  assert.equal(folds[0]!.default!.metrics, summary.metric_history.val.at(-1));
});

test('lr_schedule cosine anneals per epoch like torch CosineAnnealingLR, also across a resume', { skip: pythonSkip('torch') }, async () => {
  const over = { epochs: 4, lr_schedule: 'cosine', min_lr: 1e-5 };
  await train(cfg('cos', over), { quiet: true, maxEpochsThisRun: 2 });
  await train(cfg('cos', over), { quiet: true });
  const torchLrs = JSON.parse(
    runPython(`
import json, torch
opt = torch.optim.Adam([torch.zeros(1, requires_grad=True)], lr=1e-3)
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=4, eta_min=1e-5)
lrs = []
for _ in range(4):
    lrs.append(opt.param_groups[0]['lr'])
    opt.step(); sched.step()
print(json.dumps(lrs))`),
  ) as number[];
  for (const k of [1, 2]) {
    const lrs = readHistory(join(dir, 'ckpt', 'cos', `fold_${k}`, 'history.json')).epochs.map((e) => e.lr);
    assert.equal(lrs.length, 4);
    lrs.forEach((lr, i) => assert.ok(Math.abs(lr - torchLrs[i]!) <= 1e-12, `fold ${k} epoch ${i + 1}: lr ${lr}, torch ${torchLrs[i]}`));
  }
});

test('load.path with weights_only initialises fold k from the source run and refuses too few source folds', async () => {
  const r = await train(cfg('ft', { load: { path: join(dir, 'ckpt', 'a'), weights_only: true }, epochs: 1 }), { quiet: true });
  assert.equal(r.folds.length, 2);
  assert.match(read('ft', 'train.log'), /Weights only: fold 2 initialised from .*a\/fold_2\/model\.pth/);
  await assert.rejects(
    train(cfg('ft3', { load: { path: join(dir, 'ckpt', 'a'), weights_only: true }, dataloader: { n_splits: 3, val_size: null, batch_size: 8, workers: 0, random_state: 92 } }), { quiet: true }),
    (e: unknown) => e instanceof ConfigError && /has 2 fold checkpoint\(s\) but this run has 3 folds/.test((e as Error).message),
  );
});

test('lr-find runs the range test on the whole dataset and writes the CSV, the plot and a suggestion', async () => {
  const { lrFind } = await import('../../src/train/lrFind.js');
  const r = await lrFind(cfg('lr', { optim: { name: 'sgd', lr: 1e-4, weight_decay: 0 } }), { iterations: 12, endLr: 1, quiet: true });
  assert.equal(r.history.lr.length, 12);
  assert.ok(Math.abs(r.history.lr[11] - 1) < 1e-9, 'the last recorded lr is end_lr (the seed records lr_{i+1})');
  assert.match(readFileSync(r.csv, 'utf8'), /^lr,loss\n/);
  assert.ok(r.plot && existsSync(r.plot));
  assert.ok(r.suggestion && r.suggestion.lr > 0);
});

test('model.pretrained starts every fold from ImageNet-style weights (4-channel input adapted)', { skip: pythonSkip('torch', 'torchvision') }, async () => {
  const weights = join(dir, 'imagenet-resnet18.pth');
  runPython(`import sys, torch, torchvision\ntorch.manual_seed(0)\ntorch.save(torchvision.models.resnet18().state_dict(), sys.argv[1])`, [weights]);
  const c = cfg('pre', { epochs: 1, dataset: { root_dir: data, filters: 'rgby', subset: 1.0, random_state: 92 }, model: { name: 'resnet18', dropout_p: 0.5, pretrained: weights } });
  await train(c, { quiet: true });
  const log = read('pre', 'train.log');
  assert.match(log, /conv1/);
  const sd = readStateDict(join(dir, 'ckpt', 'pre', 'fold_1', 'model.pth'));
  assert.deepEqual(sd.get('conv1.weight')!.shape, [64, 4, 7, 7]);
});
