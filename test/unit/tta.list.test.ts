import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyTta, buildTtaList, takeTta, ttaWeights } from '../../src/data/image/tta.js';
import { type HwcImage } from '../../src/data/image/hwcImage.js';
import { ConfigError, UsageError } from '../../src/errors.js';
import { pythonSkip, runPython } from '../helpers/env.js';

test('default TTA list: the 15 pipelines in the seed-spec §10.2 order', () => {
  const list = buildTtaList({}, 7);
  const letters = list.map((p) => p.name.replace(/\([^)]*\)/g, ''));
  assert.deepEqual(letters, ['H', 'V', 'T', 'B', 'H+V', 'H+T', 'H+B', 'V+T', 'V+B', 'T+B', 'H+V+T', 'H+V+B', 'H+T+B', 'V+T+B', 'H+V+T+B']);
  for (const p of list) {
    for (const op of p.ops) if (op.kind === 'brightness') assert.ok(Math.abs(op.factor - 0.9) < 1e-12 || Math.abs(op.factor - 1.1) < 1e-12);
  }
  assert.deepEqual(list[14].ops.map((o) => o.kind), ['hflip', 'vflip', 'transpose', 'brightness']);
});

test('pair sides are drawn once per pipeline, seeded: same seed → same list, different seeds differ', () => {
  const a = buildTtaList({ brightness: 0.1, contrast: 0.2, saturation: 0.3, degrees: 10 }, 1);
  const b = buildTtaList({ brightness: 0.1, contrast: 0.2, saturation: 0.3, degrees: 10 }, 1);
  assert.deepEqual(a, b);
  assert.equal(a.length, 2 ** 7 - 1);
  const sides = (l: typeof a) => l.map((p) => p.name).join(',');
  const others = [2, 3, 4].map((s) => sides(buildTtaList({ brightness: 0.1, contrast: 0.2, saturation: 0.3, degrees: 10 }, s)));
  assert.ok(others.some((o) => o !== sides(a)));
  // both sides occur across the 64 B-containing pipelines
  const bf = a.flatMap((p) => p.ops.filter((o) => o.kind === 'brightness').map((o) => ('factor' in o ? o.factor : 0)));
  assert.equal(bf.length, 64);
  assert.ok(bf.some((f) => f < 1) && bf.some((f) => f > 1));
  // optional pairs come in the order B, C, S, R; singles then pairs
  assert.deepEqual(a.slice(0, 7).map((p) => p.name[0]), ['H', 'V', 'T', 'B', 'C', 'S', 'R']);
  const rot = a[6].ops[0];
  assert.ok(rot.kind === 'rotate' && Math.abs(rot.degrees) === 10);
});

test('brightness 0 drops B; hue (the seed crashed on it) is a ± shift within 0.5', () => {
  assert.deepEqual(buildTtaList({ brightness: 0 }).map((p) => p.name), ['H', 'V', 'T', 'H+V', 'H+T', 'V+T', 'H+V+T']);
  const withHue = buildTtaList({ hue: 0.05, saturation: 0.1 }, 2);
  assert.equal(withHue.length, 63);
  assert.deepEqual(withHue.slice(0, 6).map((p) => p.name.replace(/\([^)]*\)/g, '')), ['H', 'V', 'T', 'B', 'Hue', 'S']);
  const hue = withHue[4].ops[0];
  assert.ok(hue.kind === 'hue' && Math.abs(hue.factor) === 0.05);
  assert.throws(() => buildTtaList({ hue: 0.6 }), (e: unknown) => e instanceof ConfigError && /--hue must be within \[0, 0.5\]/.test(e.message));
  assert.throws(() => buildTtaList({ contrast: -1 }), ConfigError);
});

test('weights: [1 − w, w/n × n], --num-aug selection and its error', () => {
  const w = ttaWeights(15, 0.6);
  assert.equal(w.length, 16);
  assert.ok(Math.abs(w[0] - 0.4) < 1e-15);
  for (let i = 1; i < 16; i++) assert.ok(Math.abs(w[i] - 0.04) < 1e-15);
  assert.ok(Math.abs(w.reduce((s, x) => s + x, 0) - 1) < 1e-12);
  assert.deepEqual([...ttaWeights(4, 0.5)], [0.5, 0.125, 0.125, 0.125, 0.125]);
  const list = buildTtaList();
  assert.equal(takeTta(list, 4).length, 4);
  assert.equal(takeTta(list).length, 15);
  assert.throws(() => takeTta(list, 16), (e: unknown) => e instanceof UsageError && /from 1 to 15.*received 16/.test(e.message));
  assert.throws(() => ttaWeights(3, 1.5), UsageError);
});

// numpy's flips and axis swap on an H×W×C array are the reference for the seed's PIL FLIP_LEFT_RIGHT,
// FLIP_TOP_BOTTOM and TRANSPOSE (seed-spec §10.2), applied in the pipeline's order H, V, T.
test('applyTta of H+V+T equals numpy fliplr → flipud → swapaxes on the same image', { skip: pythonSkip('numpy') }, () => {
  const img: HwcImage = { data: Uint8Array.from({ length: 4 * 3 * 3 }, (_, i) => (i * 37) % 256), height: 4, width: 3, channels: 3 };
  const p = buildTtaList()[10];
  assert.equal(p.name, 'H+V+T');
  const ref = JSON.parse(
    runPython(
      'import sys, json, numpy as np\n' +
        'a = np.array(json.loads(sys.stdin.read()), dtype=np.uint8).reshape(4, 3, 3)\n' +
        'b = np.swapaxes(np.flipud(np.fliplr(a)), 0, 1)\n' +
        'print(json.dumps({"shape": list(b.shape), "data": np.ascontiguousarray(b).ravel().tolist()}))',
      [],
      JSON.stringify(Array.from(img.data)),
    ),
  ) as { shape: number[]; data: number[] };
  const out = applyTta(img, p.ops);
  assert.deepEqual([out.height, out.width, out.channels], ref.shape);
  assert.deepEqual(Array.from(out.data), ref.data);
});
