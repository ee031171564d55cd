import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensembleCsv, hardVote } from '../../src/predict/ensembleCsv.js';
import { writeProbabilityFile } from '../../src/run/probabilityFile.js';
import { REPO_ROOT, pythonSkip, runPython, sharedData, tempDir } from '../helpers/env.js';

const bin = join(REPO_ROOT, 'bin', 'hpaic.js');
const hpaic = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
const csv = (rows: Array<[string, string]>) => ['Id,Predicted', ...rows.map(([i, p]) => `${i},${p}`)].join('\n') + '\n';

test('strict majority of three hand-made submissions; ensemble* files are not voters; fill file uses the value', () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'a.csv'), csv([['x', '0 5'], ['y', '1'], ['z', '']]));
    writeFileSync(join(dir, 'b.csv'), csv([['x', '5'], ['y', '2'], ['z', '3']]));
    writeFileSync(join(dir, 'c.csv'), csv([['x', '0 27'], ['y', '1 2'], ['z', '']]));
    // A stale output of an earlier run: the seed would count it as a fourth voter.
    writeFileSync(join(dir, 'ensemble_old.csv'), csv([['x', '1'], ['y', '1'], ['z', '1']]));
    const r = ensembleCsv({ dir, fillEmpty: 7 });
    assert.deepEqual(r.inputs.map((p) => p.slice(dir.length + 1)), ['a.csv', 'b.csv', 'c.csv']);
    assert.equal(readFileSync(join(dir, 'ensemble.csv'), 'utf8'), csv([['x', '0 5'], ['y', '1 2'], ['z', '']]));
    assert.equal(readFileSync(join(dir, 'ensemble_fill7.csv'), 'utf8'), csv([['x', '0 5'], ['y', '1 2'], ['z', '7']]));
    // Re-running gives the same result (its own outputs are ignored).
    ensembleCsv({ dir, fillEmpty: 7 });
    assert.equal(readFileSync(join(dir, 'ensemble.csv'), 'utf8'), csv([['x', '0 5'], ['y', '1 2'], ['z', '']]));
  } finally {
    cleanup();
  }
});

test('an even number of voters needs more than half: 2 of 4 is not a majority', () => {
  const m = (bits: number[]) => Uint8Array.from({ length: 28 }, (_, c) => bits[c] ?? 0);
  const out = hardVote([m([1, 1, 1]), m([1, 1, 0]), m([1, 0, 0]), m([0, 0, 0])]);
  assert.deepEqual(Array.from(out.slice(0, 3)), [1, 0, 0]);
});

test('inputs with different Ids or order are refused with the file and first differing row', () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'a.csv'), csv([['x', '0'], ['y', '1'], ['z', '2']]));
    writeFileSync(join(dir, 'b.csv'), csv([['x', '0'], ['z', '2'], ['y', '1']]));
    assert.throws(() => ensembleCsv({ dir }), /b\.csv: row 2 \(line 3\) has Id "z" but .*a\.csv has "y" there; every input must list the same Ids in the same order/);
    writeFileSync(join(dir, 'b.csv'), csv([['x', '0'], ['y', '1']]));
    assert.throws(() => ensembleCsv({ dir }), /b\.csv: 2 rows but .*a\.csv has 3/);
    const { dir: empty, cleanup: c2 } = tempDir();
    assert.throws(() => ensembleCsv({ dir: empty }), /no submission CSVs \(Id,Predicted\) to ensemble/);
    c2();
  } finally {
    cleanup();
  }
});

