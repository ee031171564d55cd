/**
 * The winners' recipes end to end on a tiny dataset (48 RGBY images of 32², 2 folds, 3 epochs): every
 * configs/winners/*.json loads and names its source in `_comment`; bestfitting's recipe trains DenseNet121 with
 * focal_lovasz_hard and the step schedule, finds label-ratio thresholds and submits with d8 TTA combined by max;
 * pudae's trains ResNet34 and ends with the average of its last epochs. No tensor may leak.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeTinyDataset } from '../helpers/tinyDataset.js';
import { REPO_ROOT, tempDir } from '../helpers/env.js';
import { loadConfig } from '../../src/config/loadConfig.js';
import type { HpaicConfig } from '../../src/config/schema.js';
import { train } from '../../src/train/train.js';
import { findThresholds } from '../../src/predict/findThresholds.js';
import { submit } from '../../src/predict/submit.js';
import { readHistory } from '../../src/train/summary.js';
import { liveTensors } from '../../src/tensor/scope.js';
import { scoreFiles } from '../../src/metrics/scoreFiles.js';

const WINNERS = join(REPO_ROOT, 'configs', 'winners');
const { dir, cleanup } = tempDir('hpaic-winners-e2e-');
const data = join(dir, 'data');
test.before(async () => {
  await makeTinyDataset(data);
});
test.after(() => cleanup());

/** A recipe shrunk to the tiny data: everything else as the file says. */
function tiny(file: string, name: string, over: Record<string, unknown> = {}): HpaicConfig {
  return loadConfig(join(WINNERS, file), {
    name,
    device: 'cpu',
    checkpoint_dir: join(dir, 'ckpt'),
    epochs: 3,
    img_h: 32,
    img_w: 32,
    stop_patience: 3,
    plots: 'none',
    'dataset.root_dir': data,
    'dataloader.n_splits': 2,
    'dataloader.batch_size': 8,
    'dataloader.workers': 0,
    ...over,
  });
}

test('every configs/winners recipe loads and names its source and differences in _comment', () => {
  const files = readdirSync(WINNERS).filter((f) => f.endsWith('.json'));
  assert.ok(files.includes('bestfitting_densenet121_rgby.json') && files.includes('pudae_resnet34_rgby.json'));
  for (const f of files) {
    const raw = JSON.parse(readFileSync(join(WINNERS, f), 'utf8')) as { _comment?: string[] };
    const comment = (raw._comment ?? []).join(' ');
    assert.match(comment, /Source:/, `${f}: _comment names the source`);
    assert.match(comment, /Differs:/, `${f}: _comment says what differs`);
    const c = loadConfig(join(WINNERS, f), { 'dataset.root_dir': data });
    assert.equal(c.dataset.filters, 'rgby', f);
  }
});

test("bestfitting's recipe: DenseNet121 RGBY trains, label-ratio thresholds, d8 TTA combined by max", async () => {
  const before = liveTensors();
  const config = tiny('bestfitting_densenet121_rgby.json', 'bestfitting', { lr_milestones: [1, 2], lr_factors: [0.5, 0.25] });
  assert.equal(config.model.name, 'densenet121');
  await train(config, { quiet: true });
  const history = readHistory(join(dir, 'ckpt', 'bestfitting', 'fold_1', 'history.json'));
  assert.deepEqual(
    history.epochs.map((e) => e.lr),
    [3e-4, 1.5e-4, 7.5e-5],
    'the step schedule sets each epoch lr',
  );
  const { folds } = await findThresholds(config, { quiet: true, method: 'label-ratio' });
  assert.equal(folds.length, 2);
  for (const f of folds) {
    assert.equal(f.label_ratio.argmax_on, true);
    assert.equal((f.label_ratio.threshold as number[]).length, 28);
  }
  const { dir: sub } = await submit(config, { quiet: true, ttaSet: 'd8', ttaCombine: 'max', fillEmpty: null });
  for (const f of ['fold_1_label_ratio.csv', 'ensemble_label_ratio.csv', 'ensemble_class_best.csv']) assert.ok(existsSync(join(sub, f)), f);
  // Argmax on: every row of a label_ratio submission predicts at least one class.
  const rows = readFileSync(join(sub, 'ensemble_label_ratio.csv'), 'utf8').trim().split('\n').slice(1);
  assert.equal(rows.length, 16);
  assert.ok(rows.every((r) => r.split(',')[1].trim().length > 0), 'no empty row with argmax on');
  const score = scoreFiles(join(data, 'test_truth.csv'), join(sub, 'ensemble_label_ratio.csv'));
  assert.ok(score.macroF1 >= 0 && score.macroF1 <= 1);
  assert.match(readFileSync(join(dir, 'ckpt', 'bestfitting', 'train.log'), 'utf8'), /combined by the maximum probability/);
  assert.equal(liveTensors(), before, 'the recipe leaked tensors');
});

test("pudae's recipe: ResNet34 RGBY with per-image input and grad accumulation ends with the average of its last 2 epochs", async () => {
  const config = tiny('pudae_resnet34_rgby.json', 'pudae', { average_last: 2, grad_accumulation: 2, 'model.input_norm': 'per_image' });
  await train(config, { quiet: true });
  const fold = join(dir, 'ckpt', 'pudae', 'fold_1');
  assert.match(readFileSync(join(dir, 'ckpt', 'pudae', 'train.log'), 'utf8'), /Averaged the weights of epochs 2-3 \(2\): val f1 [0-9.]+/);
  assert.ok(existsSync(join(fold, 'model.pth')));
  assert.deepEqual(readdirSync(fold).filter((f) => /^epoch_\d+\.pth$/.test(f)), [], 'the per-epoch weight files are removed after averaging');
});
