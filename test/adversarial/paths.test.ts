/**
 * Issue 19 items 1–3 and the walk over every command that builds paths from data: names read from files (Ids,
 * threshold kinds, zip entries looked up by Id, URLs built from Ids) never reach a path or a URL outside the
 * folder the user named; each is refused with an HpaicError naming the file and line or key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/env.js';
import { buildZip } from '../helpers/zipBuilder.js';
import { EVIL_NAMES, hpaicErrorOf, listFiles, sandbox } from './helpers.js';
import { checkSafeName, isSafeName, safeJoin } from '../../src/io/fs/safeName.js';
import { convertKaggle } from '../../src/data/ingest/convertKaggle.js';
import { downloadHpav18, hpav18Url } from '../../src/data/ingest/downloadHpav18.js';
import { parseThresholdFile } from '../../src/predict/thresholdFile.js';
import { writeSubmissions } from '../../src/predict/submissionFiles.js';
import { PngFolderStore } from '../../src/data/store/PngFolderStore.js';
import { openChannelSource } from '../../src/data/store/channelSource.js';
import { readCsvColumn, readLabelCsv } from '../../src/data/tables/csv.js';
import { NUM_CLASSES } from '../../src/data/tables/labels.js';

const bin = join(REPO_ROOT, 'bin', 'hpaic.js');
const GOOD = ['00070df0-bbc3-11e8-b2bc-ac1f6b6435d0', '10580_1610_C1_1', 'fold_1', 'class_best', 'a.b-c_d'];

test('the naming rule: real Ids and kinds pass; separators, "..", hidden names, CSV metacharacters and odd characters do not', () => {
  for (const n of GOOD) assert.equal(isSafeName(n), true, n);
  for (const n of EVIL_NAMES) {
    assert.equal(isSafeName(n), false, JSON.stringify(n));
    assert.throws(() => checkSafeName(n, 'train.csv line 7', 'Id'), (e: Error) => e.name === 'DataError' && e.message.startsWith('train.csv line 7: Id '));
  }
  assert.throws(() => safeJoin('/tmp/x', '../y', 'where'), /cannot be used in a file name/);
  assert.equal(safeJoin('/tmp/x', 'y_red.png', 'where'), '/tmp/x/y_red.png');
});

test('item 1: submit refuses a threshold.json kind that climbs out of the run folder, and overwrites nothing', () => {
  const s = sandbox();
  try {
    const victim = join(s.outside, 'victim', 'train.csv');
    mkdirSync(join(s.outside, 'victim'), { recursive: true });
    writeFileSync(victim, 'Id,Target\nkeep,0\n');
    s.mark();
    const run = join(s.work, 'checkpoint', 'r');
    mkdirSync(run, { recursive: true });
    const entry = { threshold: 0.5, metrics: '' };
    const threshold = { fold_1: { default: entry, '/../../../../outside/victim/train': entry } };
    writeFileSync(join(run, 'threshold.json'), JSON.stringify(threshold));
    writeFileSync(join(s.work, 'cfg.json'), JSON.stringify({ name: 'r', device: 'cpu', checkpoint_dir: join(s.work, 'checkpoint'), dataset: { root_dir: s.work } }));
    const r = spawnSync(process.execPath, [bin, 'submit', '-c', join(s.work, 'cfg.json')], { encoding: 'utf8', env: { ...process.env, HPAIC_NUM_THREADS: '1' } });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /threshold\.json: fold_1: threshold kind "\/\.\.\/.*cannot be used in a file name/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(readFileSync(victim, 'utf8'), 'Id,Target\nkeep,0\n');
    assert.deepEqual(s.outsideChanged(), []);
    // The writer checks too, whoever calls it.
    const logits = new Float32Array(NUM_CLASSES);
    for (const key of EVIL_NAMES) {
      assert.throws(() => writeSubmissions({ ids: ['a'], foldLogits: [logits], thresholds: [[{ key, threshold: 0.5 }]], outDir: join(run, 'submission'), probabilities: false }), { name: 'DataError' });
    }
    assert.deepEqual(s.outsideChanged(), []);
  } finally {
    s.cleanup();
  }
});

test('item 2: download-hpav18 never requests or writes a path built from a bad Id; bad Ids go to failed.csv', async () => {
  const s = sandbox();
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/images/`;
    const csv = join(s.work, 'HPAv18.csv');
    writeFileSync(csv, 'Id,Target\n' + ['x_/../../../../outside/pwned', ...EVIL_NAMES.filter((n) => !n.includes('\n')).map((n) => `"${n.replace(/"/g, '""')}"`), '10580_1610_C1_1'].map((i) => `${i},0`).join('\n') + '\n');
    const out = join(s.work, 'out');
    const res = await downloadHpav18({ csv, out, baseUrl: base, retries: 0, threads: 0, quiet: true });
    assert.ok(hits.every((h) => h === '/images/10580/1610_C1_1_red.jpg' || /^\/images\/10580\/1610_C1_1_(green|blue|yellow)\.jpg$/.test(h)), hits.join(' '));
    assert.ok(res.failedCsv && existsSync(res.failedCsv));
    const failed = readFileSync(res.failedCsv, 'utf8');
    assert.match(failed, /x_\/\.\.\/\.\.\/\.\.\/\.\.\/outside\/pwned,red,,.*HPAv18\.csv line 2: Id cannot be used in a URL or file name/);
    assert.equal(res.failed.filter((f) => f.url === '').length, 4 * (1 + EVIL_NAMES.filter((n) => !n.includes('\n')).length));
    assert.deepEqual(s.outsideChanged(), []);
    assert.throws(() => hpav18Url(base, '10580_/../x', 'red'), { name: 'DataError' });
  } finally {
    server.close();
    s.cleanup();
  }
});

test('item 3: convert refuses a train.csv Id that points outside --src before reading any image', async () => {
  const s = sandbox();
  try {
    const src = join(s.work, 'src');
    mkdirSync(join(src, 'train'), { recursive: true });
    mkdirSync(join(s.outside, 'x'), { recursive: true });
    for (const c of ['red', 'green', 'blue', 'yellow']) writeFileSync(join(s.outside, `secret_${c}.png`), 'not yours');
    writeFileSync(join(src, 'train.csv'), 'Id,Target\n../../outside/secret,0\n');
    s.mark();
    const e = await hpaicErrorOf(() => convertKaggle({ src, dest: join(s.work, 'dest'), splits: ['train'], quiet: true }));
    assert.match(e.message, /train\.csv line 2: Id "\.\.\/\.\.\/outside\/secret" cannot be used in a file name/);
    assert.equal(existsSync(join(s.work, 'dest', 'train.hdf5')), false);
    assert.deepEqual(s.outsideChanged(), []);
  } finally {
    s.cleanup();
  }
});

test('every reader and writer that builds a path from data refuses every bad name and writes nothing outside its folder', async () => {
  const s = sandbox();
  try {
    const png = join(s.work, 'png');
    mkdirSync(png);
    const zipPath = join(s.work, 'train.zip');
    writeFileSync(zipPath, buildZip([{ name: 'ok_red.png', data: new Uint8Array(4) }]));
    const zip = await openChannelSource([zipPath], 'adversarial zip');
    const folder = await openChannelSource([png], 'adversarial folder');
    const entry = { threshold: 0.5, metrics: '' };
    // One entry per command path that turns data into a path: what it is, and the call.
    const walkers: Record<string, (name: string) => unknown> = {
      'label CSV Ids (train, convert, split, score, ensemble)': (n) => {
        writeFileSync(join(s.work, 'l.csv'), `Id,Target\n"${n.replace(/"/g, '""')}",0\n`);
        return readLabelCsv(join(s.work, 'l.csv'));
      },
      'sample_submission Ids (submit, convert)': (n) => {
        writeFileSync(join(s.work, 's.csv'), `Id,Predicted\n"${n.replace(/"/g, '""')}",0\n`);
        return readCsvColumn(join(s.work, 's.csv'));
      },
      'PNG-folder store (dataset.format png)': (n) => new PngFolderStore(png, [n]),
      'channel folder (convert --src folders)': (n) => folder.read(n, 'red'),
      'channel zip entries (convert --src zips)': (n) => zip.read(n, 'red'),
      'HPAv18 URLs (download-hpav18)': (n) => hpav18Url('http://127.0.0.1:9/', n, 'red'),
      'threshold kinds (submit)': (n) => parseThresholdFile({ fold_1: { [n]: entry } }, 'threshold.json'),
      'submission file names (submit)': (n) => writeSubmissions({ ids: ['a'], foldLogits: [new Float32Array(NUM_CLASSES)], thresholds: [[{ key: n, threshold: 0.5 }]], outDir: join(s.work, 'sub'), probabilities: false }),
    };
    for (const [what, call] of Object.entries(walkers)) {
      for (const n of EVIL_NAMES) {
        const e = await hpaicErrorOf(() => call(n));
        assert.ok(/cannot be used in a (URL or )?file name|empty Id|has no "_"/.test(e.message), `${what} with ${JSON.stringify(n)}: ${e.message}`);
      }
    }
    await zip.close();
    assert.deepEqual(s.outsideChanged(), []);
    assert.deepEqual(listFiles(s.work).filter((f) => f.startsWith('sub/')), [], 'no submission file was written');
  } finally {
    s.cleanup();
  }
});
