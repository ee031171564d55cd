/**
 * `hpaic predict` against `hpaic submit`: a tiny run is trained, the test store's images are written out as
 * Kaggle-style PNG quartets (and one as an RGB composite), and predict's probabilities and labels must equal the
 * submission files submit writes for the same samples. Broken samples are reported per Id and skipped; real HPA
 * files (8-bit Kaggle PNGs, the 16-bit website PNG) and colour JPEGs of another size go through the same path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import sharp from 'sharp';
import { makeTinyDataset, tinyConfig } from '../helpers/tinyDataset.js';
import { REPO_ROOT, pythonSkip, runPython, sharedData, tempDir } from '../helpers/env.js';
import { Hdf5Store } from '../../src/data/store/Hdf5Store.js';
import { readProbabilityFile } from '../../src/run/probabilityFile.js';
import { readSubmission } from '../../src/data/tables/csv.js';
import { hpav18ToGrey } from '../../src/data/ingest/downloadHpav18.js';

const { dir, cleanup } = tempDir('hpaic-predict-images-');
test.after(() => cleanup());

function hpaic(...args: string[]): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'hpaic.js'), ...args], { encoding: 'utf8', env: { ...process.env, HPAIC_FROM_SOURCE: '1', HPAIC_QUIET: '1' } });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}
function ok(...args: string[]): string {
  const r = hpaic(...args);
  assert.equal(r.status, 0, `hpaic ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

const COLORS = ['red', 'green', 'blue', 'yellow'];

async function writeQuartets(hdf5: string, out: string, ids: readonly string[]): Promise<void> {
  mkdirSync(out, { recursive: true });
  const store = await Hdf5Store.open(hdf5);
  try {
    for (let i = 0; i < store.length; i++) {
      const id = store.nameAt(i);
      if (!ids.includes(id)) continue;
      const px = store.read(i);
      const n = store.height * store.width;
      for (let c = 0; c < 4; c++) {
        const one = Buffer.alloc(n);
        for (let p = 0; p < n; p++) one[p] = px[p * 4 + c];
        await sharp(one, { raw: { width: store.width, height: store.height, channels: 1 } }).png().toFile(join(out, `${id}_${COLORS[c]}.png`));
      }
    }
  } finally {
    store.close();
  }
}

function parsePredictionCsv(text: string): Map<string, { labels: number[]; names: string; probs: number[] }> {
  const [header, ...rows] = text.trim().split('\n');
  assert.equal(header, ['Id', 'Predicted', 'Names', ...Array.from({ length: 28 }, (_, c) => `p${c}`)].join(','));
  return new Map(
    rows.map((r) => {
      const f = r.split(',');
      return [f[0], { labels: f[1] === '' ? [] : f[1].split(' ').map(Number), names: f[2], probs: f.slice(3).map((v) => Math.fround(Number(v))) }];
    }),
  );
}

test('hpaic predict on PNG quartets and a composite equals hpaic submit; bad samples are skipped per Id', async () => {
  const data = join(dir, 'data');
  const { testIds } = await makeTinyDataset(data);
  const config = join(dir, 'tiny.json');
  writeFileSync(config, JSON.stringify(tinyConfig(data, join(dir, 'ckpt'), { epochs: 1 })));
  ok('train', '-c', config);
  ok('find-thresholds', '-c', config);
  ok('submit', '-c', config);
  const run = join(dir, 'ckpt', 'tiny');
  const images = join(dir, 'images');
  const quartetIds = testIds.slice(0, 12);
  await writeQuartets(join(data, 'test.hdf5'), images, testIds);
  // One sample as an RGB composite (the run's filter is rgb, so yellow is not needed).
  const compositeId = testIds[12];
  const planes = await Promise.all(COLORS.slice(0, 3).map((c) => sharp(join(images, `${compositeId}_${c}.png`)).extractChannel(0).raw().toBuffer()));
  const rgb = Buffer.alloc(planes[0].length * 3);
  for (let p = 0; p < planes[0].length; p++) for (let c = 0; c < 3; c++) rgb[p * 3 + c] = planes[c][p];
  await sharp(rgb, { raw: { width: 32, height: 32, channels: 3 } }).png().toFile(join(images, `${compositeId}.png`));
  const { rmSync } = await import('node:fs');
  for (const c of COLORS) rmSync(join(images, `${compositeId}_${c}.png`));
  // Broken samples: a missing green channel, a corrupt file.
  rmSync(join(images, `${testIds[13]}_green.png`));
  writeFileSync(join(images, `${testIds[14]}_blue.png`), 'not a png');
  for (const c of COLORS) rmSync(join(images, `${testIds[15]}_${c}.png`));

  const out = join(dir, 'pred.csv');
  const r = hpaic('predict', '--run', run, '--images', images, '--store-size', '32', '--out', out);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`skipped ${testIds[13]}: .*green channel file.* is missing`));
  assert.match(r.stderr, new RegExp(`skipped ${testIds[14]}: .*${testIds[14]}_blue.png: not a decodable image`));
  const pred = parsePredictionCsv(readFileSync(out, 'utf8'));
  const want = [...quartetIds, compositeId];
  assert.deepEqual([...pred.keys()].sort(), [...want].sort());

  const sub = join(run, 'submission');
  const probs = readProbabilityFile(join(sub, 'ensemble_probs.csv'));
  const labels = readSubmission(join(sub, 'ensemble_class_best.csv'));
  for (const id of want) {
    const row = probs.ids.indexOf(id);
    // Same images, same batch → bit-identical; a batch of another size (predict has 13 samples, submit 16) may
    // change libtorch's convolution rounding by an ulp or so, hence the 1e-6 bound.
    const got = pred.get(id)!.probs;
    const ref = Array.from(probs.probs.subarray(row * 28, row * 28 + 28));
    if (want.indexOf(id) < 8 && row < 8) assert.deepEqual(got, ref, `${id}: probabilities equal submit's ensemble_probs.csv`);
    got.forEach((p, c) => assert.ok(Math.abs(p - ref[c]) <= 1e-6, `${id} class ${c}: ${p} vs submit's ${ref[c]}`));
    const l = labels.ids.indexOf(id);
    const wantLabels = Array.from({ length: 28 }, (_, c) => c).filter((c) => labels.labels[l * 28 + c]);
    assert.deepEqual(pred.get(id)!.labels, wantLabels, `${id}: labels equal submit's ensemble_class_best.csv`);
  }

  // One fold, no TTA, a fixed threshold: fold_1's plain predictions (submit --no-tta).
  ok('submit', '-c', config, '--no-tta', '--fill-empty', '25');
  const json = JSON.parse(ok('predict', '--run', run, '--images', images, '--store-size', '32', '--folds', '1', '--no-tta', '--threshold', '0.3', '--fill-empty', '25', '--json'));
  const f1 = readProbabilityFile(join(sub, 'fold_1_probs.csv'));
  const f1Labels = readSubmission(join(sub, 'fold_1_lb_fill25.csv'));
  assert.deepEqual(json.folds, [1]);
  assert.equal(json.skipped.length, 2);
  for (const s of json.samples) {
    const row = f1.ids.indexOf(s.id);
    const ref = Array.from(f1.probs.subarray(row * 28, row * 28 + 28));
    s.probabilities.forEach((p: number, c: number) => assert.ok(Math.abs(p - ref[c]) <= 1e-6, `${s.id} class ${c}: ${p} vs submit's ${ref[c]}`));
    const l = f1Labels.ids.indexOf(s.id);
    assert.deepEqual(s.labels, Array.from({ length: 28 }, (_, c) => c).filter((c) => f1Labels.labels[l * 28 + c]));
    assert.ok(s.labels.length > 0, 'fill-empty 25 leaves no row empty');
  }
});

test('hpaic predict reads real HPA files: 8-bit Kaggle PNGs, the 16-bit website PNG, colour JPEGs of another size', async (t) => {
  const real = sharedData('real-samples');
  if (real.skip) return t.skip(real.skip);
  const data = join(dir, 'data2');
  await makeTinyDataset(data, { train: 16, test: 2 });
  const config = join(dir, 'tiny2.json');
  writeFileSync(config, JSON.stringify(tinyConfig(data, join(dir, 'ckpt2'), { epochs: 1, dataloader: { n_splits: 1, val_size: 0.5, batch_size: 4, workers: 0, random_state: 92 } })));
  ok('train', '-c', config);
  ok('find-thresholds', '-c', config);
  const images = join(dir, 'real');
  mkdirSync(images);
  // Real single channels from different Kaggle Ids put together as one sample's quartet (the repository that
  // published them holds no complete set), and the HPA website's 2048² 16-bit green with Kaggle red and blue.
  const k = join(real.path, 'kaggle2018_train');
  copyFileSync(join(k, '0992f466-bbae-11e8-b2ba-ac1f6b6435d0_red.png'), join(images, 'mix_red.png'));
  copyFileSync(join(k, '0fa556f8-bbab-11e8-b2ba-ac1f6b6435d0_green.png'), join(images, 'mix_green.png'));
  copyFileSync(join(k, '3fee1610-bb9c-11e8-b2b9-ac1f6b6435d0_blue.png'), join(images, 'mix_blue.png'));
  copyFileSync(join(k, '20c2595e-bba6-11e8-b2ba-ac1f6b6435d0_yellow.png'), join(images, 'mix_yellow.png'));
  copyFileSync(join(real.path, 'hpa_website_16bit', '1000_A12_2_green.png'), join(images, '1000_A12_2_green.png'));
  copyFileSync(join(k, '68654a76-bba3-11e8-b2b9-ac1f6b6435d0_red.png'), join(images, '1000_A12_2_red.png'));
  copyFileSync(join(k, '440c3094-bb9f-11e8-b2b9-ac1f6b6435d0_blue.png'), join(images, '1000_A12_2_blue.png'));
  // The same 16-bit green as a 16-bit TIFF, with the same red and blue: must predict exactly like the PNG sample.
  // (Written by Pillow, an independent TIFF encoder.)
  const noPil = pythonSkip('PIL', 'numpy');
  if (noPil) return t.skip(noPil);
  runPython('import sys, numpy as np\nfrom PIL import Image\nImage.fromarray(np.array(Image.open(sys.argv[1])).astype(np.uint16)).save(sys.argv[2])', [join(images, '1000_A12_2_green.png'), join(images, 'tif16_green.tif')]);
  copyFileSync(join(images, '1000_A12_2_red.png'), join(images, 'tif16_red.png'));
  copyFileSync(join(images, '1000_A12_2_blue.png'), join(images, 'tif16_blue.png'));
  // HPAv18-style colour JPEGs, 96² (any size is resized to the store size).
  for (const [c, rgb] of [['red', [200, 30, 30]], ['green', [30, 200, 30]], ['blue', [30, 30, 200]], ['yellow', [200, 200, 30]]] as const) {
    await sharp({ create: { width: 96, height: 96, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } }).jpeg().toFile(join(images, `jpg_${c}.jpg`));
  }
  // The PNGs `hpaic download-hpav18` (luma mode) makes of those JPEGs: the same sample must predict identically.
  for (const c of COLORS) {
    const grey = await hpav18ToGrey(readFileSync(join(images, `jpg_${c}.jpg`)), { size: 512, mode: 'luma', color: c as 'red', file: `jpg_${c}.jpg` });
    await sharp(Buffer.from(grey), { raw: { width: 512, height: 512, channels: 1 } }).png().toFile(join(images, `dl_${c}.png`));
  }
  const json = JSON.parse(ok('predict', '--run', join(dir, 'ckpt2', 'tiny'), '--images', images, '--no-tta', '--json', '--depth16', 'max'));
  assert.deepEqual(json.samples.map((s: { id: string }) => s.id).sort(), ['1000_A12_2', 'dl', 'jpg', 'mix', 'tif16']);
  assert.deepEqual(json.skipped, []);
  // One sample per call, so that each is alone in its batch (libtorch's rounding can depend on the batch).
  const alone = (id: string): number[] => {
    const files = readdirSync(images).filter((f) => f.startsWith(`${id}_`)).map((f) => join(images, f));
    return JSON.parse(ok('predict', '--run', join(dir, 'ckpt2', 'tiny'), '--images', ...files, '--no-tta', '--json')).samples[0].probabilities;
  };
  assert.deepEqual(alone('tif16'), alone('1000_A12_2'), '16-bit TIFF and 16-bit PNG of the same pixels');
  assert.deepEqual(alone('jpg'), alone('dl'), 'HPAv18 JPEGs read as download-hpav18 converts them');
  for (const s of json.samples) {
    assert.equal(s.probabilities.length, 28);
    assert.ok(s.probabilities.every((p: number) => p > 0 && p < 1), `${s.id}: probabilities in (0, 1)`);
    assert.deepEqual(s.names, s.labels.map((c: number) => json.classNames[c]));
  }
  // The same files in the CSV, same numbers.
  const csv = parsePredictionCsv(ok('predict', '--run', join(dir, 'ckpt2', 'tiny'), '--images', images, '--no-tta', '--depth16', 'max'));
  for (const s of json.samples) assert.deepEqual(csv.get(s.id)!.probs, s.probabilities.map(Math.fround));
});

test('predictImages in a loop of chunks: no live tensor left, RSS bounded (in-process)', async () => {
  const { loadRunConfig } = await import('../../src/run/loadRunConfig.js');
  const { predictImages } = await import('../../src/predict/predictImages.js');
  const { liveTensors } = await import('../../src/tensor/index.js');
  const config = loadRunConfig(join(dir, 'ckpt', 'tiny'));
  const images = join(dir, 'images');
  // Chunks of 2 samples: 7 chunks × 2 folds × (plain + 15 TTA) per call.
  const once = () => predictImages(config, { images: [images], storeSize: 32, chunkSize: 2, quiet: true });
  const first = await once();
  assert.equal(first.ids.length, 13);
  const baseline = liveTensors();
  const rss = process.memoryUsage().rss;
  for (let i = 0; i < 4; i++) {
    const again = await once();
    assert.deepEqual(Array.from(again.probs), Array.from(first.probs), 'the same probabilities on every call');
  }
  assert.equal(liveTensors(), baseline, 'live tensors grew over predict calls');
  // With a loader worker thread (the pixels shared with it), the same numbers.
  const withWorker = await predictImages(loadRunConfig(join(dir, 'ckpt', 'tiny'), { 'dataloader.workers': 2 }), { images: [images], storeSize: 32, chunkSize: 2, quiet: true });
  assert.deepEqual(Array.from(withWorker.probs), Array.from(first.probs));
  const grown = (process.memoryUsage().rss - rss) / 1e6;
  assert.ok(grown < 150, `RSS grew by ${grown.toFixed(0)} MB over 4 predict calls`);
});
