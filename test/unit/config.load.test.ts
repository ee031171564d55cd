import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { REPO_ROOT, tempDir } from '../helpers/env.js';
import { loadConfig, parseConfig, parseOverride } from '../../src/config/loadConfig.js';
import { saveResolvedConfig } from '../../src/run/runFolder.js';
import { ConfigError } from '../../src/errors.js';
import { jsonErrorPosition } from '../../src/config/jsonErrorPosition.js';

const SEED_CONFIGS = ['best/single_r50_512', 'ensemble/5f_r34_224', 'ensemble/5f_r34_512', 'ensemble/bn_512', 'ensemble/r18_512', 'ensemble/r18_512_logw', 'ensemble/r50_512'];

test('the seven seed configs load unchanged, with the values of seed-spec §3.1', () => {
  const cwd = '/somewhere/hpa';
  const all = Object.fromEntries(SEED_CONFIGS.map((n) => [n, loadConfig(join(REPO_ROOT, 'configs', `${n}.json`), undefined, { cwd })]));
  for (const [n, c] of Object.entries(all)) {
    assert.equal(c.name, n.split('/')[1]);
    assert.equal(c.device, 'cuda');
    assert.equal(c.min_lr, 1e-7);
    assert.equal(c.dataset.root_dir, resolve(cwd, '../dataset/'));
    assert.equal(c.checkpoint_dir, '/somewhere/hpa/checkpoint');
    assert.equal(c.dataset.filters, 'rgb');
    assert.equal(c.model.in_channels, 3);
    assert.equal(c.dataset.format, 'hdf5');
    assert.equal(c.dataset.train_csv, resolve(cwd, '../dataset/train.csv'));
    assert.equal(c.dataloader.random_state, 92);
  }
  const best = all['best/single_r50_512']!;
  assert.deepEqual([best.epochs, best.img_h, best.sampler.mode, best.sampler.weights.min_clip, best.sampler.weights.max_clip], [100, 512, 'max', 1, 5]);
  assert.deepEqual([best.dataloader.n_splits, best.dataloader.val_size, best.optim.name, best.optim.lr], [1, 0.15, 'adam', 2e-5]);
  const r224 = all['ensemble/5f_r34_224']!;
  assert.deepEqual([r224.dataset.subset, r224.criterion.name, r224.criterion.weights.scaling, r224.criterion.weights.damping_r, r224.dataloader.batch_size], [0.5, 'bce_w', 'log', 0.25, 64]);
  const r512 = all['ensemble/5f_r34_512']!;
  assert.deepEqual([r512.load.path, r512.load.weights_only, r512.lr_factor, r512.epochs], ['/somewhere/hpa/checkpoint/5f_r34_224', true, 0.25, 80]);
  const logw = all['ensemble/r18_512_logw']!;
  assert.deepEqual([logw.model.dropout_p, logw.optim.name, logw.optim.lr, logw.optim.weight_decay], [0, 'sgd', 0.1, 1e-4]);
  assert.equal(all['ensemble/bn_512']!.model.name, 'bninception');
  assert.equal(all['ensemble/bn_512']!.stop_patience, 15);
  assert.equal(all['ensemble/r50_512']!.lr_patience, 4);
});

// Its values are the demo's default preset (test/e2e/demo.e2e.test.ts); here: it loads from a file like a user's.
test('configs/demo.json loads as a small CPU-sized config with root_dir resolved against the working folder', () => {
  const c = loadConfig(join(REPO_ROOT, 'configs', 'demo.json'), undefined, { cwd: '/x' });
  assert.deepEqual([c.model.name, c.dataloader.n_splits, c.img_h], ['resnet18', 2, 48]);
  assert.equal(c.dataset.root_dir, '/x/demo-data');
});

const base = { name: 'x', dataset: { root_dir: 'd' } };
function errorOf(raw: unknown, overrides?: Record<string, unknown>): string {
  try {
    parseConfig(raw, { source: 'config.json', overrides });
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.message;
  }
  assert.fail('expected a ConfigError');
}

