import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { convertKaggle } from '../../src/data/ingest/convertKaggle.js';
import { Hdf5Store } from '../../src/data/store/Hdf5Store.js';
import { DataError } from '../../src/errors.js';
import { pythonSkip, REPO_ROOT, runPython, tempDir } from '../helpers/env.js';

const COLORS = ['red', 'green', 'blue', 'yellow'];
const S = 32;

function pixels(k: number, c: number, size = S): Buffer {
  const b = Buffer.alloc(size * size);
  for (let i = 0; i < b.length; i++) {
    const v = (i * (k + 3) + c * 61 + (i >> 5) * 17) % 256;
    b[i] = (i + k) % 7 === 0 ? 0 : v;
  }
  return b;
}

async function png(file: string, k: number, c: number, size = S): Promise<void> {
  await sharp(pixels(k, c, size), { raw: { width: size, height: size, channels: 1 } }).toColourspace('b-w').png().toFile(file);
}

/** A Kaggle-like folder: train/ + test/ PNG folders, train.csv, sample_submission.csv (test order not sorted). */
async function makeKaggle(dir: string, nTrain: number, nTest: number): Promise<{ train: string[]; test: string[] }> {
  mkdirSync(join(dir, 'train'), { recursive: true });
  mkdirSync(join(dir, 'test'), { recursive: true });
  const train = Array.from({ length: nTrain }, (_, k) => `${k.toString(16).padStart(8, '0')}-bbc3-11e8-b2bc-ac1f6b6435d0`);
  const test = Array.from({ length: nTest }, (_, k) => `${(1000 - k).toString(16).padStart(8, '0')}-bad2-11e8-b2b8-ac1f6b6435d0`);
  const jobs: Promise<void>[] = [];
  train.forEach((id, k) => COLORS.forEach((col, c) => jobs.push(png(join(dir, 'train', `${id}_${col}.png`), k, c))));
  test.forEach((id, k) => COLORS.forEach((col, c) => jobs.push(png(join(dir, 'test', `${id}_${col}.png`), k + 500, c))));
  await Promise.all(jobs);
  writeFileSync(join(dir, 'train.csv'), 'Id,Target\n' + train.map((id, k) => `${id},${(k * 5) % 28} ${k % 3}`).join('\n') + '\n');
  writeFileSync(join(dir, 'sample_submission.csv'), 'Id,Predicted\n' + test.map((id) => `${id},0`).join('\n') + '\n');
  return { train, test };
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function storeDigest(path: string): Promise<{ names: string[]; sha: string[] }> {
  const s = await Hdf5Store.open(path);
  try {
    return { names: s.allNames(), sha: Array.from({ length: s.length }, (_, i) => sha(s.read(i))) };
  } finally {
    s.close();
  }
}

/** Pillow's view of the same samples: the four channel PNGs stacked on the last axis (the seed's converter). */
function pilDigest(folder: string, ids: string[]): string[] {
  return JSON.parse(
    runPython(
      `import sys, json, hashlib, numpy as np
from PIL import Image
d, ids = sys.argv[1], json.loads(sys.stdin.read())
out = []
for i in ids:
    a = np.stack([np.array(Image.open('%s/%s_%s.png' % (d, i, c))) for c in ['red', 'green', 'blue', 'yellow']], axis=-1)
    out.append(hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest())
print(json.dumps(out))`,
      [folder],
      JSON.stringify(ids),
    ),
  );
}

const skip = pythonSkip('numpy', 'PIL', 'h5py');

test('folders and zips convert to the seed layout; rows follow train.csv and sample_submission.csv; pixels match Pillow', { skip }, async () => {
  const { dir, cleanup } = tempDir();
  try {
    const src = join(dir, 'src');
    const ids = await makeKaggle(src, 12, 6);
    const out = join(dir, 'out');
    const r = await convertKaggle({ src, dest: out, size: S, quiet: true });
    assert.equal(r.train?.rows, 12);
    assert.equal(r.test?.rows, 6);
    const train = await storeDigest(join(out, 'train.hdf5'));
    assert.deepEqual(train.names, ids.train);
    assert.deepEqual(train.sha, pilDigest(join(src, 'train'), ids.train));
    const testD = await storeDigest(join(out, 'test.hdf5'));
    assert.deepEqual(testD.names, ids.test);
    assert.deepEqual(testD.sha, pilDigest(join(src, 'test'), ids.test));
    assert.equal(readFileSync(join(out, 'train.csv'), 'utf8').split('\n')[1], `${ids.train[0]},0`);
    const h5 = JSON.parse(runPython(`import sys, json, h5py\nd = h5py.File(sys.argv[1], 'r')['images']\nprint(json.dumps([d.compression, d.chunks, d.shape]))`, [join(out, 'train.hdf5')]));
    assert.deepEqual(h5, ['lzf', [1, S, S, 4], [12, S, S, 4]]);
    // The same data as zip archives (deflated, at the archive root) gives the same datasets.
    const zsrc = join(dir, 'zsrc');
    mkdirSync(zsrc);
    for (const f of ['train.csv', 'sample_submission.csv']) writeFileSync(join(zsrc, f), readFileSync(join(src, f)));
    runPython(
      `import sys, os, zipfile
for split in ['train', 'test']:
    with zipfile.ZipFile('%s/%s.zip' % (sys.argv[2], split), 'w', zipfile.ZIP_DEFLATED) as z:
        for f in sorted(os.listdir('%s/%s' % (sys.argv[1], split))):
            z.write('%s/%s/%s' % (sys.argv[1], split, f), f)`,
      [src, zsrc],
    );
    const zout = join(dir, 'zout');
    await convertKaggle({ src: zsrc, dest: zout, size: S, quiet: true, compression: 'none' });
    assert.deepEqual(await storeDigest(join(zout, 'train.hdf5')), train);
    assert.deepEqual(await storeDigest(join(zout, 'test.hdf5')), testD);
  } finally {
    cleanup();
  }
});

test('HPAv18 rows are appended and the merged labels become train.csv; an in-place run keeps the Kaggle original', { skip }, async () => {
  const { dir, cleanup } = tempDir();
  try {
    const src = join(dir, 'src');
    const ids = await makeKaggle(src, 5, 2);
    const hpa = join(dir, 'hpav18');
    mkdirSync(hpa);
    const hids = ['10005_921_B9_1', '1048_1751_G2_18_cr58009842c82e5', '10580_1610_C1_1'];
    await Promise.all(hids.flatMap((id, k) => COLORS.map((col, c) => png(join(hpa, `${id}_${col}.png`), 100 + k, c))));
    writeFileSync(join(hpa, 'HPAv18_train.csv'), 'Id,Target\n' + hids.map((id, k) => `${id},${k + 1} 0`).join('\n') + '\n');
    const kaggleCsv = readFileSync(join(src, 'train.csv'), 'utf8');
    await convertKaggle({ src, dest: src, hpav18: hpa, size: S, quiet: true, selection: [0, 1, 2, 3, 4] });
    const train = await storeDigest(join(src, 'train.hdf5'));
    // Kaggle rows whose labels share a class with 0-4 (all rows here: each has k % 3), then HPAv18 rows.
    assert.deepEqual(train.names, [...ids.train, ...hids]);
    assert.deepEqual(train.sha.slice(5), pilDigest(hpa, hids));
    const merged = readFileSync(join(src, 'train.csv'), 'utf8').trim().split('\n');
    assert.equal(merged.length, 1 + 5 + 3);
    assert.equal(merged[6], '10005_921_B9_1,0 1');
    assert.equal(readFileSync(join(src, 'kaggle_HPAv18_train.csv'), 'utf8'), readFileSync(join(src, 'train.csv'), 'utf8'));
    assert.equal(readFileSync(join(src, 'train_kaggle.csv'), 'utf8'), kaggleCsv);
    // Rerunning in place without HPAv18 reads the kept original, not the merged file.
    await convertKaggle({ src, dest: src, size: S, quiet: true, splits: ['train'] });
    assert.deepEqual((await storeDigest(join(src, 'train.hdf5'))).names, ids.train);
  } finally {
    cleanup();
  }
});

test('bad input is a DataError naming the file; --skip-bad reports it in skipped.csv and leaves it out', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const src = join(dir, 'src');
    const ids = await makeKaggle(src, 8, 1);
    const t = (k: number, col: string) => join(src, 'train', `${ids.train[k]}_${col}.png`);
    rmSync(t(1, 'blue'));
    await png(t(2, 'green'), 2, 1, S + 1);
    await sharp(Buffer.alloc(S * S * 2, 7), { raw: { width: S, height: S, channels: 1 } }).toColourspace('grey16').png().toFile(t(3, 'red'));
    writeFileSync(t(4, 'yellow'), readFileSync(t(4, 'yellow')).subarray(0, 60));
    writeFileSync(join(src, 'train.csv'), readFileSync(join(src, 'train.csv'), 'utf8') + 'deadbeef-0000-0000-0000-000000000000,1\n');
    const cases: [string, RegExp][] = [
      [t(1, 'blue'), /missing channel file/],
      [t(2, 'green'), /expected 32×32 pixels but the image is 33×33/],
      [t(3, 'red'), /expected an 8-bit image but found 16-bit/],
      [t(4, 'yellow'), /not a decodable image|corrupt|truncated/],
    ];
    await assert.rejects(convertKaggle({ src, dest: join(dir, 'o1'), size: S, quiet: true, splits: ['train'] }), (e: unknown) => e instanceof DataError && e.message.startsWith(cases[0][0]) && cases[0][1].test(e.message));
    assert.ok(!existsSync(join(dir, 'o1', 'train.hdf5')), 'nothing half-written looks complete');
    const r = await convertKaggle({ src, dest: join(dir, 'o2'), size: S, quiet: true, splits: ['train'], skipBad: true });
    assert.equal(r.train?.rows, 4);
    const rows = readFileSync(r.skippedCsv!, 'utf8').trim().split('\n');
    assert.equal(rows[0], 'split,Id,file,reason');
    assert.equal(rows.length, 1 + 5);
    cases.forEach(([file, re], i) => {
      assert.ok(rows[i + 1].startsWith(`train,${ids.train[i + 1]},${file},`), rows[i + 1]);
      assert.match(rows[i + 1], re);
    });
    assert.match(rows[5], /deadbeef-0000-0000-0000-000000000000_red\.png: missing channel file/);
    const kept = [0, 5, 6, 7].map((k) => ids.train[k]);
    assert.deepEqual((await storeDigest(r.train!.path)).names, kept);
    assert.deepEqual(readFileSync(r.train!.csv, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0]), kept);
  } finally {
    cleanup();
  }
});

