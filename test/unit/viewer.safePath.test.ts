import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/env.js';
import { isLoopback, resolveInside } from '../../src/viewer/safePath.js';

test('resolveInside serves files under the root and refuses every way out', () => {
  const { dir, cleanup } = tempDir('hpaic-safepath-');
  try {
    const root = join(dir, 'root');
    mkdirSync(join(root, 'run', 'fold_1'), { recursive: true });
    writeFileSync(join(root, 'run', 'fold_1', 'history.json'), '{}');
    writeFileSync(join(dir, 'secret.txt'), 'no');
    symlinkSync(join(dir, 'secret.txt'), join(root, 'link-out'));
    symlinkSync(join(root, 'run'), join(root, 'link-in'));
    symlinkSync(dir, join(root, 'dir-out'));
    assert.deepEqual(resolveInside(root, 'run/fold_1/history.json'), { ok: true, path: join(root, 'run', 'fold_1', 'history.json') });
    assert.equal(resolveInside(root, 'link-in/fold_1/history.json').ok, true, 'a symlink that stays inside is fine');
    for (const p of ['../secret.txt', 'run/../../secret.txt', '..', '/etc/hostname', join(dir, 'secret.txt'), 'link-out', 'dir-out/secret.txt', 'run\\..\\..\\secret.txt', 'a\0b', 'C:/x']) {
      assert.deepEqual(resolveInside(root, p), { ok: false, status: 403 }, p);
    }
    assert.deepEqual(resolveInside(root, 'run/missing.json'), { ok: false, status: 404 });
  } finally {
    cleanup();
  }
});

test('only loopback addresses count as loopback', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) assert.equal(isLoopback(h), true, h);
  for (const h of ['0.0.0.0', '::', '192.168.1.2', '10.0.0.1', 'example.com']) assert.equal(isLoopback(h), false, h);
});
