/**
 * Every PNG row filter (none, sub, up, average, Paeth) for 1-4 samples per pixel, through both of hpaic's PNG
 * decoders (the ingest addon's libdeflate path and, with HPAIC_NATIVE_INGEST=0 in a child process, the JavaScript
 * one), against Pillow decoding the same files. The files are written here with a random filter per row, since
 * the real Kaggle PNGs use no "average" rows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { decodeChannelsRgby } from '../../src/data/image/decodeImage.js';
import { loadIngestAddon } from '../../src/native/loadIngestAddon.js';
import { REPO_ROOT, pythonSkip, referenceMissing, runPython, tempDir } from '../helpers/env.js';

const W = 37;
const H = 23;
const skip = pythonSkip('PIL', 'numpy') || (loadIngestAddon().addon ? false : referenceMissing(`the ingest addon is absent: ${loadIngestAddon().why}`));

function crc32(b: Uint8Array): number {
  let c = ~0;
  for (const v of b) {
    c ^= v;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** An 8-bit PNG of `bpp` samples per pixel (colour type grey, grey+alpha, RGB, RGBA) with row y filtered by y mod 5. */
function png(bpp: number, seed: number): Buffer {
  const colorType = { 1: 0, 2: 4, 3: 2, 4: 6 }[bpp]!;
  const stride = W * bpp;
  let s = seed;
  const px = Uint8Array.from({ length: H * stride }, (_, i) => ((s = (s * 1103515245 + 12345) >>> 0) >>> 25) + (i % 50));
  const raw = new Uint8Array(H * (stride + 1));
  for (let y = 0; y < H; y++) {
    const f = (y + seed) % 5;
    raw[y * (stride + 1)] = f;
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? px[y * stride + x - bpp] : 0;
      const b = y > 0 ? px[(y - 1) * stride + x] : 0;
      const c = x >= bpp && y > 0 ? px[(y - 1) * stride + x - bpp] : 0;
      const pa = Math.abs(b - c);
      const pb = Math.abs(a - c);
      const pc = Math.abs(a + b - 2 * c);
      const pred = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][f];
      raw[y * (stride + 1) + 1 + x] = (px[y * stride + x] - pred) & 0xff;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(W, 0);
  ihdr.writeUInt32BE(H, 4);
  ihdr[8] = 8;
  ihdr[9] = colorType;
  const z = deflateSync(raw);
  // Two IDAT chunks, to cover the concatenation.
  const cut = z.length >> 1;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', z.subarray(0, cut)), chunk('IDAT', z.subarray(cut)), chunk('IEND', new Uint8Array(0))]);
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Pillow's first channel of each file, as SHA-256 of its bytes. */
function pillowFirstChannel(files: string[]): string[] {
  return JSON.parse(
    runPython(
      `import sys, json, hashlib, numpy as np
from PIL import Image
out = []
for f in sys.argv[1:]:
    a = np.array(Image.open(f))
    a = a if a.ndim == 2 else a[..., 0]
    out.append(hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest())
print(json.dumps(out))`,
      files,
    ),
  );
}

const planeShas = (rgby: Uint8Array): string[] =>
  [0, 1, 2, 3].map((c) => {
    const p = new Uint8Array(W * H);
    for (let i = 0; i < p.length; i++) p[i] = rgby[i * 4 + c];
    return sha(p);
  });

test('all five PNG row filters at 1-4 samples per pixel decode as Pillow does, in the addon and in JavaScript', { skip }, async () => {
  const { dir, cleanup } = tempDir();
  try {
    // Plain grey quartets go to the fast paths; the other colour types through decodeChannelsRgby would be refused
    // (grey only), so those are checked through decodePngSync / decodePngAsync in the child below.
    const groups = [0, 1].map((g) => [0, 1, 2, 3].map((c) => join(dir, `g${g}_${c}.png`)));
    groups.flat().forEach((f, k) => writeFileSync(f, png(1, k)));
    const others = [2, 3, 4].map((bpp) => join(dir, `bpp${bpp}.png`));
    others.forEach((f, k) => writeFileSync(f, png(k + 2, 7 + k)));
    const ref = pillowFirstChannel([...groups.flat(), ...others]);
    for (const [g, files] of groups.entries()) {
      const rgby = await decodeChannelsRgby(files.map((f) => png(1, g * 4 + files.indexOf(f))), { files, width: W, height: H });
      assert.deepEqual(planeShas(rgby), ref.slice(g * 4, g * 4 + 4), `addon, group ${g}`);
    }
    const child = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { decodeChannelsRgby } from './src/data/image/decodeImage.ts';
import { decodePngAsync, decodePngSync } from './src/data/image/decodePngSync.ts';
const sha = (b) => createHash('sha256').update(b).digest('hex');
const [groups, others] = JSON.parse(process.argv[1]);
const out = [];
for (const files of groups) {
  const rgby = await decodeChannelsRgby(files.map((f) => readFileSync(f)), { files, width: ${W}, height: ${H} });
  for (let c = 0; c < 4; c++) { const p = new Uint8Array(${W * H}); for (let i = 0; i < p.length; i++) p[i] = rgby[i * 4 + c]; out.push(sha(p)); }
}
for (const f of others) { out.push(sha((await decodePngAsync(readFileSync(f), f)).data)); out.push(sha(decodePngSync(readFileSync(f), f).data)); }
console.log(JSON.stringify(out));`,
        JSON.stringify([groups, others]),
      ],
      { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, HPAIC_NATIVE_INGEST: '0' } },
    );
    assert.equal(child.status, 0, child.stderr);
    const js = JSON.parse(child.stdout.trim().split('\n').pop()!);
    assert.deepEqual(js.slice(0, 8), ref.slice(0, 8), 'JavaScript inflate + unfilter + interleave');
    assert.deepEqual(js.slice(8), others.flatMap((_, k) => [ref[8 + k], ref[8 + k]]), 'grey+alpha, RGB, RGBA: the first channel');
  } finally {
    cleanup();
  }
});

test('a corrupt zlib stream or an unknown row filter is a DataError naming that channel\'s file, in the addon too', { skip }, async () => {
  const files = ['r.png', 'g.png', 'b.png', 'y.png'];
  const good = png(1, 3);
  // The green file with filter byte 9 on row 0.
  const raw = new Uint8Array(H * (W + 1));
  raw[0] = 9;
  const z = deflateSync(raw);
  const ihdr = good.subarray(8, 8 + 25);
  const withBadFilter = Buffer.concat([good.subarray(0, 8), ihdr, chunk('IDAT', z), chunk('IEND', new Uint8Array(0))]);
  await assert.rejects(decodeChannelsRgby([good, withBadFilter, good, good], { files, width: W, height: H }), /g\.png: PNG row 0 has an unknown filter type 9/);
  const corrupt = Buffer.concat([good.subarray(0, 8), ihdr, chunk('IDAT', Buffer.from([0x78, 0x9c, 0xff, 0xff, 0x00])), chunk('IEND', new Uint8Array(0))]);
  await assert.rejects(decodeChannelsRgby([good, good, corrupt, good], { files, width: W, height: H }), /b\.png: PNG image data is corrupt/);
  const short = Buffer.concat([good.subarray(0, 8), ihdr, chunk('IDAT', deflateSync(new Uint8Array(10))), chunk('IEND', new Uint8Array(0))]);
  await assert.rejects(decodeChannelsRgby([good, good, good, short], { files, width: W, height: H }), new RegExp(`y\\.png: PNG image data inflates to 10 bytes, expected ${H * (W + 1)}`));
  const big = Buffer.concat([good.subarray(0, 8), ihdr, chunk('IDAT', deflateSync(new Uint8Array(H * (W + 1) + 100))), chunk('IEND', new Uint8Array(0))]);
  await assert.rejects(decodeChannelsRgby([big, good, good, good], { files, width: W, height: H }), /r\.png: PNG image data inflates to more than the/);
});
