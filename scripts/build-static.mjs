#!/usr/bin/env node
// After tsc: copy the browser pages into dist/ and bundle the page input code of `hpaic export web`
// (src/predict/webInput.ts → dist/predict/web/preprocess.js), so an installed package needs no bundler.
import { cpSync } from 'node:fs';
import { build } from 'esbuild';

cpSync('src/viewer/static', 'dist/viewer/static', { recursive: true });
cpSync('src/predict/web', 'dist/predict/web', { recursive: true });
await build({ entryPoints: ['src/predict/webInput.ts'], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', outfile: 'dist/predict/web/preprocess.js', legalComments: 'none' });