test('--mode mean-prob averages probability files and thresholds the mean (vote mode skips them)', () => {
  const { dir, cleanup } = tempDir();
  try {
    const ids = ['x', 'y'];
    const p = (a: number, b: number) => Float32Array.from({ length: 56 }, (_, i) => (i === 0 ? a : i === 28 ? b : 0.01));
    writeProbabilityFile(join(dir, 'm1_probs.csv'), ids, p(0.9, 0.2));
    writeProbabilityFile(join(dir, 'm2_probs.csv'), ids, p(0.2, 0.35));
    writeFileSync(join(dir, 'sub.csv'), csv([['x', '3'], ['y', '3']]));
    const r = ensembleCsv({ dir, mode: 'mean-prob', fillEmpty: null, out: join(dir, 'mp.csv'), threshold: 0.5 });
    assert.equal(r.inputs.length, 2);
    // means: x 0.55 > 0.5; y 0.275 not.
    assert.equal(readFileSync(join(dir, 'mp.csv'), 'utf8'), csv([['x', '0'], ['y', '']]));
    assert.ok(existsSync(join(dir, 'mp_probs.csv')));
    assert.ok(!existsSync(join(dir, 'mp_fill25.csv')));
    ensembleCsv({ dir, mode: 'mean-prob', fillEmpty: null, out: join(dir, 'mp.csv'), threshold: 0.25 });
    assert.equal(readFileSync(join(dir, 'mp.csv'), 'utf8'), csv([['x', '0'], ['y', '0']]));
    // Vote mode takes the submissions (sub.csv, mp.csv) and skips the probability files.
    const v = ensembleCsv({ dir, out: join(dir, 'ensemble_v.csv') });
    assert.ok(v.inputs.every((f) => !f.endsWith('_probs.csv')));
  } finally {
    cleanup();
  }
});

const ntu = sharedData('submissions/submission_ntu_mira_LB637.csv');
const vpp = sharedData('submissions/submission_vpp_final_submission_multhr.csv');
const sample = sharedData('kaggle/sample_submission.csv');
const realSkip = ntu.skip || vpp.skip || sample.skip || pythonSkip('numpy');

test('hpaic ensemble on the two real top-team submissions + sample_submission matches a numpy reference of §13.1', { skip: realSkip }, () => {
  const { dir, cleanup } = tempDir();
  try {
    copyFileSync(ntu.path, join(dir, 'ntu.csv'));
    copyFileSync(vpp.path, join(dir, 'vpp.csv'));
    copyFileSync(sample.path, join(dir, 'sample.csv'));
    const r = hpaic('ensemble', '-d', dir);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Saved submission in: .*ensemble\.csv\nFilling empty predictions with 25\nSaved submission in: .*ensemble_fill25\.csv/);
    // ensemble_csv.py's rule: multi-hot of each file, mean over files > 0.5, fill 25 on empty rows.
    const py = String.raw`
import sys, json, glob, os
import numpy as np
d = sys.argv[1]
mats, ids = [], None
for f in sorted(glob.glob(os.path.join(d, "*.csv"))):
    if os.path.basename(f).startswith("ensemble"):
        continue
    lines = open(f).read().splitlines()[1:]
    ids = [l.split(",")[0] for l in lines]
    m = np.zeros((len(lines), 28))
    for i, l in enumerate(lines):
        p = l.split(",")[1]
        if p:
            m[i, np.array(p.split(" "), dtype=int)] = 1
    mats.append(m)
pred = (np.mean(mats, axis=0) > 0.5).astype(int)
def text(pred):
    return "Id,Predicted\n" + "".join("%s,%s\n" % (i, " ".join(str(c) for c in np.arange(28)[p.astype(bool)])) for i, p in zip(ids, pred))
filled = pred.copy()
filled[filled.sum(axis=1) == 0, 25] = 1
sys.stdout.write(json.dumps({"plain": text(pred), "fill": text(filled)}))
`;
    const ref = JSON.parse(runPython(py, [dir]));
    assert.equal(readFileSync(join(dir, 'ensemble.csv'), 'utf8'), ref.plain);
    assert.equal(readFileSync(join(dir, 'ensemble_fill25.csv'), 'utf8'), ref.fill);
    assert.equal(ref.plain.split('\n').length, 11702 + 2);
  } finally {
    cleanup();
  }
});

test('hpaic ensemble usage errors exit 2 with the message', () => {
  const r = hpaic('ensemble', '-d', '.', '--mode', 'median');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--mode expects "vote" or "mean-prob" but received "median"/);
  const f = hpaic('ensemble', '-d', '.', '--fill-empty', '28');
  assert.equal(f.status, 2);
  assert.match(f.stderr, /--fill-empty expects a class index 0-27 or "none" but received "28"/);
});
