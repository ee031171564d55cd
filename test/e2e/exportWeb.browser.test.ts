/**
 * The exported model on real HPA images, outside hpaic's engine: a tiny run is trained here; for a sample made
 * of real Kaggle channel PNGs (and a colour JPEG quartet) `hpaic predict --no-tta` gives the reference.
 * 1. `hpaic export onnx --fold-ensemble --sigmoid`: onnxruntime-node on the input webInput.ts prepares gives the
 *    same probabilities within 1e-4, and metadata_props say what the input and the thresholds are.
 * 2. `hpaic export web`: the page in Chromium (onnxruntime-web, WASM), given the same files through its file
 *    input, shows the same probabilities within 1e-4 and the same labels. HPAIC_DOCS_SCREENSHOTS=1 saves
 *    docs/images/export-web.png.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { extname, join, normalize } from 'node:path';
import { spawnSync } from 'node:child_process';
import sharp from 'sharp';
import { makeTinyDataset, tinyConfig } from '../helpers/tinyDataset.js';
import { REPO_ROOT, pythonSkip, referenceMissing, runPython, sharedData, tempDir } from '../helpers/env.js';
import { browserSkip, launchBrowser } from '../helpers/browser.js';
import { sampleToStore, storeToInput, type Pixels } from '../../src/predict/webInput.js';

const real = sharedData('real-samples');
const { dir, cleanup } = tempDir('hpaic-export-web-');
test.after(() => cleanup());

function ok(...args: string[]): string {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'hpaic.js'), ...args], { encoding: 'utf8', env: { ...process.env, HPAIC_FROM_SOURCE: '1', HPAIC_QUIET: '1' } });
  assert.equal(r.status, 0, `hpaic ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

const run = join(dir, 'ckpt', 'tiny');
const images = join(dir, 'images');
const files: string[] = [];
interface Predicted { id: string; labels: number[]; probabilities: number[] }
let reference: Predicted[] = [];

test.before(async () => {
  if (real.skip) return;
  const data = join(dir, 'data');
  await makeTinyDataset(data, { train: 24, test: 2 });
  const config = join(dir, 'tiny.json');
  writeFileSync(config, JSON.stringify(tinyConfig(data, join(dir, 'ckpt'), { epochs: 1, dataloader: { n_splits: 2, val_size: null, batch_size: 4, workers: 0, random_state: 92 } })));
  ok('train', '-c', config);
  ok('find-thresholds', '-c', config);
  mkdirSync(images);
  // Real Kaggle channel PNGs (the repository that published them holds no complete set of one Id).
  const k = join(real.path, 'kaggle2018_train');
  const picks = { red: '0992f466-bbae-11e8-b2ba-ac1f6b6435d0_red.png', green: '0fa556f8-bbab-11e8-b2ba-ac1f6b6435d0_green.png', blue: '440c3094-bb9f-11e8-b2b9-ac1f6b6435d0_blue.png', yellow: '2295c908-bba3-11e8-b2b9-ac1f6b6435d0_yellow.png' };
  for (const [c, f] of Object.entries(picks)) {
    copyFileSync(join(k, f), join(images, `real_${c}.png`));
    files.push(join(images, `real_${c}.png`));
  }
  // A 600² RGB composite (not the store size: resized by Lanczos first) made from real channels.
  const planes = await Promise.all(['red', 'green', 'blue'].map((c) => sharp(join(k, picks[c as keyof typeof picks])).extractChannel(0).resize(600, 600, { kernel: 'nearest' }).raw().toBuffer()));
  const rgb = Buffer.alloc(600 * 600 * 3);
  for (let p = 0; p < 600 * 600; p++) for (let c = 0; c < 3; c++) rgb[p * 3 + c] = planes[c][p];
  await sharp(rgb, { raw: { width: 600, height: 600, channels: 3 } }).png().toFile(join(images, 'composite.png'));
  files.push(join(images, 'composite.png'));
  reference = JSON.parse(ok('predict', '--run', run, '--images', images, '--no-tta', '--json')).samples;
  assert.equal(reference.length, 2);
});

/** Decode as the page's inputs would be, with sharp (the browser uses its own decoder; PNG is lossless). */
async function pixels(file: string): Promise<Pixels> {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height, channels: info.channels as 1 | 3 };
}

