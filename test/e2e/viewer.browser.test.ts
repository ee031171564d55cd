/**
 * `hpaic view` in a real browser (system Chromium via playwright-core) on a tiny run trained here: the runs
 * page shows summary.json's best F1, the run page's charts hold history.json's numbers, the gallery shows the
 * fold's validation samples with train.csv's labels and the class filter narrows them; screenshots are not
 * blank; requests that try to leave --dir get 403/404; only loopback is bound unless asked. Set
 * HPAIC_DOCS_SCREENSHOTS=1 to write the screenshots to docs/images/ (docs/viewer.md shows them).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { spawn } from 'node:child_process';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { makeTinyDataset, tinyConfig } from '../helpers/tinyDataset.js';
import { REPO_ROOT, tempDir } from '../helpers/env.js';
import { browserSkip, launchBrowser } from '../helpers/browser.js';
import { parseConfig } from '../../src/config/loadConfig.js';
import { train } from '../../src/train/train.js';
import { findThresholds } from '../../src/predict/findThresholds.js';
import { readHistory, readSummary, writeHistory, metricValue, parseMetricList } from '../../src/train/summary.js';
import { readProbabilityFile } from '../../src/run/probabilityFile.js';
import { readLabelCsv } from '../../src/data/tables/csv.js';
import { startViewer, type Viewer } from '../../src/viewer/server.js';
import { UsageError } from '../../src/errors.js';

const skip = browserSkip();
const { dir, cleanup } = tempDir('hpaic-view-');
const data = join(dir, 'data');
const ckpt = join(dir, 'ckpt');
const shots = process.env.HPAIC_DOCS_SCREENSHOTS === '1' ? join(REPO_ROOT, 'docs', 'images') : join(dir, 'shots');
let viewer: Viewer;
let browser: Browser;
let page: Page;

test.before(async () => {
  if (skip) return;
  await makeTinyDataset(data);
  const config = parseConfig(tinyConfig(data, ckpt, { name: 'tiny' }));
  await train(config, { quiet: true });
  await findThresholds(config, { quiet: true });
  cpSync(join(ckpt, 'tiny'), join(ckpt, 'tiny-copy'), { recursive: true });
  symlinkSync('/etc', join(ckpt, 'escape'));
  symlinkSync('/etc/hostname', join(ckpt, 'tiny', 'hostname-link'));
  mkdirSync(shots, { recursive: true });
  viewer = await startViewer({ dir: ckpt, data, port: 0 });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
});
test.after(async () => {
  await browser?.close();
  await viewer?.close();
  cleanup();
});

async function open(hash: string): Promise<void> {
  await page.goto(`${viewer.url}#${hash}`);
  await page.waitForFunction((h) => document.body.dataset.ready === h, hash);
}

/** A screenshot must show something: several distinct colours, not one flat fill. */
async function screenshot(name: string): Promise<void> {
  const png = await page.screenshot({ fullPage: false });
  writeFileSync(join(shots, name), await sharp(png).png({ palette: true, compressionLevel: 9 }).toBuffer());
  const stats = await sharp(png).stats();
  assert.ok(stats.channels.some((c) => c.stdev > 10), `${name} looks blank`);
}

test('the runs page lists the run with the best validation F1 of summary.json', { skip }, async () => {
  await open('/');
  const cells = await page.$$eval('tr[data-run="tiny"] td.best-f1', (tds) => tds.map((td) => td.textContent));
  const expected = [1, 2].map((k) => {
    const s = readSummary(join(ckpt, 'tiny', `fold_${k}`, 'summary.json'));
    return metricValue(parseMetricList(s.metric_history.val[s.epoch - 1]), 'f1_macro').toFixed(4);
  });
  assert.deepEqual(cells, [expected.join(' / ')]);
  assert.equal(await page.$$eval('tr[data-run]', (r) => r.length), 2);
  await screenshot('viewer-runs.png');
  // Sorting by a column reorders the rows; clicking again reverses them.
  const order = () => page.$$eval('tr[data-run]', (r) => r.map((x) => (x as HTMLElement).dataset.run));
  assert.deepEqual(await order(), ['tiny', 'tiny-copy']);
  await page.click('th[data-key="name"]');
  await page.waitForSelector('th[data-key="name"]:has-text("▼")');
  assert.deepEqual(await order(), ['tiny-copy', 'tiny']);
});

