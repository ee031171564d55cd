import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { meanLogits, meanThresholds, submissionFileName, writeSubmissions } from '../../src/predict/submissionFiles.js';
import { float32Repr, readProbabilityFile } from '../../src/run/probabilityFile.js';
import { sigmoid32 } from '../../src/predict/binarize.js';
import { pythonSkip, runPython, tempDir } from '../helpers/env.js';
import { rng } from '../helpers/thresholdCases.js';

const C = 28;
const KEYS = ['default', 'lb', 'single_best', 'class_best'];

function foldThresholds(seed: number) {
  const r = rng(seed);
  return [
    { key: 'default', threshold: 0.5 },
    { key: 'lb', threshold: 0.3 },
    { key: 'single_best', threshold: 0.2 + 0.6 * r() },
    { key: 'class_best', threshold: Array.from({ length: C }, () => 0.2 + 0.6 * r()) },
  ];
}

function randomLogits(n: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n * C }, () => (r() - 0.95) * 6);
}

const ids = Array.from({ length: 40 }, (_, i) => `id-${String(i).padStart(3, '0')}`);

test('writeSubmissions writes the seed file set: per fold and kind (+ fill25), then the fold ensemble, plus probabilities', () => {
  const { dir, cleanup } = tempDir();
  try {
    const foldLogits = [randomLogits(ids.length, 1), randomLogits(ids.length, 2), randomLogits(ids.length, 3)];
    const written = writeSubmissions({ ids, foldLogits, thresholds: [1, 2, 3].map(foldThresholds), outDir: dir });
    const names = written.map((p) => p.slice(dir.length + 1));
    const expected: string[] = [];
    for (const k of [1, 2, 3]) {
      for (const key of KEYS) expected.push(`fold_${k}_${key}.csv`, `fold_${k}_${key}_fill25.csv`);
      expected.push(`fold_${k}_probs.csv`);
    }
    for (const key of KEYS) expected.push(`ensemble_${key}.csv`, `ensemble_${key}_fill25.csv`);
    expected.push('ensemble_probs.csv');
    assert.deepEqual(names, expected);
    assert.deepEqual(readdirSync(dir).sort(), [...expected].sort());
    // Format: header, one row per id in order, ascending classes, empty field when nothing is predicted.
    const lines = readFileSync(join(dir, 'fold_1_default.csv'), 'utf8').split('\n');
    assert.equal(lines[0], 'Id,Predicted');
    assert.equal(lines.length, ids.length + 2);
    assert.equal(lines.at(-1), '');
    assert.ok(lines.slice(1, -1).some((l) => l.endsWith(',')), 'some rows are empty at 0.5');
    for (const [i, l] of lines.slice(1, -1).entries()) {
      const [id, pred] = l.split(',');
      assert.equal(id, ids[i]);
      const cls = pred === '' ? [] : pred.split(' ').map(Number);
      assert.deepEqual(cls, [...cls].sort((a, b) => a - b));
    }
    // The fill file differs only where the plain file is empty.
    const filled = readFileSync(join(dir, 'fold_1_default_fill25.csv'), 'utf8').split('\n');
    lines.forEach((l, i) => assert.equal(filled[i], l.endsWith(',') ? `${l}25` : l));
    // Probabilities read back exactly.
    const probs = readProbabilityFile(join(dir, 'fold_2_probs.csv'));
    assert.deepEqual(probs.ids, ids);
    assert.deepEqual(probs.probs, sigmoid32(foldLogits[1]));
  } finally {
    cleanup();
  }
});

test('--fill-empty none writes no fill files; another class changes the file name; one fold writes no ensemble', () => {
  const { dir, cleanup } = tempDir();
  try {
    const none = writeSubmissions({ ids, foldLogits: [randomLogits(ids.length, 1), randomLogits(ids.length, 2)], thresholds: [1, 2].map(foldThresholds), outDir: join(dir, 'a'), fillEmpty: null, probabilities: false });
    assert.equal(none.length, 4 * 2 + 4);
    assert.ok(none.every((p) => !p.includes('_fill')));
    const one = writeSubmissions({ ids, foldLogits: [randomLogits(ids.length, 1)], thresholds: [foldThresholds(1)], outDir: join(dir, 'b'), fillEmpty: 3 });
    assert.deepEqual(one.map((p) => p.slice(dir.length + 3)), [...KEYS.flatMap((k) => [`fold_1_${k}.csv`, `fold_1_${k}_fill3.csv`]), 'fold_1_probs.csv']);
    assert.equal(submissionFileName('ensemble', 'lb', 25), 'ensemble_lb_fill25.csv');
    assert.throws(() => writeSubmissions({ ids, foldLogits: [randomLogits(3, 1)], thresholds: [foldThresholds(1)], outDir: dir }), /fold 1 has 3 rows of logits but there are 40 test ids/);
    assert.throws(() => writeSubmissions({ ids, foldLogits: [randomLogits(ids.length, 1), randomLogits(ids.length, 1)], thresholds: [foldThresholds(1)], outDir: dir }), /2 fold models but thresholds for only 1 folds/);
  } finally {
    cleanup();
  }
});

