/**
 * pHash against a Python implementation of imagehash.phash's definition (imagehash is not packaged): Pillow's
 * convert('L') + resize((32, 32), LANCZOS), then a plain-Python DCT-II (scipy.fftpack's unnormalised form, axis 0
 * then axis 1) without numpy or scipy, the top-left 8×8 (DC included), bits > their median. Then `hpaic dedupe`
 * on a small Kaggle and HPAv18 folder: a noisy copy matches, other images do not, and the filtered label file
 * drops exactly the matched HPAv18 Id.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import sharp from 'sharp';
import { hammingDistance, packHash, phash, phashHex } from '../../src/data/image/phash.js';
import { dedupeHpav18 } from '../../src/data/ingest/dedupeHpav18.js';
import { pythonSkip, runPython, tempDir } from '../helpers/env.js';

const PY = String.raw`
import sys, json, math
from PIL import Image
out = []
for case in json.loads(sys.stdin.read()):
    img = Image.frombytes('L', (case['w'], case['h']), bytes(case['data'])).convert('L').resize((32, 32), Image.LANCZOS)
    px = [[img.getpixel((x, y)) for x in range(32)] for y in range(32)]
    N = 32
    def dct(v):
        return [2 * sum(v[n] * math.cos(math.pi * k * (2 * n + 1) / (2 * N)) for n in range(N)) for k in range(N)]
    cols = [dct([px[y][x] for y in range(N)]) for x in range(N)]          # axis 0: cols[x][k]
    a0 = [[cols[x][k] for x in range(N)] for k in range(N)]                # a0[k][x]
    d = [dct(row) for row in a0]                                            # axis 1
    low = [d[k][l] for k in range(8) for l in range(8)]
    s = sorted(low)
    med = (s[31] + s[32]) / 2
    bits = ''.join('1' if v > med else '0' for v in low)
    out.append('%016x' % int(bits, 2))
print(json.dumps(out))
`;

function image(w: number, h: number, seed: number, smooth = true): Uint8Array {
  let s = seed;
  const r = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const blobs = Array.from({ length: 6 }, () => [r() * w, r() * h, 5 + r() * w * 0.3, r() * 255]);
  return Uint8Array.from({ length: w * h }, (_, i) => {
    const x = i % w;
    const y = Math.floor(i / w);
    if (!smooth) return Math.floor(r() * 256);
    let v = 10;
    for (const [bx, by, rad, a] of blobs) v += a * Math.exp(-((x - bx) ** 2 + (y - by) ** 2) / (rad * rad));
    return Math.min(255, Math.round(v));
  });
}

test("pHash equals a Python implementation of imagehash.phash's definition", { skip: pythonSkip('PIL') }, (t) => {
  const cases = [
    { w: 512, h: 512, data: image(512, 512, 1) },
    { w: 64, h: 64, data: image(64, 64, 2) },
    { w: 32, h: 32, data: image(32, 32, 3, false) },
    { w: 100, h: 77, data: image(100, 77, 4) },
    { w: 48, h: 48, data: image(48, 48, 5, false) },
  ];
  const ref = JSON.parse(runPython(PY, [], JSON.stringify(cases.map((c) => ({ ...c, data: Array.from(c.data) }))))) as string[];
  cases.forEach((c, i) => {
    const got = phashHex(phash(c.data, c.w, c.h));
    t.diagnostic(`${c.w}×${c.h}: ${got}`);
    assert.equal(got, ref[i], `${c.w}×${c.h}`);
  });
  assert.notEqual(ref[0], ref[1], 'different images give different hashes');
});

test('Hamming distance counts differing bits of packed hashes', () => {
  const a = new Uint8Array(64);
  const b = new Uint8Array(64);
  b[0] = b[31] = b[32] = b[63] = 1;
  assert.equal(hammingDistance(packHash(a), packHash(b)), 4);
  assert.equal(hammingDistance(packHash(b), packHash(b)), 0);
  assert.equal(hammingDistance(packHash(a), packHash(new Uint8Array(64).fill(1))), 64);
});

test('hpaic dedupe finds the HPAv18 copy of a Kaggle image (all of R, G, B within 12) and filters the label file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const kaggle = join(dir, 'kaggle');
    const hpa = join(dir, 'hpav18');
    mkdirSync(join(kaggle, 'train'), { recursive: true });
    mkdirSync(join(hpa, 'images'), { recursive: true });
    const write = async (folder: string, id: string, seed: number, noise: number): Promise<void> => {
      for (const [c, color] of ['red', 'green', 'blue', 'yellow'].entries()) {
        const px = image(128, 128, seed * 10 + c);
        let s = seed + 99;
        for (let i = 0; i < px.length; i++) px[i] = Math.max(0, Math.min(255, px[i] + Math.round((((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) - 0.5) * noise)));
        await sharp(Buffer.from(px), { raw: { width: 128, height: 128, channels: 1 } }).png().toFile(join(folder, `${id}_${color}.png`));
      }
    };
    await write(join(kaggle, 'train'), 'k1', 1, 0);
    await write(join(kaggle, 'train'), 'k2', 2, 0);
    await write(join(hpa, 'images'), 'h1', 3, 0);
    await write(join(hpa, 'images'), 'h2', 2, 6); // k2 with noise
    writeFileSync(join(kaggle, 'train.csv'), 'Id,Target\nk1,0\nk2,5 25\n');
    writeFileSync(join(hpa, 'HPAv18_train.csv'), 'Id,Target\nh1,1\nh2,5 25\n');
    const r = await dedupeHpav18({ kaggle, hpav18: hpa, quiet: true });
    assert.deepEqual(r.pairs.map((p) => [p.train, p.extra]), [['k2', 'h2']]);
    assert.ok(r.pairs[0].distances.every((d) => d <= 12));
    assert.equal(readFileSync(join(hpa, 'HPAv18_train_dedup.csv'), 'utf8'), 'Id,Target\nh1,1\n');
    assert.match(readFileSync(join(hpa, 'hpav18_duplicates.csv'), 'utf8'), /^Train,Extra,SimR,SimG,SimB\nk2,h2,\d+,\d+,\d+\n$/);
    assert.deepEqual([r.kept, r.removed], [1, 1]);
    // A threshold of 0 keeps the noisy copy apart.
    const strict = await dedupeHpav18({ kaggle, hpav18: hpa, out: join(dir, 'strict'), threshold: 0, quiet: true });
    assert.equal(strict.pairs.length, 0);
  } finally {
    cleanup();
  }
});
