import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { REPO_ROOT } from '../helpers/env.js';

/**
 * The layer order of docs/architecture.md: a module may import its own folder and the layers before it, never a
 * later one. Names in one entry (train | predict) are siblings: neither imports the other. Folders of src/data
 * are layers of their own, in the order listed.
 */
const LAYERS = [
  'errors.ts', 'types', 'workers', 'native', 'tensor', 'io/fs', 'io/text', 'io/tensorboard', 'io/zip', 'io/weights', 'io/index.ts', 'plot', 'config', 'nn', 'optim', 'dist', 'models', 'onnx',
  'data/tables', 'data/image', 'data/store', 'data/loader', 'data/ingest', 'data/index.ts', 'synth', 'metrics', 'run',
  'train | predict', 'viewer', 'demo', 'cli', 'index.ts',
];

const SRC = join(REPO_ROOT, 'src');

function layerOf(file: string): { rank: number; name: string } {
  const rel = relative(SRC, file).split('\\').join('/');
  let best: { rank: number; name: string; len: number } | undefined;
  LAYERS.forEach((entry, rank) => {
    for (const name of entry.split(' | ')) {
      if ((rel === name || rel.startsWith(`${name}/`)) && (!best || name.length > best.len)) best = { rank, name, len: name.length };
    }
  });
  if (!best) throw new Error(`src/${rel} belongs to no layer of test/unit/architecture.layers.test.ts (add its folder to LAYERS and docs/architecture.md)`);
  return best;
}

function sources(dir: string, out: string[] = []): string[] {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (n.endsWith('.ts')) out.push(p);
  }
  return out;
}

test('every import in src points to its own layer or one below it', () => {
  const violations: string[] = [];
  for (const file of sources(SRC)) {
    const from = layerOf(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
      const target = resolve(dirname(file), m[1]).replace(/\.js$/, '.ts');
      const to = layerOf(target);
      const up = to.rank > from.rank || (to.rank === from.rank && to.name !== from.name);
      if (up) violations.push(`src/${relative(SRC, file)} (${from.name}) imports ${m[1]} (${to.name})`);
    }
  }
  assert.deepEqual(violations, [], `imports that run up the layers:\n${violations.join('\n')}`);
});

test('the layer list names every folder of src', () => {
  for (const file of sources(SRC)) layerOf(file);
});
