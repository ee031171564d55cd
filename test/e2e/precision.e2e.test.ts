/**
 * `precision` end to end on the tiny dataset (48 images of 32², 2 folds, 2 epochs): a bf16 run trains under
 * autocast (its losses differ from the fp32 run's), says so in train.log, history.json and summary.json, resumes
 * after an interruption to exactly the uninterrupted bf16 run, and find-thresholds / submit run bf16 too;
 * fp16 on a CPU run is refused naming the key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTinyDataset, tinyConfig } from '../helpers/tinyDataset.js';
import { tempDir } from '../helpers/env.js';
import { parseConfig } from '../../src/config/loadConfig.js';
import { train } from '../../src/train/train.js';
import { findThresholds } from '../../src/predict/findThresholds.js';
import { submit } from '../../src/predict/submit.js';
import { lrFind } from '../../src/train/lrFind.js';
import { readHistory } from '../../src/train/summary.js';
import { ConfigError } from '../../src/errors.js';
import { liveTensors } from '../../src/tensor/scope.js';
import { cudaAvailable } from '../../src/tensor/runtime.js';

const { dir, cleanup } = tempDir('hpaic-precision-e2e-');
const data = join(dir, 'data');
const cfg = (name: string, over: Record<string, unknown> = {}) => parseConfig(tinyConfig(data, join(dir, 'ckpt'), { name, ...over }));
const read = (...p: string[]): string => readFileSync(join(dir, 'ckpt', ...p), 'utf8');
const losses = (name: string, k: number): number[][] => readHistory(join(dir, 'ckpt', name, `fold_${k}`, 'history.json')).epochs.map((e) => [e.train.loss, e.val.loss]);

test.before(async () => {
  await makeTinyDataset(data);
});
test.after(() => cleanup());

test('a bf16 run trains under autocast, records its precision, and resumes to the uninterrupted bf16 run', async () => {
  const before = liveTensors();
  await train(cfg('bf', { precision: 'bf16' }), { quiet: true });
  assert.equal(liveTensors(), before, 'bf16 training leaked tensors');
  assert.match(read('bf', 'train.log'), /on cpu, precision bf16 \(autocast bfloat16 on cpu; fp32 weights, optimizer state and loss\)/);
  const summary = JSON.parse(read('bf', 'fold_1', 'summary.json'));
  assert.deepEqual(Object.keys(summary), ['epoch', 'loss_history', 'metric_history', 'precision']);
  assert.equal(summary.precision, 'bf16');
  assert.ok(readHistory(join(dir, 'ckpt', 'bf', 'fold_1', 'history.json')).epochs.every((e) => e.precision === 'bf16'));

  await train(cfg('fp', { precision: 'fp32' }), { quiet: true });
  assert.deepEqual(Object.keys(JSON.parse(read('fp', 'fold_1', 'summary.json'))), ['epoch', 'loss_history', 'metric_history'], 'fp32 keeps the seed summary.json');
  const [bf, fp] = [losses('bf', 1), losses('fp', 1)];
  assert.notDeepEqual(bf, fp, 'bf16 and fp32 must not train identically');
  // Same data, same initial weights: bf16 follows fp32 closely on this tiny problem.
  bf.flat().forEach((v, i) => assert.ok(Math.abs(v - fp.flat()[i]) < 0.05 * Math.abs(fp.flat()[i]) + 0.02, `loss ${i}: bf16 ${v} vs fp32 ${fp.flat()[i]}`));

  const first = await train(cfg('bf-resume', { precision: 'bf16' }), { quiet: true, maxEpochsThisRun: 3 });
  assert.equal(first.folds.length, 1);
  await train(cfg('bf-resume', { precision: 'bf16' }), { quiet: true });
  for (const k of [1, 2]) assert.deepEqual(losses('bf-resume', k), losses('bf', k), `fold ${k}: resumed bf16 losses must equal the uninterrupted run's`);
});

test('find-thresholds and submit run the bf16 forward and say so', async () => {
  const c = cfg('bf', { precision: 'bf16' });
  const t = await findThresholds(c, { quiet: true });
  assert.ok(existsSync(t.path));
  const s = await submit(c, { quiet: true, tta: false });
  assert.ok(s.files.length > 0 && s.files.every((f) => existsSync(f)));
  const log = read('bf', 'train.log');
  assert.match(log, /Searching for the best decision thresholds \(precision bf16 \(autocast bfloat16 on cpu/);
  assert.match(log, /Forward pass: precision bf16 \(autocast bfloat16 on cpu/);
});

test('lr-find trains its range test under bf16 and logs the precision', async () => {
  const r = await lrFind(cfg('bf-lr', { precision: 'bf16', plots: 'none' }), { quiet: true, iterations: 8 });
  assert.equal(r.history.lr.length, 8);
  assert.ok(r.history.loss.every((v) => Number.isFinite(v)));
  assert.match(read('bf-lr', 'train.log'), /hpaic lr-find: bf-lr on cpu, precision bf16 \(autocast bfloat16 on cpu/);
});

test('precision fp16 on a CPU run is a config error naming the key', { skip: cudaAvailable() ? 'a CUDA device is visible, so device auto runs fp16' : false }, async () => {
  await assert.rejects(
    () => train(cfg('f16', { device: 'auto', precision: 'fp16' }), { quiet: true }),
    (e: unknown) => e instanceof ConfigError && /precision: "fp16" needs a CUDA device, but this run uses "cpu"/.test((e as Error).message),
  );
});
