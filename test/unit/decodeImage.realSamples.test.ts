import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { decodeAnyDepth, decodeChannelsRgby, decodeGrey } from '../../src/data/image/decodeImage.js';
import { decodePngSync } from '../../src/data/image/decodePngSync.js';
import { DataError } from '../../src/errors.js';
import { sharedData } from '../helpers/env.js';

const samples = sharedData('real-samples');

interface Stat {
  file: string;
  width: number;
  height: number;
  bitDepth: number;
  sha: string;
  pixSum: number;
}

function stats(): Stat[] {
  const lines = readFileSync(join(samples.path, 'pixel_stats.csv'), 'utf8').trim().split('\n');
  const head = lines[0].split(',');
  const col = (n: string) => head.indexOf(n);
  return lines.slice(1).map((l) => {
    const f = l.split(',');
    return { file: f[col('file')], width: +f[col('width')], height: +f[col('height')], bitDepth: +f[col('bit_depth')], sha: f[col('raw_pixels_sha256')], pixSum: +f[col('pix_sum')] };
  });
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

test('sharp decode of the real 8-bit Kaggle PNGs matches Pillow (pixel_stats.csv SHA-256)', { skip: samples.skip }, async () => {
  const eight = stats().filter((s) => s.bitDepth === 8);
  assert.equal(eight.length, 20);
  for (const s of eight) {
    const g = await decodeGrey(join(samples.path, s.file), { file: s.file, width: 512, height: 512 });
    assert.equal(sha(g.data), s.sha, s.file);
    assert.equal(g.data.reduce((a, v) => a + v, 0), s.pixSum, s.file);
  }
});

test('the synchronous PNG decoder (PNG-folder store) matches Pillow too', { skip: samples.skip }, () => {
  for (const s of stats().filter((x) => x.bitDepth === 8)) {
    const g = decodePngSync(readFileSync(join(samples.path, s.file)), s.file);
    assert.equal(sha(g.data), s.sha, s.file);
  }
});

test('16-bit, wrong-size, colour and corrupt images are DataErrors naming the file', { skip: samples.skip }, async () => {
  const sixteen = stats().find((s) => s.bitDepth === 16)!;
  const p16 = join(samples.path, sixteen.file);
  await assert.rejects(decodeGrey(p16, { file: p16 }), (e: unknown) => e instanceof DataError && e.message.includes(p16) && /expected an 8-bit image but found 16-bit/.test(e.message));
  assert.throws(() => decodePngSync(readFileSync(p16), p16), /1000_A12_2_green\.png: expected an 8-bit image but found 16-bit/);
  const red = stats().find((s) => s.bitDepth === 8)!;
  const pr = join(samples.path, red.file);
  await assert.rejects(decodeGrey(pr, { file: 'x.png', width: 256, height: 256 }), /x\.png: expected 256×256 pixels but the image is 512×512/);
  const bytes = readFileSync(pr);
  const cut = bytes.subarray(0, bytes.length >> 1);
  await assert.rejects(decodeGrey(cut, { file: 'cut.png' }), (e: unknown) => e instanceof DataError && /^cut\.png: /.test(e.message));
  assert.throws(() => decodePngSync(cut, 'cut.png'), /cut\.png: PNG/);
  await assert.rejects(decodeGrey(new TextEncoder().encode('not an image'), { file: 'txt.png' }), /txt\.png: not a decodable image/);
  const rgb = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 1, g: 2, b: 3 } } }).png().toBuffer();
  await assert.rejects(decodeGrey(rgb, { file: 'rgb.png' }), /rgb\.png: expected a single-channel \(grey\) image but found 3 channels/);
  const first = await decodeGrey(rgb, { file: 'rgb.png', strictGrey: false });
  assert.ok(first.data.every((v) => v === 1));
});

test('four real channel PNGs decode and interleave to RGBY with each plane equal to Pillow', { skip: samples.skip }, async () => {
  const four = stats().filter((s) => s.bitDepth === 8).slice(0, 4);
  const files = four.map((s) => join(samples.path, s.file));
  const rgby = await decodeChannelsRgby(files.map((f) => readFileSync(f)), { files, width: 512, height: 512 });
  assert.equal(rgby.length, 512 * 512 * 4);
  four.forEach((s, c) => {
    const plane = new Uint8Array(512 * 512);
    for (let p = 0; p < plane.length; p++) plane[p] = rgby[p * 4 + c];
    assert.equal(sha(plane), s.sha, s.file);
  });
  const bad = [...files.slice(0, 3), join(samples.path, stats().find((s) => s.bitDepth === 16)!.file)];
  await assert.rejects(decodeChannelsRgby(bad.map((f) => readFileSync(f)), { files: bad, width: 512, height: 512 }), (e: unknown) => e instanceof DataError && e.message.startsWith(bad[3]));
});

test('decodeAnyDepth (hpaic predict) keeps every real file\'s values, 16-bit included (pixel_stats.csv SHA-256)', { skip: samples.skip }, async () => {
  for (const s of stats()) {
    const img = await decodeAnyDepth(readFileSync(join(samples.path, s.file)), s.file);
    assert.deepEqual([img.width, img.height, img.channels, img.bits], [s.width, s.height, 1, s.bitDepth], s.file);
    // Pillow's bytes: 1 per 8-bit pixel, 2 big-endian per 16-bit pixel.
    const bytes = s.bitDepth === 8 ? (img.data as Uint8Array) : Buffer.from(Uint16Array.from(img.data as Uint16Array, (v) => ((v & 0xff) << 8) | (v >> 8)).buffer);
    assert.equal(sha(bytes), s.sha, s.file);
  }
});
