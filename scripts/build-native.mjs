#!/usr/bin/env node
// Builds the native addon (build/Release/hpaic.node) offline with node-gyp against the libtorch that
// scripts/find-libtorch.mjs locates, and records what it was built against in build/Release/build-info.json.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { findLibtorch } from './find-libtorch.mjs';

const lib = findLibtorch();
console.log(`hpaic: building the native addon against ${lib.source}${lib.cuda ? ' (CUDA)' : ''}`);
const require = createRequire(import.meta.url);
const gyp = require.resolve('node-gyp/bin/node-gyp.js');
const args = [gyp, 'rebuild', `--jobs=${process.env.JOBS ?? 'max'}`];
// Use the installed Node headers when present: node-gyp would otherwise try to download them.
if (existsSync('/usr/include/node/node_api.h')) args.push('--nodedir=/usr');
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
if (r.status !== 0) {
  console.error('hpaic: the native build failed (see the compiler output above).');
  process.exit(r.status ?? 1);
}
writeFileSync('build/Release/build-info.json', JSON.stringify({ ...lib, builtAt: new Date().toISOString(), node: process.version }, null, 2));
console.log('hpaic: built build/Release/hpaic.node');
