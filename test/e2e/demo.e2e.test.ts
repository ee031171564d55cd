/** `hpaic demo --preset tiny` end to end (the CI smoke test of the README's quick start). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { REPO_ROOT, tempDir } from '../helpers/env.js';
import { parseConfig } from '../../src/config/loadConfig.js';
import { DEMO_PRESETS, demoConfig } from '../../src/demo/runDemo.js';

test('hpaic demo runs synth → convert → train → thresholds → TTA submission → ensemble → score', () => {
  const { dir, cleanup } = tempDir('hpaic-demo-');
  try {
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'hpaic.js'), 'demo', '--out', dir, '--preset', 'tiny', '--quiet'], { encoding: 'utf8', env: { ...process.env, HPAIC_FROM_SOURCE: '1' } });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines.at(-1)!, /^macro F1 [0-9.]+ \(baselines: all-0 [0-9.]+, top-2 [0-9.]+\) in [0-9.]+ s$/);
    for (let i = 1; i <= 7; i++) assert.ok(lines.some((l) => l.startsWith(`[${i}/7]`)), `step ${i} printed`);
    const result = JSON.parse(readFileSync(join(dir, 'demo_result.json'), 'utf8'));
    assert.deepEqual(Object.keys(result).sort(), ['baselines', 'macroF1', 'seconds', 'submission']);
    assert.deepEqual(Object.keys(result.baselines).sort(), ['allClass0', 'top2Classes']);
    assert.ok(result.macroF1 >= 0 && result.macroF1 <= 1);
    assert.ok(existsSync(result.submission));
    for (const f of ['synth/test_truth.csv', 'data/train.hdf5', 'checkpoint/demo/threshold.json', 'checkpoint/demo/submission/ensemble_lb_fill25.csv']) assert.ok(existsSync(join(dir, f)), f);
    // Other settings into the same folder would reuse the finished folds of this run: refused, naming the change.
    const other = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'hpaic.js'), 'demo', '--out', dir, '--preset', 'tiny', '--seed', '2', '--quiet'], { encoding: 'utf8', env: { ...process.env, HPAIC_FROM_SOURCE: '1' } });
    assert.notEqual(other.status, 0);
    assert.match(other.stderr, /holds a demo run with other settings \(seed 1 → 2\)/);
  } finally {
    cleanup();
  }
});

test('configs/demo.json is the default preset\'s training config (hpaic train -c configs/demo.json trains as the demo does)', () => {
  const file = parseConfig(JSON.parse(readFileSync(join(REPO_ROOT, 'configs', 'demo.json'), 'utf8')));
  assert.deepEqual(file, demoConfig('demo-data/', 'checkpoint', DEMO_PRESETS.default, 1));
});
