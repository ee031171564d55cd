/**
 * train → find-thresholds → submit → ensemble → score through the CLI on a tiny generated dataset: the seed's
 * threshold.json and submission files, in the seed's formats.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { makeTinyDataset, tinyConfig } from '../helpers/tinyDataset.js';
import { REPO_ROOT, tempDir } from '../helpers/env.js';

const { dir, cleanup } = tempDir('hpaic-predict-e2e-');
test.after(() => cleanup());

function hpaic(...args: string[]): string {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'hpaic.js'), ...args], { encoding: 'utf8', env: { ...process.env, HPAIC_FROM_SOURCE: '1', HPAIC_QUIET: '1' } });
  assert.equal(r.status, 0, `hpaic ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

test('the seed workflow writes threshold.json and every submission file with the seed names and format', async () => {
  const data = join(dir, 'data');
  const { testIds } = await makeTinyDataset(data);
  const config = join(dir, 'tiny.json');
  writeFileSync(config, JSON.stringify(tinyConfig(data, join(dir, 'ckpt'), { epochs: 1 })));
  hpaic('train', '-c', config);
  hpaic('find-thresholds', '-c', config);
  const thresholds = JSON.parse(readFileSync(join(dir, 'ckpt', 'tiny', 'threshold.json'), 'utf8'));
  assert.deepEqual(Object.keys(thresholds), ['fold_1', 'fold_2']);
  assert.deepEqual(Object.keys(thresholds.fold_1), ['default', 'lb', 'single_best', 'class_best']);
  assert.equal(thresholds.fold_1.lb.threshold, 0.3);
  assert.equal(thresholds.fold_2.class_best.threshold.length, 28);
  assert.match(thresholds.fold_1.single_best.metrics, /^\[\('f1_macro', /);

  hpaic('submit', '-c', config);
  const sub = join(dir, 'ckpt', 'tiny', 'submission');
  const files = readdirSync(sub).sort();
  const want: string[] = [];
  for (const p of ['fold_1', 'fold_2', 'ensemble']) {
    for (const k of ['default', 'lb', 'single_best', 'class_best']) want.push(`${p}_${k}.csv`, `${p}_${k}_fill25.csv`);
    want.push(`${p}_probs.csv`);
  }
  assert.deepEqual(files, want.sort());
  const rows = readFileSync(join(sub, 'ensemble_lb_fill25.csv'), 'utf8').trim().split('\n');
  assert.equal(rows[0], 'Id,Predicted');
  assert.deepEqual(rows.slice(1).map((r) => r.split(',')[0]), testIds, 'rows follow sample_submission.csv');
  for (const r of rows.slice(1)) {
    const classes = r.split(',')[1].split(' ').map(Number);
    assert.ok(classes.length > 0, 'fill25 rows are never empty');
    assert.deepEqual(classes, [...classes].sort((a, b) => a - b), 'ascending class indices');
  }

  // The seed's last steps: a hard vote over CSVs, and scoring against the truth.
  const votes = join(dir, 'votes');
  hpaic('submit', '-c', config, '--no-tta', '--fill-empty', 'none', '--set', 'name=tiny');
  const { mkdirSync, copyFileSync } = await import('node:fs');
  mkdirSync(votes);
  for (const f of ['fold_1_lb.csv', 'fold_2_lb.csv', 'ensemble_lb.csv']) copyFileSync(join(sub, f), join(votes, f.replace('ensemble', 'folds')));
  hpaic('ensemble', '-d', votes);
  const score = JSON.parse(hpaic('score', '--truth', join(data, 'test_truth.csv'), '--pred', join(votes, 'ensemble_fill25.csv'), '--json'));
  assert.ok(score.macroF1 >= 0 && score.macroF1 <= 1);
  assert.equal(score.perClass.length, 28);
});