test('errors name the key path, the expected value and what was found', () => {
  assert.equal(errorOf({ ...base, optim: { name: 'adamw' } }), 'config.json: optim.name: expected one of "adam", "sgd" but received "adamw"');
  assert.equal(errorOf({ ...base, model: { name: 'vgg16' } }).split(' but')[0], 'config.json: model.name: expected one of "resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "inceptionv3", "bninception", "se_resnet50", "se_resnext50_32x4d", "densenet121", "densenet169"');
  assert.match(errorOf({ ...base, modle: {} }), /^config\.json: modle: unknown key \(expected one of the keys .*; did you mean "model"\?\)$/);
  assert.equal(errorOf({ ...base, epochs: 2.5 }), 'config.json: epochs: expected an integer >= 1 but received 2.5');
  assert.equal(errorOf({ ...base, sampler: { mode: 'Median', weights: { scaling: null } } }), 'config.json: sampler.weights.scaling: expected one of "none", "median", "majority", "minority", "log" when sampler.mode is "median" but received null');
  assert.equal(errorOf({ ...base, dataloader: { n_splits: 1 } }), 'config.json: dataloader.val_size: expected a number greater than 0 and less than 1 when dataloader.n_splits is 1 but received nothing (the key is missing)');
  assert.equal(errorOf({ ...base, dataset: { root_dir: 'd', filters: 'rgbx' } }), 'config.json: dataset.filters: expected channel letters from r, g, b, y, each at most once (e.g. "rgb", "rgby", "rygb") but received "rgbx"');
  assert.equal(errorOf({ ...base, model: { in_channels: 4 } }), 'config.json: model.in_channels: expected null or 3 (the number of channels dataset.filters "rgb" gives) but received 4');
  assert.equal(errorOf({ ...base, device: 'tpu' }), 'config.json: device: expected "auto", "cpu", "cuda" or "cuda:<index>" but received "tpu"');
  assert.equal(errorOf({ ...base, load: { path: 3 } }), 'config.json: load.path: expected null or a path (a non-empty string) but received 3');
  assert.equal(errorOf(base, { 'optim.lr': 0 }), 'config.json (override optim.lr): optim.lr: expected a number greater than 0 but received 0');
  assert.equal(errorOf([1, 2]), 'config.json: (top level): expected an object but received an array ([1,2])');
  // Several problems are all reported, one per line.
  assert.equal(errorOf({ dataset: {}, lr_factor: 1 }).split('\n').length, 3);
});

test('enumerations are case-insensitive and come out lower-case; defaults fill new keys', () => {
  const c = parseConfig({ ...base, device: 'CUDA:1', model: { name: 'ResNet18', head: 'FC' }, criterion: { name: 'BCE_W' }, sampler: { mode: 'MeanMax' }, optim: { name: 'SGD' } }, { cwd: '/r' });
  assert.deepEqual([c.device, c.model.name, c.model.head, c.criterion.name, c.sampler.mode, c.optim.name], ['cuda:1', 'resnet18', 'fc', 'bce_w', 'meanmax', 'sgd']);
  assert.deepEqual([c.threads, c.seed, c.channels_last, c.amp, c.model.pretrained, c.dataset.format], [null, 0, true, false, null, 'hdf5']);
  assert.equal(parseConfig({ ...base, dataset: { root_dir: 'd', filters: 'rgby' } }).model.in_channels, 4);
  assert.equal(parseConfig({ ...base, dataset: { root_dir: 'd', filters: 'rygb' } }).model.in_channels, 3);
  assert.equal(parseConfig({ ...base, dataset: { root_dir: 'd', train_csv: '/abs/merged.csv' } }).dataset.train_csv, '/abs/merged.csv');
  const o = parseConfig(base, { overrides: Object.fromEntries([parseOverride('optim.lr=1e-4'), parseOverride('model.name=resnet50'), parseOverride('load.path=null')]) });
  assert.deepEqual([o.optim.lr, o.model.name, o.load.path], [1e-4, 'resnet50', null]);
});

test('invalid JSON names the file, line and column; a missing file is a ConfigError', () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'bad.json');
    writeFileSync(file, '{\n  "name": "x",\n  "epochs": 3,\n}\n');
    assert.throws(() => loadConfig(file), (e: Error) => e instanceof ConfigError && e.message.startsWith(`${file}:4:1: invalid JSON near "}`));
    assert.throws(() => loadConfig(join(dir, 'none.json')), (e: Error) => e instanceof ConfigError && /none\.json: cannot read the config file \(no such file\)/.test(e.message));
  } finally {
    cleanup();
  }
  assert.deepEqual(jsonErrorPosition('{"a": [1, 2,]}'), { offset: 12, line: 1, column: 13 });
  assert.deepEqual(jsonErrorPosition('{"a": 1'), { offset: 7, line: 1, column: 8 });
  assert.equal(jsonErrorPosition(' {"a": [1, {"b": null}], "c": "\\u00e9"} '), null);
});

test('saveResolvedConfig writes config.resolved.json that loads back to the same config', () => {
  const { dir, cleanup } = tempDir();
  try {
    const c = loadConfig(join(REPO_ROOT, 'configs', 'ensemble', '5f_r34_224.json'), undefined, { cwd: dir });
    const file = saveResolvedConfig(join(dir, 'run'), c);
    assert.equal(file, join(dir, 'run', 'config.resolved.json'));
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), c);
    assert.deepEqual(loadConfig(file, undefined, { cwd: '/elsewhere' }), c);
  } finally {
    cleanup();
  }
});
