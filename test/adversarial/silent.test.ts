/**
 * Issue 19 items 6–12 and 16–18: what used to give a silently wrong result (or a stack trace) is now an error or
 * a stated warning naming the file, row or key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, truncateSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { tempDir } from '../helpers/env.js';
import { makeTinyDataset, tinyConfig } from '../helpers/tinyDataset.js';
import { hpaicErrorOf } from './helpers.js';
import { parseConfig } from '../../src/config/loadConfig.js';
import { train } from '../../src/train/train.js';
import { loadDataset } from '../../src/run/prepareData.js';
import { ensembleCsv } from '../../src/predict/ensembleCsv.js';
import { convertKaggle } from '../../src/data/ingest/convertKaggle.js';
import { readCsvColumn, readLabelCsv } from '../../src/data/tables/csv.js';
import { parseThresholdFile } from '../../src/predict/thresholdFile.js';
import { writeSubmissions } from '../../src/predict/submissionFiles.js';
import { scoreFiles } from '../../src/metrics/scoreFiles.js';
import { openStore } from '../../src/data/store/openStore.js';
import { Hdf5Store } from '../../src/data/store/Hdf5Store.js';
import { NUM_CLASSES } from '../../src/data/tables/labels.js';

const COLORS = ['red', 'green', 'blue', 'yellow'];

async function greyPng(path: string, size: number, v: number): Promise<void> {
  await sharp(Buffer.alloc(size * size, v), { raw: { width: size, height: size, channels: 1 } }).toColourspace('b-w').png().toFile(path);
}

/** A Kaggle-like source folder: train.csv, sample_submission.csv, train/ and test/ PNGs of `size`². */
async function kaggleSource(dir: string, ids: string[], size = 8): Promise<void> {
  for (const split of ['train', 'test']) {
    mkdirSync(join(dir, split), { recursive: true });
    for (const [i, id] of ids.entries()) for (const c of COLORS) await greyPng(join(dir, split, `${id}_${c}.png`), size, 10 * i + 1);
  }
  writeFileSync(join(dir, 'train.csv'), 'Id,Target\n' + ids.map((id) => `${id},0`).join('\n') + '\n');
  writeFileSync(join(dir, 'sample_submission.csv'), 'Id,Predicted\n' + ids.map((id) => `${id},0`).join('\n') + '\n');
}

test('items 6 and 18: a batch larger than a fold\'s training set is a ConfigError, and the failed run leaves no folder', async () => {
  const t = tempDir();
  try {
    await makeTinyDataset(join(t.dir, 'data'), { train: 12, test: 4, size: 16 });
    const ckpt = join(t.dir, 'checkpoint');
    const config = parseConfig(tinyConfig(join(t.dir, 'data'), ckpt, { dataloader: { n_splits: 2, val_size: null, batch_size: 64, workers: 0, random_state: 92 } }));
    const e = await hpaicErrorOf(() => train(config, { quiet: true }));
    assert.equal(e.name, 'ConfigError');
    assert.match(e.message, /dataloader\.batch_size is 64 but fold 1 trains on 6 samples/);
    assert.equal(existsSync(join(ckpt, 'tiny')), false, 'no run folder for a run that never started');
  } finally {
    t.cleanup();
  }
});

