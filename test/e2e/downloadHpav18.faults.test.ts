import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { downloadHpav18, hpav18Url } from '../../src/data/ingest/downloadHpav18.js';
import { decodePngSync } from '../../src/data/image/decodePngSync.js';
import { pythonSkip, REPO_ROOT, runPython, tempDir } from '../helpers/env.js';

const COLORS = ['red', 'green', 'blue', 'yellow'] as const;
const IDS = ['10005_921_B9_1', '10580_1610_C1_2', '1048_1751_G2_18_cr58009842c82e5'];
const SIZE = 32;

async function jpeg(k: number): Promise<Buffer> {
  const w = 96;
  const h = 80;
  const px = Buffer.alloc(w * h * 3);
  for (let i = 0; i < w * h; i++) {
    const x = i % w;
    const y = Math.floor(i / w);
    px[i * 3] = (x * 3 + k * 40) % 256;
    px[i * 3 + 1] = (y * 5 + x) % 256;
    px[i * 3 + 2] = ((x ^ y) * 7 + k) % 256;
  }
  return sharp(px, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

/** Faults per URL path: a list consumed one request at a time; afterwards the file is served normally. */
type Fault = 'ok' | '500' | '404' | 'drop' | 'truncate' | 'slow' | 'garbage';

async function startServer(files: Map<string, Buffer>, faults: Map<string, Fault[]>, hits: Map<string, number>): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const body = files.get(path);
    const queue = faults.get(path);
    const fault = queue && queue.length ? (queue.length > 1 ? queue.shift()! : queue[0]) : 'ok';
    if (!body || fault === '404') {
      res.writeHead(404).end('not found');
      return;
    }
    if (fault === '500') {
      res.writeHead(500).end('boom');
      return;
    }
    if (fault === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault === 'truncate') {
      res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': body.length });
      res.write(body.subarray(0, body.length >> 1), () => req.socket.destroy());
      return;
    }
    if (fault === 'garbage') {
      // A complete response whose bytes are not a JPEG (a proxy error page with status 200).
      const g = Buffer.from('<html>gateway error</html>');
      res.writeHead(200, { 'content-length': g.length }).end(g);
      return;
    }
    if (fault === 'slow') {
      const t = setTimeout(() => res.writeHead(200, { 'content-length': body.length }).end(body), 1500);
      res.on('close', () => clearTimeout(t));
      return;
    }
    res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': body.length }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { server, base: `http://127.0.0.1:${port}/images/v18` };
}

/** Pillow's reference: Image.open(jpg).resize((S, S), LANCZOS).convert('L') (the seed), and the channel mode. */
function pilReference(dir: string, names: string[], mode: 'luma' | 'channel'): Record<string, number[]> {
  return JSON.parse(
    runPython(
      `import sys, json, numpy as np
from PIL import Image
d, mode, S = sys.argv[1], sys.argv[2], ${SIZE}
out = {}
for name in json.loads(sys.stdin.read()):
    im = Image.open('%s/%s.jpg' % (d, name))
    if mode == 'luma':
        a = np.array(im.resize((S, S), Image.LANCZOS).convert('L'))
    else:
        rgb = np.array(im.convert('RGB')).astype(np.int32)
        color = name.rsplit('_', 1)[1]
        ch = ((rgb[..., 0] + rgb[..., 1] + 1) >> 1) if color == 'yellow' else rgb[..., ['red', 'green', 'blue'].index(color)]
        a = np.array(Image.fromarray(ch.astype(np.uint8)).resize((S, S), Image.LANCZOS))
    out[name] = a.reshape(-1).tolist()
print(json.dumps(out))`,
      [dir, mode],
      JSON.stringify(names),
    ),
  );
}

const skip = pythonSkip('numpy', 'PIL');

test('hpav18Url splits the Id at its first underscore and keeps the base path', () => {
  assert.equal(hpav18Url('http://v18.proteinatlas.org/images/', '10005_921_B9_1', 'red'), 'http://v18.proteinatlas.org/images/10005/921_B9_1_red.jpg');
  assert.equal(hpav18Url('http://h/x/y', '1048_1751_G2_18_cr58009842c82e5', 'yellow'), 'http://h/x/y/1048/1751_G2_18_cr58009842c82e5_yellow.jpg');
  assert.throws(() => hpav18Url('http://h/', 'nounderscore', 'red'), /has no "_"/);
});

test('faults are retried until every file is correct or reported in failed.csv; nothing corrupt is kept; reruns resume', { skip }, async () => {
  const { dir, cleanup } = tempDir();
  const files = new Map<string, Buffer>();
  const faults = new Map<string, Fault[]>();
  const hits = new Map<string, number>();
  const jpgDir = join(dir, 'jpg');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(jpgDir);
  const pathOf = (id: string, c: string) => new URL(hpav18Url('http://x/images/v18', id, c as (typeof COLORS)[number])).pathname;
  for (const [k, id] of IDS.entries()) {
    for (const c of COLORS) {
      const body = await jpeg(k * 4 + COLORS.indexOf(c));
      files.set(pathOf(id, c), body);
      writeFileSync(join(jpgDir, `${id}_${c}.jpg`), body);
    }
  }
  const [A, B] = IDS;
  faults.set(pathOf(A, 'red'), ['500', '500', 'ok']);
  faults.set(pathOf(A, 'green'), ['drop', 'ok']);
  faults.set(pathOf(A, 'blue'), ['truncate', 'ok']);
  faults.set(pathOf(A, 'yellow'), ['slow', 'ok']);
  faults.set(pathOf(IDS[2], 'red'), ['garbage', 'ok']);
  faults.set(pathOf(B, 'red'), ['500']);
  faults.set(pathOf(B, 'green'), ['404']);
  faults.set(pathOf(B, 'blue'), ['truncate']);
  const { server, base } = await startServer(files, faults, hits);
  try {
    const csv = join(dir, 'HPAv18_train.csv');
    writeFileSync(csv, 'Id,Target\n' + IDS.map((id) => `${id},0`).join('\n') + '\n');
    const out = join(dir, 'out');
    mkdirSync(out);
    writeFileSync(join(out, `.${B}_yellow.png.999.part`), 'left over by a killed run');
    const opts = { csv, out, baseUrl: base, size: SIZE, concurrency: 4, retries: 3, timeoutMs: 500, backoffMs: 5, quiet: true };
    const r = await downloadHpav18(opts);
    assert.equal(r.total, 12);
    assert.deepEqual(
      r.failed.map((f) => `${f.id}_${f.color}`),
      [`${B}_red`, `${B}_green`, `${B}_blue`],
    );
    assert.equal(hits.get(pathOf(B, 'green')), 1, '404 is not retried');
    assert.equal(readFileSync(join(out, 'HPAv18_train.csv'), 'utf8'), readFileSync(csv, 'utf8'));
    assert.equal(hits.get(pathOf(B, 'red')), 4, '500 is retried 3 times');
    assert.match(r.failed[0].error, /HTTP 500/);
    assert.match(r.failed[2].error, /truncated|terminated|body|other side closed/i);
    const failedCsv = readFileSync(join(out, 'failed.csv'), 'utf8').trim().split('\n');
    assert.equal(failedCsv[0], 'Id,color,url,error');
    assert.equal(failedCsv.length, 4);
    assert.ok(failedCsv[1].startsWith(`${B},red,${base}/10580/1610_C1_2_red.jpg,`));
    // Every file present is exactly Pillow's conversion; the failed ones are absent; no temp file remains.
    const pngs = readdirSync(out).filter((f) => f.endsWith('.png'));
    assert.equal(pngs.length, 9);
    assert.deepEqual(readdirSync(out).filter((f) => f.startsWith('.')), []);
    assert.deepEqual(readdirSync(out).filter((f) => !f.endsWith('.png')).sort(), ['HPAv18_train.csv', 'failed.csv']);
    const names = pngs.map((f) => f.slice(0, -4));
    const ref = pilReference(jpgDir, names, 'luma');
    for (const n of names) {
      const img = decodePngSync(readFileSync(join(out, `${n}.png`)), n);
      assert.equal(img.width, SIZE);
      assert.deepEqual([...img.data], ref[n], n);
    }
    // The server recovers; a rerun fetches only the three missing files and clears failed.csv.
    faults.clear();
    const before = [...hits.values()].reduce((a, b) => a + b, 0);
    const r2 = await downloadHpav18(opts);
    assert.equal(r2.present, 9);
    assert.equal(r2.downloaded, 3);
    assert.equal(r2.failed.length, 0);
    assert.equal([...hits.values()].reduce((a, b) => a + b, 0) - before, 3);
    assert.ok(!existsSync(join(out, 'failed.csv')));
    const ref2 = pilReference(jpgDir, [`${B}_red`, `${B}_blue`], 'luma');
    for (const [n, want] of Object.entries(ref2)) assert.deepEqual([...decodePngSync(readFileSync(join(out, `${n}.png`)), n).data], want, n);

    // --mode channel keeps the named colour (yellow = mean of red and green), resized the same way.
    const outC = join(dir, 'outC');
    const rc = await downloadHpav18({ ...opts, out: outC, mode: 'channel', numIds: 1 });
    assert.equal(rc.failed.length, 0);
    assert.equal(readFileSync(join(outC, 'HPAv18_train.csv'), 'utf8'), `Id,Target\n${A},0\n`);
    const refC = pilReference(jpgDir, COLORS.map((c) => `${A}_${c}`), 'channel');
    for (const [n, want] of Object.entries(refC)) assert.deepEqual([...decodePngSync(readFileSync(join(outC, `${n}.png`)), n).data], want, n);

    // The CLI exits non-zero and names failed.csv when something failed.
    faults.set(pathOf(IDS[2], 'blue'), ['404']);
    const outX = join(dir, 'outX');
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'hpaic.js'), 'download-hpav18', '--csv', csv, '--out', outX, '--base-url', base, '--size', String(SIZE), '--retries', '1', '--timeout', '5', '--quiet'], { env: { ...process.env, HPAIC_BACKOFF_MS: '1' } });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise((res) => child.on('exit', res));
    assert.equal(code, 1, stderr);
    assert.match(stderr, /1 files failed; see .*failed\.csv/);
    assert.match(readFileSync(join(outX, 'failed.csv'), 'utf8'), /1048_1751_G2_18_cr58009842c82e5,blue,.*HTTP 404/);
  } finally {
    server.close();
    server.closeAllConnections();
    cleanup();
  }
});
