import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/env.js';
import { OP_ARGS } from '../../src/native/opTable.js';
import { NativeError, UsageError } from '../../src/errors.js';
import { tensor, zeros, full } from '../../src/tensor/index.js';

/** Names defined with HPAIC_OP (or its local alias OP) in native/src. */
function cxxOps(): string[] {
  const dir = join(REPO_ROOT, 'native', 'src');
  const names: string[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.cc'))) {
    for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/^(?:HPAIC_OP|OP)\((\w+),/gm)) names.push(m[1]);
  }
  return names.sort();
}

test('the op table, the C++ definitions and the built addon list the same functions', () => {
  const table = Object.keys(OP_ARGS).sort();
  assert.deepEqual(cxxOps(), table, 'native/src HPAIC_OP names vs src/native/opTable.ts');
  const built = createRequire(import.meta.url)(join(REPO_ROOT, 'build', 'Release', 'hpaic.node')) as Record<string, unknown>;
  const exported = Object.keys(built).filter((k) => typeof built[k] === 'function' && k !== 'AddonTensor').sort();
  assert.deepEqual(exported, table, 'the built addon (rebuild with npm run build:native if native/src changed)');
});

test('integer and shape arguments are checked before libtorch sees them', () => {
  assert.throws(() => zeros([NaN]), (e: unknown) => e instanceof UsageError && e.message === 'zeros: argument 1 must be an array of integers, received [NaN]');
  assert.throws(() => zeros([2, Infinity]), UsageError);
  assert.throws(() => zeros([2.5]), UsageError);
  const t = zeros([2, 3]);
  assert.throws(() => t.narrow(0, NaN, 1), (e: unknown) => e instanceof UsageError && /^narrow: argument 3 must be an integer, received NaN$/.test(e.message));
  // Float scalars stay free: NaN is a legitimate fill value.
  assert.ok(Number.isNaN(full([1], NaN).item()));
  t.dispose();
});

test('libtorch failures in every kind of method become NativeError naming the op and its inputs', () => {
  const b = tensor(new Uint8Array([1, 0]), [2], { dtype: 'bool' });
  // neg was one of the methods that used to bypass the error path.
  assert.throws(() => b.neg(), (e: unknown) => e instanceof NativeError && /^neg\(bool\[2\]@cpu\): /.test(e.message));
  const a = zeros([2, 3]);
  assert.throws(() => a.reshape([4]), (e: unknown) => e instanceof NativeError && /^reshape\(float32\[2,3\]@cpu, \[4\]\): shape '\[4\]' is invalid/.test(e.message));
  a.dispose();
  b.dispose();
});
