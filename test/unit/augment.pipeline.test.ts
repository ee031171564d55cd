import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type HwcImage } from '../../src/data/image/hwcImage.js';
import { applyOps, drawTrainOps, trainAugmentation, applyOp, type AugOp } from '../../src/data/image/augOps.js';
import { hflip, transpose, vflip } from '../../src/data/image/dihedral.js';
import { rotate } from '../../src/data/image/rotate.js';
import { toFloatCHW } from '../../src/data/image/toFloat.js';
import { hashSeed, mulberry32, seededRandom } from '../../src/data/tables/seededRandom.js';
import { pythonSkip, runPython } from '../helpers/env.js';

const img = (h: number, w: number, c: number): HwcImage => ({ data: Uint8Array.from({ length: h * w * c }, (_, i) => (i * 61 + 7) % 256), height: h, width: w, channels: c });

// mulberry32 as its author defines it (bryc, "PRNGs in JavaScript"), in Python's unbounded integers masked to 32 bits:
// an independent implementation of the reference algorithm, not of ours.
const MULBERRY32_PY = `
import sys, json
def imul(a, b): return (a * b) & 0xffffffff
def mulberry32(seed, n):
    a = seed & 0xffffffff; out = []
    for _ in range(n):
        a = (a + 0x6D2B79F5) & 0xffffffff
        t = imul(a ^ (a >> 15), a | 1)
        t = (t ^ ((t + imul(t ^ (t >> 7), t | 61)) & 0xffffffff)) & 0xffffffff
        out.append(((t ^ (t >> 14)) & 0xffffffff) / 4294967296)
    return out
print(json.dumps({s: mulberry32(s, 8) for s in (0, 1, 9, 2**32 - 1)}))
`;

test('mulberry32 equals the reference algorithm; hashSeed spreads its inputs', { skip: pythonSkip('json') }, () => {
  const ref = JSON.parse(runPython(MULBERRY32_PY)) as Record<string, number[]>;
  for (const [seed, values] of Object.entries(ref)) {
    const r = mulberry32(Number(seed));
    assert.deepEqual(Array.from({ length: values.length }, () => r()), values, `seed ${seed}`);
  }
  const r = mulberry32(1);
  const xs = Array.from({ length: 20000 }, () => r());
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.01 && xs.every((x) => x >= 0 && x < 1));
  assert.notEqual(hashSeed(1, 0, 0), hashSeed(1, 0, 1));
  assert.notEqual(hashSeed(0, 1), hashSeed(1, 0));
});

test('fused flip/transpose runs equal one-by-one application (all 3-op sequences)', () => {
  const a = img(5, 7, 3);
  const kinds = ['hflip', 'vflip', 'transpose'] as const;
  for (const x of kinds) for (const y of kinds) for (const z of kinds) {
    const ops: AugOp[] = [{ kind: x }, { kind: y }, { kind: z }];
    const seq = ops.reduce((im, op) => applyOp(im, op), a);
    assert.deepEqual(applyOps(a, ops), seq, ops.map((o) => o.kind).join(','));
  }
  assert.deepEqual(transpose(transpose(a)).data, a.data);
  assert.deepEqual(hflip(hflip(a)).data, a.data);
  assert.deepEqual(vflip(vflip(a)).data, a.data);
});

test('trainAugmentation: deterministic per RNG state; probabilities and ranges as the seed', () => {
  const a = img(16, 16, 3);
  assert.deepEqual(trainAugmentation(a, { height: 16, width: 16 }, seededRandom(3, 0, 5)), trainAugmentation(a, { height: 16, width: 16 }, seededRandom(3, 0, 5)));
  const counts: Record<string, number> = {};
  const n = 4000;
  const rng = seededRandom(42);
  for (let i = 0; i < n; i++) {
    const ops = drawTrainOps(rng);
    for (const op of ops) {
      counts[op.kind] = (counts[op.kind] ?? 0) + 1;
      if (op.kind === 'rotate') assert.ok(op.degrees >= -20 && op.degrees < 20);
      if ('factor' in op) assert.ok(op.factor >= 0.75 && op.factor < 1.25);
    }
  }
  for (const k of ['hflip', 'vflip', 'transpose', 'rotate', 'brightness', 'contrast', 'saturation']) {
    assert.ok(Math.abs(counts[k] / n - 0.5) < 0.04, `${k}: ${counts[k] / n}`);
  }
  assert.equal(trainAugmentation(img(40, 30, 3), { height: 20, width: 24 }, rng).height, 20);
});

test('rotate 0 is the identity, rotate 360k likewise; toFloatCHW is /255 planar', () => {
  const a = img(6, 4, 2);
  assert.deepEqual(rotate(a, 0).data, a.data);
  assert.deepEqual(rotate(a, -360).data, a.data);
  const f = toFloatCHW(a);
  assert.equal(f.length, 48);
  assert.equal(f[0], Math.fround(a.data[0] / 255));
  assert.equal(f[24 + 1], Math.fround(a.data[3] / 255));
  const out = new Float32Array(100);
  toFloatCHW(a, out, 10);
  assert.equal(out[10 + 24 + 23], Math.fround(a.data[47] / 255));
});

test('augmentToFloatCHW (fused loader path) = toFloatCHW(applyOps(pick channels)) for random op lists', async () => {
  const { augmentToFloatCHW } = await import('../../src/data/image/toFloat.js');
  const { buildTtaList } = await import('../../src/data/image/tta.js');
  const rng = seededRandom(77);
  const kinds = ['hflip', 'vflip', 'transpose', 'rotate', 'brightness', 'contrast', 'saturation', 'hue'] as const;
  const lists: AugOp[][] = [...buildTtaList({ brightness: 0.1, contrast: 0.2, hue: 0.1, saturation: 0.2, degrees: 15 }, 3).map((p) => [...p.ops])];
  for (let k = 0; k < 150; k++) lists.push(drawTrainOps(rng));
  for (let k = 0; k < 150; k++) {
    lists.push(
      Array.from({ length: 1 + Math.floor(rng() * 6) }, () => {
        const kind = kinds[Math.floor(rng() * kinds.length)];
        if (kind === 'rotate') return { kind, degrees: [90, 180, 270, -90, 0, 360][Math.floor(rng() * 8)] ?? rng() * 80 - 40 };
        if (kind === 'hue') return { kind, factor: rng() - 0.5 };
        if (kind === 'brightness' || kind === 'contrast' || kind === 'saturation') return { kind, factor: 0.5 + rng() };
        return { kind };
      }),
    );
  }
  const sources = [img(17, 23, 4), img(16, 16, 4), img(12, 9, 3)];
  const maps = [[0, 1, 2], [2, 0, 1], [3], [1, 3], [0, 1, 2, 3]];
  let n = 0;
  for (const ops of lists) {
    for (const src of sources) {
      const map = src.channels === 4 ? maps[n % maps.length] : [0, 1, 2];
      n++;
      const picked: HwcImage = { data: new Uint8Array(src.height * src.width * map.length), height: src.height, width: src.width, channels: map.length };
      for (let p = 0; p < src.height * src.width; p++) map.forEach((c, j) => (picked.data[p * map.length + j] = src.data[p * src.channels + c]));
      const ref = toFloatCHW(applyOps(picked, ops));
      const out = new Float32Array(ref.length + 5);
      augmentToFloatCHW(src, ops, out, 5, map);
      assert.deepEqual(out.subarray(5), ref, `${JSON.stringify(ops)} on ${src.height}×${src.width} map ${map}`);
    }
  }
});