test('a conversion killed with SIGKILL resumes and ends identical to an uninterrupted run', { skip }, async () => {
  const { dir, cleanup } = tempDir();
  try {
    const src = join(dir, 'src');
    await makeKaggle(src, 250, 3);
    const cli = join(REPO_ROOT, 'bin', 'hpaic.js');
    const args = (dest: string) => [cli, 'convert', '--src', src, '--dest', dest, '--size', String(S), '--workers', '1', '--checkpoint-every', '5', '--quiet'];
    const clean = spawnSync(process.execPath, args(join(dir, 'clean')), { encoding: 'utf8' });
    assert.equal(clean.status, 0, clean.stderr);
    const dest = join(dir, 'killed');
    const state = join(dest, '.train.hdf5.partial.json');
    const child = spawn(process.execPath, args(dest), { stdio: 'ignore' });
    const exited = new Promise((r) => child.on('exit', r));
    let killedAt = -1;
    for (let i = 0; i < 3000 && killedAt < 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
      try {
        const s = JSON.parse(readFileSync(state, 'utf8'));
        if (s.done >= 40) {
          child.kill('SIGKILL');
          killedAt = s.done;
        }
      } catch {
        /* not written yet */
      }
    }
    await exited;
    assert.ok(killedAt > 0 && killedAt < 250, `killed mid-way (at ${killedAt})`);
    assert.ok(!existsSync(join(dest, 'train.hdf5')), 'the final name appears only when complete');
    const again = spawnSync(process.execPath, args(dest), { encoding: 'utf8' });
    assert.equal(again.status, 0, again.stderr);
    // It continued from the checkpoint rather than starting over.
    const converted = Number(/converted (\d+) samples/.exec(again.stdout)?.[1]);
    assert.ok(converted <= 253 - killedAt, `the rerun converted ${converted} samples after a kill at ${killedAt}`);
    assert.deepEqual(await storeDigest(join(dest, 'train.hdf5')), await storeDigest(join(dir, 'clean', 'train.hdf5')));
    assert.deepEqual(await storeDigest(join(dest, 'test.hdf5')), await storeDigest(join(dir, 'clean', 'test.hdf5')));
    assert.equal(readFileSync(join(dest, 'train.csv'), 'utf8'), readFileSync(join(dir, 'clean', 'train.csv'), 'utf8'));
    assert.ok(!existsSync(state) && !existsSync(join(dest, '.train.hdf5.partial')));
    const h5 = runPython(`import sys, h5py\nf = h5py.File(sys.argv[1], 'r')\nprint(f['images'].shape[0], f['names'].shape[0])`, [join(dest, 'train.hdf5')]);
    assert.equal(h5.trim(), '250 250');
  } finally {
    cleanup();
  }
});

