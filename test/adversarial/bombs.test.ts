/**
 * Issue 19 items 4 and 5: crafted binary files end in an HpaicError naming the file and the offset or entry,
 * quickly and without allocating what they claim — never an endless loop, a fatal V8 error or gigabytes of RSS.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDeflateRaw, crc32 } from 'node:zlib';
import { REPO_ROOT, tempDir } from '../helpers/env.js';
import { buildZip } from '../helpers/zipBuilder.js';
import { hpaicErrorOf } from './helpers.js';
import { readTorchFile } from '../../src/io/weights/torchZip.js';
import { convertKaggle } from '../../src/data/ingest/convertKaggle.js';
import { PngFolderStore } from '../../src/data/store/PngFolderStore.js';
import { Hdf5Store, Hdf5Writer } from '../../src/data/store/Hdf5Store.js';
import { MAX_CHANNEL_PNG_BYTES } from '../../src/data/store/channelSource.js';

const bin = join(REPO_ROOT, 'bin', 'hpaic.js');
const BOMB = 256 * 2 ** 20; // what each bomb inflates to

/** A raw deflate stream of `n` zero bytes, made in 1 MiB pieces (≈ n/1000 bytes). */
async function zeroStream(n: number): Promise<Buffer> {
  const z = createDeflateRaw({ level: 9 });
  const parts: Buffer[] = [];
  z.on('data', (b: Buffer) => parts.push(b));
  const done = new Promise((r) => z.on('end', r));
  const mib = Buffer.alloc(2 ** 20);
  for (let i = 0; i < n / 2 ** 20; i++) if (!z.write(mib)) await new Promise((r) => z.once('drain', r));
  z.end();
  await done;
  return Buffer.concat(parts);
}

/** Peak RSS growth (MiB) while `fn` runs. */
async function peakGrowth(fn: () => Promise<unknown>): Promise<{ mib: number; result: unknown }> {
  const before = process.resourceUsage().maxRSS;
  const result = await fn();
  return { mib: (process.resourceUsage().maxRSS - before) / 1024, result };
}

function pickleOps(...parts: (number[] | string)[]): Buffer {
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
}
const u32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
const unicode = (s: string): number[] => [0x58, ...u32(s.length), ...Buffer.from(s)];

test('item 4: a torch zip whose data.pkl holds a BINSTRING of length −5 is a CheckpointError naming the file and byte, at once', async () => {
  const t = tempDir();
  try {
    const path = join(t.dir, 'evil.pth');
    const pkl = pickleOps([0x80, 2, 0x54, ...u32(-5 >>> 0), 0x2e]);
    writeFileSync(path, buildZip([{ name: 'archive/data.pkl', data: pkl }, { name: 'archive/version', data: Buffer.from('3\n') }]));
    const t0 = Date.now();
    const e = await hpaicErrorOf(() => readTorchFile(path));
    assert.equal(e.name, 'CheckpointError');
    assert.match(e.message, /evil\.pth \(archive\/data\.pkl\): a length of -5 bytes at byte 7 is impossible/);
    assert.ok(Date.now() - t0 < 2000);
    const r = spawnSync(process.execPath, [bin, 'weights', 'import', '--arch', 'resnet18', '--in', path, '--out', join(t.dir, 'o.pth')], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /evil\.pth \(archive\/data\.pkl\): a length of -5 bytes/);
  } finally {
    t.cleanup();
  }
});

