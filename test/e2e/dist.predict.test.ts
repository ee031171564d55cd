/**
 * `hpaic find-thresholds` and `hpaic submit` under a launcher (`--nproc 2`: 2 ranks, Gloo over 127.0.0.1): each rank
 * predicts every other image (TTA included), the logits are gathered on every rank, rank 0 writes; the files must be
 * the ones a single process writes for the same run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTinyDataset, tinyConfig } from '../helpers/tinyDataset.js';
import { REPO_ROOT, tempDir } from '../helpers/env.js';
import { parseConfig } from '../../src/config/loadConfig.js';
import { train } from '../../src/train/train.js';
import { findThresholds } from '../../src/predict/findThresholds.js';
import { submit } from '../../src/predict/submit.js';

const { dir, cleanup } = tempDir('hpaic-dist-predict-');
const data = join(dir, 'data');
const ckpt = join(dir, 'ckpt');
const cfg = (name: string) => tinyConfig(data, ckpt, { name, epochs: 1, plots: 'none', model: { name: 'resnet18', dropout_p: 0 }, dataloader: { n_splits: 2, val_size: null, batch_size: 4, workers: 0, random_state: 92 } });

function hpaic(args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'hpaic.js'), ...args], { env: { ...process.env, HPAIC_FROM_SOURCE: '1', HPAIC_NUM_THREADS: '1', HPAIC_QUIET: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out })));
}

test.before(async () => {
  await makeTinyDataset(data, { train: 24, test: 9 });
});
test.after(() => cleanup());

test('2 ranks write the same threshold.json, validation probabilities and submission files as one process', { timeout: 300_000 }, async () => {
  await train(parseConfig(cfg('one')), { quiet: true });
  // The same trained run under another name, for the 2-rank commands.
  cpSync(join(ckpt, 'one'), join(ckpt, 'two'), { recursive: true });
  const twoCfg = join(dir, 'two.json');
  writeFileSync(twoCfg, JSON.stringify(cfg('two')));
  await findThresholds(parseConfig(cfg('one')), { quiet: true });
  await submit(parseConfig(cfg('one')), { numAug: 3, quiet: true });
  for (const args of [['find-thresholds', '-c', twoCfg, '--nproc', '2'], ['submit', '-c', twoCfg, '--num-aug', '3', '--nproc', '2']]) {
    const r = await hpaic(args);
    assert.equal(r.code, 0, `${args.join(' ')}:\n${r.out}`);
  }
  const same = (...rel: string[]) => assert.equal(readFileSync(join(ckpt, 'two', ...rel), 'utf8'), readFileSync(join(ckpt, 'one', ...rel), 'utf8'), rel.join('/'));
  same('threshold.json');
  // A rank's batches hold other images than one process's, so a convolution may round differently in the last
  // float32 digit (libtorch picks its blocking by batch): the probabilities agree to 1e-6, ids and order exactly.
  const close = (...rel: string[]) => {
    const rows = (name: string) => readFileSync(join(ckpt, name, ...rel), 'utf8').trim().split('\n').map((l) => l.split(','));
    const [a, b] = [rows('one'), rows('two')];
    assert.equal(b.length, a.length, rel.join('/'));
    a.forEach((row, i) =>
      row.forEach((v, c) => {
        const w = b[i][c];
        if (/^-?\d*\.\d+(e-?\d+)?$/.test(v)) assert.ok(Math.abs(Number(v) - Number(w)) < 1e-6, `${rel.join('/')} row ${i} column ${c}: ${v} vs ${w}`);
        else assert.equal(w, v, `${rel.join('/')} row ${i} column ${c}`);
      }),
    );
  };
  close('fold_1', 'val_probabilities.csv');
  close('fold_2', 'val_probabilities.csv');
  const files = readdirSync(join(ckpt, 'one', 'submission')).sort();
  assert.ok(files.length >= 2, `submission files: ${files.join(', ')}`);
  assert.deepEqual(readdirSync(join(ckpt, 'two', 'submission')).sort(), files);
  // The submissions (labels) byte for byte; the probability files to 1e-6.
  for (const f of files) (/prob/.test(f) ? close : same)('submission', f);
});