test('--size 48 --resize stores larger images: each channel resized with Pillow LANCZOS, as Pillow does', { skip }, async () => {
  const { dir, cleanup } = tempDir();
  try {
    const src = join(dir, 'src');
    const ids = await makeKaggle(src, 3, 2);
    const out = join(dir, 'out');
    // Without --resize a size mismatch stays an error naming the file.
    await assert.rejects(convertKaggle({ src, dest: join(dir, 'no'), size: 48, quiet: true, compression: 'none' }), (e: unknown) => e instanceof DataError && /_red\.png/.test((e as Error).message));
    await convertKaggle({ src, dest: out, size: 48, resize: true, quiet: true, compression: 'none' });
    const got = await storeDigest(join(out, 'train.hdf5'));
    const want = JSON.parse(
      runPython(
        `import sys, json, hashlib, numpy as np
from PIL import Image
d, ids = sys.argv[1], json.loads(sys.stdin.read())
out = []
for i in ids:
    a = np.stack([np.array(Image.open('%s/%s_%s.png' % (d, i, c)).resize((48, 48), Image.LANCZOS)) for c in ['red', 'green', 'blue', 'yellow']], axis=-1)
    out.append(hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest())
print(json.dumps(out))`,
        [join(src, 'train')],
        JSON.stringify(ids.train),
      ),
    ) as string[];
    assert.deepEqual(got.names, ids.train);
    assert.deepEqual(got.sha, want);
  } finally {
    cleanup();
  }
});
