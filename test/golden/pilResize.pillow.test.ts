/**
 * Pillow's `Image.resize(size, Image.LANCZOS)` (and `.convert('L')` after it, the HPAv18 downloader's step) against
 * hpaic's two implementations: JavaScript (pilResizeLanczos, used by `convert --resize`) and the ingest addon's
 * (pilResizeLanczosNative, used by `download-hpav18`), bit for bit, shrinking, enlarging and mixed, 1 and 3 bands.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pilResizeLanczos, pilRgbToL } from '../../src/data/image/pilResize.js';
import { pilResizeLanczosNative } from '../../src/data/image/pilResizeNative.js';
import { loadIngestAddon } from '../../src/native/loadIngestAddon.js';
import { pythonSkip, referenceMissing, runPython, tempDir } from '../helpers/env.js';

const skip = pythonSkip('PIL', 'numpy') || (loadIngestAddon().addon ? false : referenceMissing(`the ingest addon is absent: ${loadIngestAddon().why}`));
const CASES: [number, number, number, number, number][] = [
  // inW, inH, channels, outW, outH
  [301, 257, 3, 64, 64],
  [97, 61, 1, 40, 33],
  [20, 17, 3, 47, 29],
  [64, 48, 1, 64, 21],
  [50, 70, 3, 23, 70],
];
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function image(w: number, h: number, c: number, seed: number): Uint8Array {
  let s = seed;
  // Smooth structure plus noise, so both the lobes and the clipping matter.
  return Uint8Array.from({ length: w * h * c }, (_, i) => {
    s = (s * 1103515245 + 12345) >>> 0;
    const x = (i / c) % w;
    const y = Math.floor(i / c / w);
    return Math.max(0, Math.min(255, Math.round(128 + 100 * Math.sin(x / 5 + (i % c)) * Math.cos(y / 7)) + ((s >>> 24) % 41) - 20));
  });
}

test('Lanczos resizes (and the luma after them) equal Pillow bit for bit, in JavaScript and in the addon', { skip }, async () => {
  const { dir, cleanup } = tempDir();
  try {
    const files = CASES.map(([w, h, c], k) => {
      const f = join(dir, `${k}.raw`);
      writeFileSync(f, image(w, h, c, k + 1));
      return f;
    });
    const ref = JSON.parse(
      runPython(
        `import sys, json, hashlib, numpy as np
from PIL import Image
cases = json.loads(sys.argv[1]); out = []
for (w, h, c, ow, oh), f in zip(cases, sys.argv[2:]):
    a = np.frombuffer(open(f, 'rb').read(), np.uint8).reshape((h, w, c) if c > 1 else (h, w))
    r = Image.fromarray(a, 'RGB' if c == 3 else 'L').resize((ow, oh), Image.LANCZOS)
    out.append([hashlib.sha256(np.array(r).tobytes()).hexdigest(), hashlib.sha256(np.array(r.convert('L')).tobytes()).hexdigest() if c == 3 else None])
print(json.dumps(out))`,
        [JSON.stringify(CASES), ...files],
      ),
    );
    for (const [k, [w, h, c, ow, oh]] of CASES.entries()) {
      const src = image(w, h, c, k + 1);
      const js = pilResizeLanczos(src, w, h, c, ow, oh);
      assert.equal(sha(js), ref[k][0], `JavaScript, case ${k}`);
      assert.equal(sha((await pilResizeLanczosNative(src, w, h, c, ow, oh, false))!), ref[k][0], `addon, case ${k}`);
      if (c === 3) {
        assert.equal(sha(pilRgbToL(js)), ref[k][1], `JavaScript luma, case ${k}`);
        assert.equal(sha((await pilResizeLanczosNative(src, w, h, c, ow, oh, true))!), ref[k][1], `addon luma, case ${k}`);
      }
    }
  } finally {
    cleanup();
  }
});