test('the run page charts hold history.json values and show the threshold table', { skip }, async () => {
  await open('/run/tiny');
  for (const k of [1, 2]) {
    const h = readHistory(join(ckpt, 'tiny', `fold_${k}`, 'history.json'));
    const series = await page.$$eval(`svg[data-chart^="fold${k}-"] polyline`, (ps) => Object.fromEntries(ps.map((p) => [p.getAttribute('data-series'), JSON.parse(p.getAttribute('data-values')!)])));
    assert.deepEqual(series['train loss'], h.epochs.map((e) => e.train.loss));
    assert.deepEqual(series['val loss'], h.epochs.map((e) => e.val.loss));
    assert.deepEqual(series['val f1_macro'], h.epochs.map((e) => metricValue(e.val.metrics, 'f1_macro')));
    assert.deepEqual(series.lr, h.epochs.map((e) => e.lr));
  }
  const kinds = await page.$$eval('#thresholds th', (ths) => ths.map((t) => t.textContent));
  assert.deepEqual(kinds, ['fold', 'default', 'macro F1', 'lb', 'macro F1', 'single_best', 'macro F1', 'class_best', 'macro F1']);
  // TP + FN of each class = its positives among the fold's validation samples.
  const probs = readProbabilityFile(join(ckpt, 'tiny', 'fold_1', 'val_probabilities.csv'));
  const labels = readLabelCsv(join(data, 'train.csv'));
  const row = new Map(labels.ids.map((id, i) => [id, i]));
  const positives = (c: number) => probs.ids.filter((id) => labels.labels[row.get(id)! * 28 + c]).length;
  const tpfn = await page.$$eval('table.tpfpfn[data-fold="1"] tr', (rs) => rs.slice(1).map((r) => [...r.querySelectorAll('td.num')].map((td) => Number(td.textContent))));
  assert.deepEqual(tpfn.map(([tp, , fn]) => tp + fn), Array.from({ length: 28 }, (_, c) => positives(c)));
  await screenshot('viewer-run.png');
});

test('the run page follows a run that is still training (history.json re-read)', { skip }, async () => {
  await open('/run/tiny-copy');
  const path = join(ckpt, 'tiny-copy', 'fold_1', 'history.json');
  const h = readHistory(path);
  const next = { ...h.epochs[h.epochs.length - 1], epoch: h.epochs.length + 1, train: { loss: 0.123, metrics: h.epochs[0].train.metrics } };
  writeHistory(path, { ...h, epochs: [...h.epochs, next] });
  await page.waitForFunction(() => JSON.parse(document.querySelector('svg[data-chart="fold1-loss"] polyline[data-series="train loss"]')!.getAttribute('data-values')!).length === 3, undefined, { timeout: 15000 });
  const values = JSON.parse((await page.getAttribute('svg[data-chart="fold1-loss"] polyline[data-series="train loss"]', 'data-values'))!);
  assert.deepEqual(values, [...h.epochs.map((e) => e.train.loss), 0.123]);
});