test('hpaic export onnx --fold-ensemble --sigmoid: onnxruntime-node on real images equals hpaic predict within 1e-4', async (t) => {
  if (real.skip) return t.skip(real.skip);
  let ort: typeof import('onnxruntime-node');
  try {
    ort = createRequire(import.meta.url)('onnxruntime-node');
  } catch (err) {
    return t.skip(referenceMissing(`onnxruntime-node does not load: ${(err as Error).message.split('\n')[0]}`));
  }
  const onnx = join(dir, 'tiny.onnx');
  ok('export', 'onnx', '--run', run, '--fold-ensemble', '--sigmoid', '--out', onnx);
  const info = JSON.parse(readFileSync(join(run, 'config.resolved.json'), 'utf8'));
  const spec = { filters: info.dataset.filters, height: info.img_h, width: info.img_w, storeSize: 512 };
  const session = await ort.InferenceSession.create(onnx);
  assert.deepEqual(session.inputNames, ['input']);
  assert.deepEqual(session.outputNames, ['probabilities', 'logits']);
  const samples: Record<string, { channels?: Record<string, Pixels>; composite?: Pixels }> = {
    real: { channels: Object.fromEntries(await Promise.all(['red', 'green', 'blue', 'yellow'].map(async (c) => [c, await pixels(join(images, `real_${c}.png`))]))) },
    composite: { composite: await pixels(join(images, 'composite.png')) },
  };
  for (const ref of reference) {
    const x = storeToInput(sampleToStore(ref.id, samples[ref.id], spec), spec);
    const out = await session.run({ input: new ort.Tensor('float32', x, [1, 3, spec.height, spec.width]) });
    const probs = Array.from(out.probabilities.data as Float32Array);
    const d = Math.max(...probs.map((p, c) => Math.abs(p - ref.probabilities[c])));
    t.diagnostic(`${ref.id}: max |ORT − hpaic predict| = ${d.toExponential(2)}`);
    assert.ok(d <= 1e-4, `${ref.id}: ${d}`);
  }
  const skip = pythonSkip('onnx');
  if (skip) return t.skip(skip);
  const meta = JSON.parse(runPython('import onnx, sys, json\nm = onnx.load(sys.argv[1])\nonnx.checker.check_model(m, full_check=True)\nprint(json.dumps({p.key: p.value for p in m.metadata_props}))', [onnx]));
  assert.equal(JSON.parse(meta['hpaic.class_names']).length, 28);
  assert.equal(meta['hpaic.channel_filter'], 'rgb');
  assert.deepEqual(JSON.parse(meta['hpaic.image_size']), [spec.height, spec.width]);
  assert.deepEqual(JSON.parse(meta['hpaic.folds']), [1, 2]);
  const th = JSON.parse(meta['hpaic.thresholds']);
  assert.deepEqual(Object.keys(th), ['default', 'lb', 'single_best', 'class_best']);
  assert.equal(th.class_best.length, 28);
});

const CONTENT_TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.wasm': 'application/wasm', '.onnx': 'application/octet-stream' };

function serve(root: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const rel = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^\/+/, '') || 'index.html';
    try {
      const body = readFileSync(join(root, rel));
      res.writeHead(200, { 'content-type': CONTENT_TYPES[extname(rel)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/` })));
}

test('hpaic export web: the page in Chromium shows hpaic predict\'s probabilities (within 1e-4) and labels for real images', async (t) => {
  if (real.skip) return t.skip(real.skip);
  const skip = browserSkip();
  if (skip) return t.skip(skip);
  const web = join(dir, 'web');
  ok('export', 'web', '--run', run, '--out', web);
  const { server, url } = await serve(web);
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
    await page.goto(url);
    await page.waitForFunction(() => document.body.dataset.ready === '1' || document.querySelector('#status .error') !== null, undefined, { timeout: 60_000 });
    assert.equal(await page.evaluate(() => document.body.dataset.ready), '1', `the page did not load the model: ${await page.textContent('#status')} ${errors.join('; ')}`);
    await page.setInputFiles('#files', files);
    await page.waitForFunction(() => document.body.dataset.done === '1', undefined, { timeout: 60_000 });
    for (const ref of reference) {
      const shown = await page.$$eval(`.sample[data-id="${ref.id}"] td.p`, (tds) => tds.map((td) => Number((td as HTMLElement).dataset.value)));
      assert.equal(shown.length, 28, `${ref.id}: 28 probabilities on the page (${await page.textContent(`.sample[data-id="${ref.id}"]`)})`);
      const d = Math.max(...shown.map((p, c) => Math.abs(p - ref.probabilities[c])));
      t.diagnostic(`${ref.id}: max |browser − hpaic predict| = ${d.toExponential(2)}`);
      assert.ok(d <= 1e-4, `${ref.id}: the page's probabilities differ from hpaic predict's by ${d}`);
      const labels = await page.$$eval(`.sample[data-id="${ref.id}"] tr.on td:first-child`, (tds) => tds.map((td) => Number(td.textContent)));
      assert.deepEqual(labels, ref.labels, `${ref.id}: the page's labels`);
    }
    assert.deepEqual(errors, []);
    // HPAIC_DOCS_SCREENSHOTS=1 writes the picture docs/predict-export.md shows.
    if (process.env.HPAIC_DOCS_SCREENSHOTS === '1') await page.screenshot({ path: join(REPO_ROOT, 'docs', 'images', 'export-web.png'), fullPage: false });
  } finally {
    await browser.close();
    server.close();
  }
});
