import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { applyLeak, leakOutputPath } from '../../src/predict/applyLeak.js';
import { REPO_ROOT, tempDir } from '../helpers/env.js';

const bin = join(REPO_ROOT, 'bin', 'hpaic.js');

test('each leak is applied to a fresh copy of the original and written as <base>_<leak base>.csv', () => {
  const { dir, cleanup } = tempDir();
  try {
    const sub = join(dir, 'ensemble_lb.csv');
    writeFileSync(sub, 'Id,Predicted\na,0\nb,\nc,5 25\nd,2\n');
    writeFileSync(join(dir, 'leak126.csv'), 'Id,Target\nc,16 0\n');
    writeFileSync(join(dir, 'leak259.csv'), 'Id,Target\na,3\nd,7\n');
    const r = spawnSync(process.execPath, [bin, 'apply-leak', '--sub', sub, '--leak', join(dir, 'leak126.csv'), '--leak', join(dir, 'leak259.csv')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Saved submission in: .*ensemble_lb_leak126\.csv\nSaved submission in: .*ensemble_lb_leak259\.csv/);
    // Classes are written ascending (the seed copied the leak's text verbatim, e.g. "16 0").
    assert.equal(readFileSync(join(dir, 'ensemble_lb_leak126.csv'), 'utf8'), 'Id,Predicted\na,0\nb,\nc,0 16\nd,2\n');
    // Independent: the second output does not contain the first leak.
    assert.equal(readFileSync(join(dir, 'ensemble_lb_leak259.csv'), 'utf8'), 'Id,Predicted\na,3\nb,\nc,5 25\nd,7\n');
    assert.equal(readFileSync(sub, 'utf8'), 'Id,Predicted\na,0\nb,\nc,5 25\nd,2\n');
    assert.equal(leakOutputPath('x/sub.csv', '/data/leak126.csv'), join('x', 'sub_leak126.csv'));
  } finally {
    cleanup();
  }
});

test('a leak Id that is not in the submission is an error naming the leak file, line and Id', () => {
  const { dir, cleanup } = tempDir();
  try {
    const sub = join(dir, 's.csv');
    writeFileSync(sub, 'Id,Predicted\na,0\n');
    writeFileSync(join(dir, 'leak.csv'), 'Id,Target\na,1\nzz,2\n');
    assert.throws(() => applyLeak({ sub, leaks: [join(dir, 'leak.csv')] }), /leak\.csv line 3: Id "zz" is not in the submission .*s\.csv/);
    const r = spawnSync(process.execPath, [bin, 'apply-leak', '--sub', sub], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /missing required option --leak/);
  } finally {
    cleanup();
  }
});
