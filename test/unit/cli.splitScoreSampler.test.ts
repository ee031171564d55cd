import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, sharedData, tempDir } from '../helpers/env.js';
import { readFoldCsv } from '../../src/data/tables/foldAssignment.js';
import { readLabelCsv } from '../../src/data/tables/csv.js';
import { multilabelStratifiedKFold } from '../../src/data/tables/folds.js';

const bin = join(REPO_ROOT, 'bin', 'hpaic.js');
const hpaic = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, HPAIC_FROM_SOURCE: '1' } });

const train = sharedData('kaggle/train.csv');
test('hpaic split writes Id,fold (1..k, input order) equal to the library folds and prints sizes', { skip: train.skip }, () => {
  const { dir, cleanup } = tempDir();
  try {
    const out = join(dir, 'folds.csv');
    const r = hpaic('split', '--csv', train.path, '--folds', '5', '--seed', '92', '--out', out);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /31072 rows, 5 folds, seed 92/);
    assert.match(r.stdout, /fold 5 +\d+ rows/);
    assert.match(r.stdout, /largest per-class deviation: fold \d, class \d+ \(.+\): \d+ labels vs [\d.]+ expected/);
    const folds = readFoldCsv(out);
    const t = readLabelCsv(train.path);
    assert.deepEqual(folds.ids, t.ids);
    const { foldOf } = multilabelStratifiedKFold(t.labels, 28, 5, { randomState: 92 });
    assert.deepEqual(Array.from(folds.fold), Array.from(foldOf, (f) => f + 1));
    const v = hpaic('split', '--csv', train.path, '--folds', '1', '--val-size', '0.15', '--out', join(dir, 'val.csv'));
    assert.equal(v.status, 0, v.stderr);
    const val = readFoldCsv(join(dir, 'val.csv'));
    const nVal = val.fold.reduce((s, f) => s + f, 0);
    assert.ok(Math.abs(nVal - Math.ceil(0.15 * 31072)) < 100, `validation rows ${nVal}`);
    assert.match(v.stdout, /validation \(1\) +\d+ rows/);
  } finally {
    cleanup();
  }
});

test('hpaic split usage errors and data errors', () => {
  const { dir, cleanup } = tempDir();
  try {
    const csv = join(dir, 'bad.csv');
    writeFileSync(csv, 'Id,Target\na,1\nb,1 99\n');
    const r = hpaic('split', '--csv', csv, '--out', join(dir, 'f.csv'));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /bad\.csv line 3.*class 99/);
    const u = hpaic('split', '--csv', csv, '--folds', '1', '--out', join(dir, 'f.csv'));
    assert.equal(u.status, 2);
    assert.match(u.stderr, /--folds 1 needs --val-size/);
  } finally {
    cleanup();
  }
});

test('hpaic score: table, --json (one document), id mismatch error', () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 't.csv'), 'Id,Target\na,0 1\nb,\nc,25\n');
    writeFileSync(join(dir, 'p.csv'), 'Id,Predicted\nc,25\na,0\nb,3\n');
    const r = hpaic('score', '--truth', join(dir, 't.csv'), '--pred', join(dir, 'p.csv'), '--json');
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(j), ['macroF1', 'microF1', 'perClass']);
    assert.equal(j.perClass.length, 28);
    assert.deepEqual(Object.keys(j.perClass[0]), ['class', 'name', 'f1', 'precision', 'recall', 'support']);
    assert.equal(j.macroF1, 2 / 28);
    assert.equal(j.microF1, 2 / 3);
    const z = hpaic('score', '--truth', join(dir, 't.csv'), '--pred', join(dir, 'p.csv'), '--json', '--zero-division', '1');
    assert.equal(JSON.parse(z.stdout).macroF1, 26 / 28, "classes 0, 25 and the 24 absent ones score 1");
    const table = hpaic('score', '--truth', join(dir, 't.csv'), '--pred', join(dir, 'p.csv'));
    assert.match(table.stdout, /macro F1 0\.0714/);
    assert.match(table.stdout, /25 +Cytosol +1 +1\.0000/);
    writeFileSync(join(dir, 'p2.csv'), 'Id,Predicted\nc,25\nx,0\n');
    const e = hpaic('score', '--truth', join(dir, 't.csv'), '--pred', join(dir, 'p2.csv'));
    assert.equal(e.status, 1);
    assert.match(e.stderr, /2 ids of .*t\.csv are missing from .*p2\.csv: a, b/);
  } finally {
    cleanup();
  }
});

test('hpaic sampler-analysis prints the seed variants and writes a CSV and PNG charts', () => {
  const { dir, cleanup } = tempDir();
  try {
    const lines = ['Id,Target'];
    for (let i = 0; i < 300; i++) lines.push(`s${i},${i % 28}${i % 3 === 0 ? ` ${(i * 5) % 28}` : ''}`);
    writeFileSync(join(dir, 'l.csv'), lines.join('\n'));
    const r = hpaic('sampler-analysis', '--csv', join(dir, 'l.csv'), '--out', join(dir, 'out'));
    assert.equal(r.status, 0, r.stderr);
    for (const h of ['No sampler', 'Scaling: median | Mode: meanmax', 'Log-damping ratio tests', 'Scaling: log | Damping ratio: 2 | Mode: meanmax', 'Class count:', 'Distribution of number of labels:']) {
      assert.ok(r.stdout.includes(h), `missing "${h}"`);
    }
    const csv = readFileSync(join(dir, 'out', 'sampler_analysis.csv'), 'utf8').trim().split('\n');
    assert.equal(csv.length, 1 + 17);
    const png = readFileSync(join(dir, 'out', 'sampler_analysis_classes.png'));
    assert.equal(png.subarray(1, 4).toString(), 'PNG');
    assert.ok(existsSync(join(dir, 'out', 'sampler_analysis_labels.png')));
  } finally {
    cleanup();
  }
});