test('item 18: a missing dataset says where dataset.root_dir points and that relative paths follow the current directory', async () => {
  const t = tempDir();
  try {
    const config = parseConfig({ name: 'x', device: 'cpu', checkpoint_dir: join(t.dir, 'ck'), dataset: { root_dir: '../dataset/' } }, { cwd: t.dir });
    const e = await hpaicErrorOf(() => loadDataset(config, 'train'));
    assert.match(e.message, /train\.csv does not exist/);
    assert.match(e.hint ?? '', /relative root_dir, like the seed configs' "\.\.\/dataset\/", is resolved against the current directory/);
  } finally {
    t.cleanup();
  }
});

test('item 7: ensemble --out inside -d never reads its own earlier outputs as voters', () => {
  const t = tempDir();
  try {
    const ids = ['a', 'b'];
    writeFileSync(join(t.dir, 'm1.csv'), 'Id,Predicted\na,0\nb,1\n');
    writeFileSync(join(t.dir, 'm2.csv'), 'Id,Predicted\na,0\nb,2\n');
    writeFileSync(join(t.dir, 'm3.csv'), 'Id,Predicted\na,3\nb,1\n');
    const out = join(t.dir, 'vote.csv');
    const first = ensembleCsv({ dir: t.dir, out });
    const text = readFileSync(out, 'utf8');
    const second = ensembleCsv({ dir: t.dir, out });
    assert.deepEqual(second.inputs, first.inputs);
    assert.equal(first.inputs.length, 3);
    assert.equal(readFileSync(out, 'utf8'), text);
    assert.equal(text, `Id,Predicted\n${ids[0]},0\n${ids[1]},1\n`);
  } finally {
    t.cleanup();
  }
});

test('items 8, 10, 11: quoted Ids with commas, duplicate or empty Ids, header-only files are errors naming the file and line', async () => {
  const t = tempDir();
  try {
    const f = (name: string, text: string) => {
      writeFileSync(join(t.dir, name), text);
      return join(t.dir, name);
    };
    assert.match((await hpaicErrorOf(() => readLabelCsv(f('c.csv', 'Id,Target\n"a,b",0\n')))).message, /c\.csv line 2: Id "a,b" cannot be used in a file name: it contains ","/);
    assert.match((await hpaicErrorOf(() => readCsvColumn(f('d.csv', 'Id,Predicted\nx,0\ny,0\nx,0\n')))).message, /d\.csv line 4: duplicate Id "x" \(first seen on line 2\)/);
    assert.match((await hpaicErrorOf(() => readCsvColumn(f('e.csv', 'Id,Predicted\nx,0\n,0\n')))).message, /e\.csv line 3: empty Id/);
    // Thresholds must be probabilities.
    for (const bad of [-3, 1e9]) {
      const e = await hpaicErrorOf(() => parseThresholdFile({ fold_1: { lb: { threshold: bad, metrics: '' } } }, 'threshold.json'));
      assert.match(e.message, new RegExp(`threshold\\.json: fold_1\\.lb\\.threshold: ${bad} is not a probability threshold in \\[0, 1\\]`));
    }
    const perClass = Array.from({ length: NUM_CLASSES }, () => 0.5);
    perClass[7] = 1.5;
    assert.match((await hpaicErrorOf(() => parseThresholdFile({ fold_1: { class_best: { threshold: perClass, metrics: '' } } }, 't.json'))).message, /class_best\.threshold\[7\]: 1\.5/);
    // Header-only files.
    const h = f('h.csv', 'Id,Target\n');
    assert.match((await hpaicErrorOf(() => scoreFiles(h, f('p.csv', 'Id,Predicted\n')))).message, /h\.csv: no rows after the header; there is nothing to score/);
    const src = join(t.dir, 'src');
    await kaggleSource(src, ['s1']);
    writeFileSync(join(src, 'train.csv'), 'Id,Target\n');
    const e = await hpaicErrorOf(() => convertKaggle({ src, dest: join(t.dir, 'dest'), splits: ['train'], quiet: true }));
    assert.match(e.message, /train\.csv: no rows after the header/);
    assert.equal(existsSync(join(t.dir, 'dest', 'train.hdf5')), false);
  } finally {
    t.cleanup();
  }
});

test('item 9: a truncated train.hdf5 recorded as complete is converted again, not trusted', async () => {
  const t = tempDir();
  try {
    const src = join(t.dir, 'src');
    const ids = ['s1', 's2', 's3'];
    await kaggleSource(src, ids);
    const dest = join(t.dir, 'dest');
    const opts = { src, dest, splits: ['train' as const], size: 8, quiet: true, compression: 'none' as const };
    await convertKaggle(opts);
    const path = join(dest, 'train.hdf5');
    const good = readFileSync(path);
    truncateSync(path, Math.floor(statSync(path).size / 2));
    const again = await convertKaggle(opts);
    assert.equal(again.converted, 3, 'the rows were converted again');
    const store = await Hdf5Store.open(path);
    try {
      assert.deepEqual(store.allNames(), ids);
      assert.equal(store.read(2)[0], 21);
    } finally {
      store.close();
    }
    assert.equal(readFileSync(path).length, good.length);
  } finally {
    t.cleanup();
  }
});

test('item 12: a train.hdf5 with fewer rows than train.csv is a DataError naming both, before training', async () => {
  const t = tempDir();
  try {
    const root = join(t.dir, 'data');
    await makeTinyDataset(root, { train: 6, test: 2, size: 16 });
    appendFileSync(join(root, 'train.csv'), 'zz-extra,0\n');
    const config = parseConfig(tinyConfig(root, join(t.dir, 'ck')));
    const e = await hpaicErrorOf(() => loadDataset(config, 'train'));
    assert.equal(e.name, 'DataError');
    assert.match(e.message, /train\.hdf5: the store has 6 rows but .*train\.csv lists 7 samples/);
  } finally {
    t.cleanup();
  }
});

test('item 16: stale .<name>.<pid>.tmp files of a killed submit are removed by the next one (a live writer\'s are kept)', () => {
  const t = tempDir();
  try {
    const out = join(t.dir, 'submission');
    mkdirSync(out);
    const dead = '.fold_1_default.csv.2147483646.tmp';
    const live = `.fold_1_lb.csv.${process.ppid}.tmp`;
    writeFileSync(join(out, dead), 'half');
    writeFileSync(join(out, live), 'in progress');
    writeSubmissions({ ids: ['a'], foldLogits: [new Float32Array(NUM_CLASSES)], thresholds: [[{ key: 'default', threshold: 0.5 }]], outDir: out, probabilities: false });
    assert.deepEqual(readdirSync(out).sort(), [live, 'fold_1_default.csv', 'fold_1_default_fill25.csv'].sort());
  } finally {
    t.cleanup();
  }
});

test('item 17: dataset.format "png" takes the image size from the files, not a fixed 512²', async () => {
  const t = tempDir();
  try {
    const root = join(t.dir, 'data');
    mkdirSync(join(root, 'train'), { recursive: true });
    const ids = ['p1', 'p2'];
    for (const id of ids) for (const c of COLORS) await greyPng(join(root, 'train', `${id}_${c}.png`), 24, 7);
    writeFileSync(join(root, 'train.csv'), 'Id,Target\n' + ids.map((id) => `${id},0`).join('\n') + '\n');
    const config = parseConfig(tinyConfig(root, join(t.dir, 'ck'), { img_h: 16, img_w: 16, dataset: { root_dir: root, filters: 'rgb', subset: 1.0, random_state: 92, format: 'png' } }));
    const data = await loadDataset(config, 'train');
    const store = await openStore(data.store);
    assert.equal(store.height, 24);
    assert.equal(store.width, 24);
    assert.equal(store.read(1)[4 * 24 * 24 - 1], 7);
    // An image of another size is named.
    await greyPng(join(root, 'train', 'p2_blue.png'), 20, 7);
    assert.match((await hpaicErrorOf(() => store.read(1))).message, /p2_blue\.png: expected 24×24 pixels \(the size of the store's first image\) but the image is 20×20/);
  } finally {
    t.cleanup();
  }
});