test('the gallery shows the validation samples with their true labels; the class filter narrows them', { skip }, async () => {
  await open('/gallery/tiny');
  const probs = readProbabilityFile(join(ckpt, 'tiny', 'fold_1', 'val_probabilities.csv'));
  const labels = readLabelCsv(join(data, 'train.csv'));
  const truthOf = (id: string) => {
    const i = labels.ids.indexOf(id);
    return Array.from({ length: 28 }, (_, c) => c).filter((c) => labels.labels[i * 28 + c]);
  };
  const tiles = await page.$$eval('.tile', (ts) => ts.map((t) => [(t as HTMLElement).dataset.id, JSON.parse((t as HTMLElement).dataset.truth!)]));
  assert.deepEqual(tiles.map(([id]) => id).sort(), [...probs.ids].sort());
  for (const [id, truth] of tiles) assert.deepEqual(truth, truthOf(id as string), `true labels of ${id}`);
  await page.waitForFunction(() => [...document.querySelectorAll('.tile img')].every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0));
  await screenshot('viewer-gallery.png');
  await page.selectOption('#g-class', '2');
  await page.waitForFunction(() => document.getElementById('g-class') && (document.getElementById('g-class') as HTMLSelectElement).value === '2' && document.querySelectorAll('.tile').length >= 0);
  await page.waitForFunction((n) => document.getElementById('g-count')!.textContent!.startsWith(`${n} of`), probs.ids.filter((id) => truthOf(id).includes(2)).length);
  const filtered = await page.$$eval('.tile', (ts) => ts.map((t) => (t as HTMLElement).dataset.id));
  assert.deepEqual(filtered.sort(), probs.ids.filter((id) => truthOf(id).includes(2)).sort());
  assert.ok(filtered.length < probs.ids.length && filtered.length > 0);
  await page.selectOption('#g-mode', 'green');
  await page.waitForFunction(() => [...document.querySelectorAll('.tile img')].every((i) => (i as HTMLImageElement).src.includes('mode=green') && (i as HTMLImageElement).complete));
  await page.click('.tile');
  await page.waitForSelector('#modal:not([hidden]) img');
  await screenshot('viewer-sample.png');
});

test('comparing two runs overlays their curves and puts their per-class F1 side by side', { skip }, async () => {
  await open('/compare/tiny,tiny-copy');
  const series = await page.$$eval('svg[data-chart="compare-valf1"] polyline', (ps) => ps.map((p) => p.getAttribute('data-series')));
  assert.deepEqual(series, ['tiny fold 1', 'tiny fold 2', 'tiny fold 1', 'tiny fold 2']);
  const groups = JSON.parse((await page.getAttribute('svg[data-chart="compare-perclass"]', 'data-values'))!);
  assert.equal(groups.length, 2);
  assert.deepEqual(groups[0], groups[1], 'a copied run has the same per-class F1');
  await screenshot('viewer-compare.png');
});

function get(path: string): Promise<number> {
  const u = new URL(viewer.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method: 'GET' }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', reject);
    req.end();
  });
}

test('nothing outside --dir is served: .., %2e%2e, absolute paths and symlinks out get 403/404', { skip }, async () => {
  assert.equal(await get('/files/tiny/fold_1/history.json'), 200);
  for (const p of [
    '/files/../data/train.csv', '/files/tiny/../../data/train.csv', '/files/%2e%2e/data/train.csv', '/files/%2E%2E%2Fdata%2Ftrain.csv',
    '/files//etc/hostname', '/files/%2Fetc%2Fhostname', '/files/escape/hostname', '/files/tiny/hostname-link', '/files/..%5c..%5cetc', '/files/tiny%00',
    '/api/run?id=..', '/api/run?id=%2E%2E%2Fdata', '/api/run?id=%2Fetc', '/api/run?id=escape', '/api/gallery?id=../data',
  ]) {
    const status = await get(p);
    assert.ok(status === 403 || status === 404, `${p} answered ${status}`);
  }
  const u = new URL(viewer.url);
  const post = await new Promise<number>((resolve) => request({ host: u.hostname, port: u.port, path: '/api/runs', method: 'POST' }, (r) => resolve(r.statusCode!)).end());
  assert.equal(post, 405);
});

test('binds loopback by default and refuses another address unless asked; the CLI prints its URL and stops on Ctrl-C', { skip }, async () => {
  assert.equal(viewer.server.address() && (viewer.server.address() as { address: string }).address, '127.0.0.1');
  await assert.rejects(startViewer({ dir: ckpt, host: '0.0.0.0', port: 0 }), UsageError);
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'hpaic.js'), 'view', '--dir', ckpt, '--port', '0'], { env: { ...process.env, HPAIC_FROM_SOURCE: '1' } });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (b) => {
      out += b;
      const m = out.match(/^hpaic view: (http:\/\/127\.0\.0\.1:\d+\/)$/m);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
  const r = await fetch(`${url}api/runs`);
  assert.equal(((await r.json()) as { runs: unknown[] }).runs.length, 2);
  child.kill('SIGINT');
  const code = await new Promise((resolve) => child.on('exit', resolve));
  assert.equal(code, 0);
});
