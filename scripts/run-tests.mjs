#!/usr/bin/env node
// Runs every test/**/*.test.ts file with Node's built-in test runner (TypeScript through tsx).
// Usage: node scripts/run-tests.mjs [tier-or-path ...]   e.g. `unit`, `native`, `test/unit/csv.test.ts`
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function collect(dir, out) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) collect(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}
const args = process.argv.slice(2);
const roots = args.length ? args.map((a) => (existsSync(a) ? a : join('test', a))) : ['test'];
const files = roots.flatMap((r) => (statSync(r).isDirectory() ? collect(r, []) : [r]));
if (files.length === 0) {
  console.error('no test files found under', roots.join(', '));
  process.exit(1);
}
const concurrency = process.env.HPAIC_TEST_CONCURRENCY ?? '2';
const res = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...files], {
  stdio: 'inherit',
  // Test files run two at a time on 2 cores: one intra-op thread each avoids OpenMP oversubscription.
  env: { HPAIC_NUM_THREADS: '1', OMP_NUM_THREADS: '1', ...process.env, HPAIC_FROM_SOURCE: '1' },
});
process.exit(res.status ?? 1);
