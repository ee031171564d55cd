/**
 * Distributed `hpaic train` end to end on CPU (Gloo over 127.0.0.1, 2 ranks × 1 thread, tiny data): data-parallel
 * with SyncBatchNorm against one process with twice the batch; the gradient average without it; torchrun; fold-parallel;
 * a rank killed with -9 (the other stops naming it, a rerun resumes). Every child process is killed in `after`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTinyDataset, tinyConfig } from '../helpers/tinyDataset.js';
import { REPO_ROOT, pythonSkip, referenceMissing, runPython, tempDir } from '../helpers/env.js';
import { freePort } from '../helpers/freePort.js';
import { parseConfig } from '../../src/config/loadConfig.js';
import { train } from '../../src/train/train.js';
import { readHistory } from '../../src/train/summary.js';
import { createModel } from '../../src/models/registry.js';
import { createCriterion } from '../../src/nn/losses.js';
import { manualSeed, rand, randn, tensor } from '../../src/tensor/index.js';

const { dir, cleanup } = tempDir('hpaic-dist-e2e-');
const data = join(dir, 'data');
const ckpt = join(dir, 'ckpt');
const children = new Set<ChildProcess>();
const CHILD_ENV = { ...process.env, HPAIC_FROM_SOURCE: '1', HPAIC_NUM_THREADS: '1', OMP_NUM_THREADS: '1', HPAIC_QUIET: '1' };

// 24 images: one validation split of 6, 18 training samples = 2 steps of 8 (or 2 ranks × 4). 64² keeps BatchNorm's
// statistics well conditioned (at 32², layer4 normalises over 1×1 maps of 4 samples).
const base = (name: string, over: Record<string, unknown> = {}): Record<string, unknown> =>
  tinyConfig(data, ckpt, {
    name,
    epochs: 1,
    img_h: 64,
    img_w: 64,
    plots: 'none',
    model: { name: 'resnet18', dropout_p: 0 },
    // SGD, not Adam: Adam's first steps move each weight by ±lr whatever the gradient's size, so float noise in a
    // near-zero gradient flips a whole step; SGD keeps the comparison about the arithmetic.
    optim: { name: 'sgd', lr: 1e-3, weight_decay: 0 },
    dataloader: { n_splits: 1, val_size: 0.25, batch_size: 8, workers: 0, random_state: 92 },
    ...over,
  });
const dl = (batch: number, splits = 1): Record<string, unknown> => ({ n_splits: splits, val_size: splits === 1 ? 0.25 : null, batch_size: batch, workers: 0, random_state: 92 });
function writeConfig(name: string, over: Record<string, unknown> = {}): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(base(name, over)));
  return path;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = CHILD_ENV): { child: ChildProcess; done: Promise<{ code: number | null; signal: string | null; out: string }> } {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'], cwd: REPO_ROOT });
  children.add(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const done = new Promise<{ code: number | null; signal: string | null; out: string }>((resolve) =>
    child.on('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal, out });
    }),
  );
  return { child, done };
}
const hpaic = (args: string[], env?: NodeJS.ProcessEnv) => run(process.execPath, [join(REPO_ROOT, 'bin', 'hpaic.js'), ...args], env);
async function ok(p: ReturnType<typeof run>): Promise<string> {
  const r = await p.done;
  assert.equal(r.code, 0, `the command failed (${r.code ?? r.signal}):\n${r.out}`);
  return r.out;
}

interface Diff {
  param: number;
  running: number;
  ratio: number;
  worst: string;
}
function stateDiff(init: string, a: string, ...others: string[]): Diff[] {
  return runPython(readFileSync(join(REPO_ROOT, 'test', 'helpers', 'stateDiff.py'), 'utf8'), [init, a, ...others])
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Diff);
}
const model = (name: string, fold = 1): string => join(ckpt, name, `fold_${fold}`, 'model.pth');

const skip = pythonSkip('torch');

test.before(async () => {
  await makeTinyDataset(data, { train: 24, test: 4 });
});
test.after(() => {
  for (const c of children) c.kill('SIGKILL');
  cleanup();
});

test('2 ranks with sync_bn train one epoch like one process with twice the batch; without it they do not', { skip, timeout: 240_000 }, async (t) => {
  // The initial weights, as train() makes them (seeded by config.seed before the model is built).
  const one = await train(parseConfig(base('single')), { quiet: true });
  assert.equal(one.folds.length, 1);
  const initCfg = base('init', { optim: { name: 'sgd', lr: 1e-30, weight_decay: 0 } });
  await train(parseConfig(initCfg), { quiet: true });
  await ok(hpaic(['train', '-c', writeConfig('sync', { dataloader: dl(4), dist: { sync_bn: true } }), '--nproc', '2']));
  await ok(hpaic(['train', '-c', writeConfig('local', { dataloader: dl(4) }), '--nproc', '2']));
  const [sync, local] = stateDiff(model('init'), model('single'), model('sync'), model('local'));
  t.diagnostic(`vs one process: sync_bn ${JSON.stringify(sync)}; local BN ${JSON.stringify(local)}`);
  assert.ok(sync.param < 1e-4 && sync.running < 1e-4, `sync_bn vs one process: ${JSON.stringify(sync)}`);
  // Local batch statistics differ from the global batch's: the same comparison must fail without sync_bn.
  assert.ok(local.running > 10 * sync.running && local.ratio > 10 * sync.ratio, `without sync_bn the runs must differ clearly: ${JSON.stringify({ sync, local })}`);
  const h1 = readHistory(join(ckpt, 'single', 'fold_1', 'history.json')).epochs[0];
  const h2 = readHistory(join(ckpt, 'sync', 'fold_1', 'history.json')).epochs[0];
  assert.ok(Math.abs(h1.train.loss - h2.train.loss) < 1e-4 && Math.abs(h1.val.loss - h2.val.loss) < 1e-4, `losses ${JSON.stringify([h1.train.loss, h2.train.loss, h1.val.loss, h2.val.loss])}`);
  assert.deepEqual(h2.val.metrics, h1.val.metrics, 'the gathered validation gives one process\'s metrics');
  // One run folder: rank 0 wrote it, rank 1 only its log.
  assert.ok(existsSync(join(ckpt, 'sync', 'train.log')) && existsSync(join(ckpt, 'sync', 'train.rank1.log')));
  assert.match(readFileSync(join(ckpt, 'sync', 'train.rank1.log'), 'utf8'), /as rank 1 of 2 \(ddp, gloo, env\)/);
});

test('without sync_bn, one step\'s gradients on every rank are the mean of the ranks\' gradients computed alone', { timeout: 120_000 }, async () => {
  const port = String(await freePort());
  const env = (rank: number) => ({ ...CHILD_ENV, RANK: String(rank), WORLD_SIZE: '2', MASTER_ADDR: '127.0.0.1', MASTER_PORT: port });
  const script = join(REPO_ROOT, 'test', 'helpers', 'ddpStepRank.ts');
  const ranks = [0, 1].map((r) => run(process.execPath, ['--import', 'tsx', script, dir], env(r)));
  await Promise.all(ranks.map(ok));
  // Alone: this process, no group, the same seeded model on each rank's rows.
  const alone = [0, 1].map((r) => {
    manualSeed(0);
    const m = createModel('resnet18', { numClasses: 28, inChannels: 3, head: 'adaptive', dropoutP: 0 });
    m.train();
    manualSeed(7);
    const X = randn([8, 3, 64, 64]);
    const Y = rand([8, 28]).gt(0.7).to({ dtype: 'float32' });
    const rows = tensor([r, r + 2, r + 4, r + 6], [4], { dtype: 'int64' });
    createCriterion('bce', null, 'cpu')(m.forward(X.indexSelect(0, rows)), Y.indexSelect(0, rows)).backward();
    const g = m.parameters().flatMap((p) => Array.from(p.grad!.reshape([-1]).toTypedArray() as Float32Array));
    m.dispose();
    return g;
  });
  const avg = [0, 1].map((r) => new Float32Array(readFileSync(join(dir, `rank${r}.avg.bin`)).buffer.slice(0)));
  assert.equal(avg[0].length, alone[0].length);
  assert.deepEqual(avg[1], avg[0], 'both ranks hold the same averaged gradients');
  let worst = 0;
  let largest = 0;
  for (let i = 0; i < avg[0].length; i++) {
    worst = Math.max(worst, Math.abs(avg[0][i] - (alone[0][i] + alone[1][i]) / 2));
    largest = Math.max(largest, Math.abs(alone[0][i] - alone[1][i]));
  }
  assert.ok(worst < 1e-6, `averaged vs the mean of the ranks alone: ${worst}`);
  assert.ok(largest > 1e-3, 'the ranks\' own gradients differ (else the check proves nothing)');
});

test('torchrun --no_python starts 2 hpaic ranks (agent store) that train like hpaic train --nproc 2', { skip, timeout: 180_000 }, async (t) => {
  if (!existsSync('/usr/bin/torchrun')) return t.skip(referenceMissing('/usr/bin/torchrun is absent (apt install python3-torch)'));
  const cfg = writeConfig('torchrun', { dataloader: dl(4), dist: { sync_bn: true } });
  if (!existsSync(model('sync'))) await ok(hpaic(['train', '-c', writeConfig('sync', { dataloader: dl(4), dist: { sync_bn: true } }), '--nproc', '2']));
  const port = String(await freePort());
  // Debian bookworm's torchrun (Python 3.11) crashes at start without --redirects/--tee (docs/distributed.md).
  const out = await ok(run('/usr/bin/torchrun', ['--no_python', '--redirects', '1', '--tee', '1', '--nproc_per_node=2', `--master_port=${port}`, process.execPath, join(REPO_ROOT, 'bin', 'hpaic.js'), 'train', '-c', cfg]));
  assert.doesNotMatch(out, /Traceback/);
  assert.match(readFileSync(join(ckpt, 'torchrun', 'train.log'), 'utf8'), /as rank 0 of 2 \(ddp, gloo, torchrun\)/);
  const [d] = stateDiff(model('sync'), model('sync'), model('torchrun'));
  assert.equal(d.param + d.running, 0, `torchrun vs --nproc: ${JSON.stringify(d)}`);
});

test('fold-parallel: fold f on rank (f−1) mod 2, each fold equal to one process\'s', { timeout: 240_000 }, async () => {
  const over = { dataloader: dl(8, 2), dist: { mode: 'folds' } };
  await ok(hpaic(['train', '-c', writeConfig('folds', over), '--nproc', '2']));
  await train(parseConfig(base('folds1', over)), { quiet: true });
  for (const k of [1, 2]) {
    assert.equal(readFileSync(join(ckpt, 'folds', `fold_${k}`, 'summary.json'), 'utf8'), readFileSync(join(ckpt, 'folds1', `fold_${k}`, 'summary.json'), 'utf8'), `fold ${k} summary.json`);
    assert.deepEqual(readFileSync(model('folds', k)), readFileSync(model('folds1', k)), `fold ${k} model.pth`);
  }
  assert.match(readFileSync(join(ckpt, 'folds', 'train.rank1.log'), 'utf8'), /Fold 2\/2/);
  assert.match(readFileSync(join(ckpt, 'folds', 'train.log'), 'utf8'), /K-fold average validation CV metrics/);
});

test('kill -9 of rank 1: rank 0 exits non-zero naming rank 1 within dist.timeout_s; the rerun resumes', { timeout: 240_000 }, async (t) => {
  const cfg = writeConfig('killed', { epochs: 3, dataloader: dl(4), dist: { timeout_s: 30 } });
  const port = String(await freePort());
  const env = (rank: number) => ({ ...CHILD_ENV, RANK: String(rank), WORLD_SIZE: '2', MASTER_ADDR: '127.0.0.1', MASTER_PORT: port });
  const [r0, r1] = [0, 1].map((r) => hpaic(['train', '-c', cfg], env(r)));
  const log = join(ckpt, 'killed', 'train.log');
  for (let i = 0; i < 600 && !(existsSync(log) && /Epoch 1\/3/.test(readFileSync(log, 'utf8'))); i++) await new Promise((r) => setTimeout(r, 100));
  assert.match(readFileSync(log, 'utf8'), /Epoch 1\/3/, 'epoch 1 finished');
  const killedAt = Date.now();
  r1.child.kill('SIGKILL');
  const res = await r0.done;
  await r1.done;
  assert.notEqual(res.code, 0);
  assert.ok(Date.now() - killedAt < 30_000, `rank 0 stopped after ${Date.now() - killedAt} ms`);
  assert.match(res.out, /rank 1/, `rank 0's error must name rank 1:\n${res.out}`);
  t.diagnostic(`rank 0 stopped ${Date.now() - killedAt} ms after the kill: ${res.out.trim().split('\n').filter((l) => /rank 1/.test(l))[0]}`);
  await ok(hpaic(['train', '-c', cfg, '--nproc', '2']));
  const history = readHistory(join(ckpt, 'killed', 'fold_1', 'history.json'));
  assert.deepEqual(history.epochs.map((e) => e.epoch), [1, 2, 3]);
  assert.match(readFileSync(log, 'utf8'), /Resuming training at epoch [23]/);
});

