import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSynthDataset } from '../../src/synth/generateSynthDataset.js';
import { renderSample } from '../../src/synth/renderSample.js';
import { Rng } from '../../src/synth/Rng.js';
import { tempDir } from '../helpers/env.js';

/** Every file under `dir` (relative path → bytes). */
function snapshot(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (rel: string): void => {
    for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(p);
      else out.set(p, readFileSync(join(dir, p)));
    }
  };
  walk('');
  return out;
}

test('the same seed gives byte-identical datasets, with or without worker threads', async () => {
  const a = tempDir();
  const b = tempDir();
  try {
    const opts = { train: 6, test: 3, size: 64, seed: 1, quiet: true };
    const ra = await generateSynthDataset({ ...opts, out: a.dir, workers: 2 });
    const rb = await generateSynthDataset({ ...opts, out: b.dir, workers: 0 });
    assert.equal(ra.workers, 2);
    assert.equal(rb.workers, 1);
    const sa = snapshot(a.dir);
    const sb = snapshot(b.dir);
    assert.equal(sa.size, 9 * 4 + 3);
    assert.deepEqual([...sa.keys()].sort(), [...sb.keys()].sort());
    for (const [k, v] of sa) assert.ok(v.equals(sb.get(k)!), `${k} differs between two runs with seed 1`);
  } finally {
    a.cleanup();
    b.cleanup();
  }
});

test('different seeds give different Ids, labels and pixels', async () => {
  const a = tempDir();
  const b = tempDir();
  try {
    await generateSynthDataset({ out: a.dir, train: 8, test: 0, size: 64, seed: 1, workers: 0, quiet: true });
    await generateSynthDataset({ out: b.dir, train: 8, test: 0, size: 64, seed: 2, workers: 0, quiet: true });
    const ca = readFileSync(join(a.dir, 'train.csv'), 'utf8');
    const cb = readFileSync(join(b.dir, 'train.csv'), 'utf8');
    const ids = (s: string): string[] => s.trim().split('\n').slice(1).map((l) => l.split(',')[0]);
    assert.equal(ids(ca).filter((id) => ids(cb).includes(id)).length, 0);
    assert.notEqual(ca.replace(/^[^,\n]+,/gm, ''), cb.replace(/^[^,\n]+,/gm, ''), 'label columns are identical');
  } finally {
    a.cleanup();
    b.cleanup();
  }
  // Same labels, different image streams: the pixels differ.
  const x = renderSample(new Rng(1, 1, 0, 13), [0, 25], 64);
  const y = renderSample(new Rng(2, 1, 0, 13), [0, 25], 64);
  const x2 = renderSample(new Rng(1, 1, 0, 13), [0, 25], 64);
  assert.ok(Buffer.from(x.green).equals(Buffer.from(x2.green)));
  assert.ok(!Buffer.from(x.green).equals(Buffer.from(y.green)));
  assert.ok(!Buffer.from(x.blue).equals(Buffer.from(y.blue)));
});