test('meanLogits and meanThresholds follow the seed (float32 logit mean; element-wise threshold mean)', () => {
  const a = Float32Array.from({ length: C }, (_, i) => i * 0.1);
  const b = Float32Array.from({ length: C }, (_, i) => -i * 0.3);
  const m = meanLogits([a, b]);
  assert.equal(m[5], Math.fround(Math.fround(a[5] + b[5]) / 2));
  assert.equal(meanThresholds([0.3, 0.4]), (0.3 + 0.4) / 2);
  assert.deepEqual(meanThresholds([new Array(C).fill(0.2), 0.4]), new Array(C).fill((0.2 + 0.4) / 2));
  assert.equal(float32Repr(Math.fround(0.1)), '0.1');
  assert.equal(float32Repr(Math.fround(1e-30)), '1e-30');
  assert.equal(float32Repr(1), '1');
});

test('fold-ensemble CSVs match a numpy reference of make_submission (mean logits, mean thresholds, sigmoid > t)', { skip: pythonSkip('numpy') }, () => {
  const { dir, cleanup } = tempDir();
  try {
    const foldLogits = [randomLogits(ids.length, 4), randomLogits(ids.length, 5)];
    const th = [foldThresholds(4), foldThresholds(5)];
    writeSubmissions({ ids, foldLogits, thresholds: th, outDir: dir });
    foldLogits.forEach((l, i) => writeFileSync(join(dir, `l${i}.bin`), l));
    const py = String.raw`
import sys, json
import numpy as np
d, ids, th = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
logits = [np.fromfile(d + "/l%d.bin" % i, dtype=np.float32).reshape(-1, 28) for i in range(2)]
mean = np.mean(np.stack(logits), axis=0)
out = {}
for j, key in enumerate(["default", "lb", "single_best", "class_best"]):
    t = np.mean([th[0][j]["threshold"], th[1][j]["threshold"]], axis=0)
    pred = (1 / (1 + np.exp(-mean.astype(np.float64)))).astype(np.float32) > np.asarray(t, dtype=np.float32)
    rows = ["Id,Predicted"] + ["%s,%s" % (i, " ".join(str(c) for c in np.arange(28)[p])) for i, p in zip(ids, pred)]
    out[key] = "\n".join(rows) + "\n"
# The probability file is readable by numpy and holds the float32 probabilities exactly.
probs = np.loadtxt(d + "/fold_1_probs.csv", delimiter=",", skiprows=1, usecols=range(1, 29)).astype(np.float32)
expect = (1 / (1 + np.exp(-logits[0].astype(np.float64)))).astype(np.float32)
out["probsExact"] = bool(np.array_equal(probs, expect))
print(json.dumps(out))
`;
    const ref = JSON.parse(runPython(py, [dir, JSON.stringify(ids), JSON.stringify(th)]));
    for (const key of KEYS) assert.equal(readFileSync(join(dir, `ensemble_${key}.csv`), 'utf8'), ref[key], key);
    assert.equal(ref.probsExact, true);
  } finally {
    cleanup();
  }
});

test('an engine-provided sigmoid is used for every prediction and probability file', () => {
  const { dir, cleanup } = tempDir();
  try {
    const all = Array.from({ length: C }, (_, c) => c).join(' ');
    writeSubmissions({ ids, foldLogits: [randomLogits(ids.length, 1)], thresholds: [foldThresholds(1)], outDir: dir, sigmoid: (l) => new Float32Array(l.length).fill(0.99) });
    assert.equal(readFileSync(join(dir, 'fold_1_class_best.csv'), 'utf8').split('\n')[1], `${ids[0]},${all}`);
    assert.equal(readProbabilityFile(join(dir, 'fold_1_probs.csv')).probs[0], Math.fround(0.99));
  } finally {
    cleanup();
  }
});