test('item 5: decompression bombs in .pth, train.zip and PNG files are refused before inflating what they claim', async () => {
  const t = tempDir();
  try {
    const stream = await zeroStream(BOMB);
    assert.ok(stream.length < 2 ** 20, `the bomb is ${stream.length} bytes`);
    const zeros = { name: '', data: new Uint8Array(0), method: 8 as const, raw: stream };

    // .pth: a deflated data.pkl claiming 256 MiB, more than the file (torch.save stores records uncompressed).
    const pth = join(t.dir, 'bomb.pth');
    writeFileSync(pth, buildZip([{ ...zeros, name: 'archive/data.pkl', declaredSize: BOMB }]));
    // train.zip: a channel PNG claiming 256 MiB (honest sizes: the ratio check passes, the entry bound refuses) …
    const src1 = join(t.dir, 'src1');
    mkdirSync(src1);
    writeFileSync(join(src1, 'train.csv'), 'Id,Target\nabc,0\n');
    const id = (c: string) => `abc_${c}.png`;
    writeFileSync(join(src1, 'train.zip'), buildZip(['red', 'green', 'blue', 'yellow'].map((c) => ({ ...zeros, name: id(c), declaredSize: BOMB }))));
    // … and one that lies small (100 bytes declared): inflation stops at 100.
    const src2 = join(t.dir, 'src2');
    mkdirSync(src2);
    writeFileSync(join(src2, 'train.csv'), 'Id,Target\nabc,0\n');
    writeFileSync(join(src2, 'train.zip'), buildZip(['red', 'green', 'blue', 'yellow'].map((c) => ({ ...zeros, name: id(c), declaredSize: 100 }))));
    // A PNG whose header claims 100000² pixels over a tiny IDAT.
    const png = join(t.dir, 'png');
    mkdirSync(png);
    const chunk = (type: string, data: Buffer): Buffer => {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(data.length);
      const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
      const crc = Buffer.alloc(4);
      crc.writeUInt32BE(crc32(td) >>> 0);
      return Buffer.concat([len, td, crc]);
    };
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(100_000, 0);
    ihdr.writeUInt32BE(100_000, 4);
    ihdr[8] = 8;
    const bigPng = Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', Buffer.from([0x78, 0x01, 0x03, 0x00])), chunk('IEND', Buffer.alloc(0))]);
    for (const c of ['red', 'green', 'blue', 'yellow']) writeFileSync(join(png, `abc_${c}.png`), bigPng);

    const cases: [string, () => unknown, RegExp][] = [
      ['.pth bomb', () => readTorchFile(pth), new RegExp(`bomb\\.pth:archive/data\\.pkl: declares ${BOMB} bytes, more than the \\d+ accepted`)],
      ['train.zip bomb (honest sizes)', () => convertKaggle({ src: src1, dest: join(t.dir, 'd1'), splits: ['train'], quiet: true }), new RegExp(`train\\.zip:abc_red\\.png: declares ${BOMB} bytes, more than the ${MAX_CHANNEL_PNG_BYTES} accepted`)],
      ['train.zip bomb (lying sizes)', () => convertKaggle({ src: src2, dest: join(t.dir, 'd2'), splits: ['train'], quiet: true }), /train\.zip:abc_red\.png: inflates to more than the 100 bytes the zip directory declares/],
      ['PNG pixel bomb (store size from the file)', () => new PngFolderStore(png, ['abc']).read(0), /images of 100000×100000 pixels are outside what hpaic reads/],
      ['PNG pixel bomb (decoder)', () => new PngFolderStore(png, ['abc'], 16, 16).read(0), /abc_red\.png: the PNG declares 100000×100000 pixels/],
    ];
    for (const [what, call, message] of cases) {
      const { mib, result } = await peakGrowth(() => hpaicErrorOf(call));
      assert.match((result as Error).message, message, what);
      assert.ok(mib < 100, `${what}: peak RSS grew by ${mib.toFixed(0)} MiB`);
    }
  } finally {
    t.cleanup();
  }
});

test('a pickle that broadcasts a 4-byte storage to a 1 GiB tensor is refused instead of allocated', async () => {
  const t = tempDir();
  try {
    const g = (m: string, n: string) => `c${m}\n${n}\n`;
    const pkl = pickleOps(
      [0x80, 2], g('torch._utils', '_rebuild_tensor_v2'), [0x28, 0x28], unicode('storage'), g('torch', 'FloatStorage'), unicode('0'), unicode('cpu'), [0x4b, 1, 0x74, 0x51],
      [0x4b, 0], [0x4a, ...u32(2 ** 28), 0x85], [0x4b, 0, 0x85], [0x89], g('collections', 'OrderedDict'), [0x29, 0x52, 0x74, 0x52, 0x2e],
    );
    const path = join(t.dir, 'broadcast.pth');
    writeFileSync(path, buildZip([{ name: 'archive/data.pkl', data: pkl }, { name: 'archive/data/0', data: new Uint8Array(4) }]));
    const { mib, result } = await peakGrowth(() => hpaicErrorOf(() => readTorchFile(path)));
    assert.match((result as Error).message, /broadcast\.pth \(archive\/data\.pkl\): the tensors rebuilt from storage '0' .* would copy 1073741824 bytes out of 4 stored bytes/);
    assert.ok(mib < 100, `peak RSS grew by ${mib.toFixed(0)} MiB`);
  } finally {
    t.cleanup();
  }
});

test('an HDF5 store declaring 20000² images is refused from its header, before a row is read', async () => {
  const t = tempDir();
  try {
    const path = join(t.dir, 'huge.hdf5');
    const w = await Hdf5Writer.create(path, { height: 20_000, width: 20_000, nameLength: 8, compression: 'none' });
    w.close();
    const e = await hpaicErrorOf(() => Hdf5Store.open(path));
    assert.match(e.message, /huge\.hdf5: dataset "images" declares 20000×20000 images; hpaic reads sides of 1 to 16384 pixels/);
  } finally {
    t.cleanup();
  }
});
