import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/env.js';

const bin = join(REPO_ROOT, 'bin', 'hpaic.js');

test('hpaic with an unknown command exits 2 and lists the commands', () => {
  const r = spawnSync(process.execPath, [bin, 'no-such-command'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown command "no-such-command"/);
  assert.match(r.stderr, /Commands:/);
});
