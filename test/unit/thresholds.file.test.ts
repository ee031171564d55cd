import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildThresholdFile,
  evaluateThresholds,
  foldThresholdList,
  formatThresholdFile,
  formatThresholdTable,
  formatFoldReport,
  readThresholdFile,
  writeThresholdFile,
} from '../../src/predict/thresholdFile.js';
import { pythonJsonDumps } from '../../src/io/text/pythonJsonDumps.js';
import { pythonSkip, runPython, tempDir } from '../helpers/env.js';
import { SEED_THRESHOLD_PY } from '../helpers/seedThresholdReference.js';
import { makeCase } from '../helpers/thresholdCases.js';

const skip = pythonSkip('numpy');

test('threshold.json for two folds is byte-identical to the seed (numpy reference + json.dump indent 4)', { skip }, () => {
  const { dir, cleanup } = tempDir();
  try {
    const folds = [makeCase(400, 11), makeCase(300, 12)];
    const args: string[] = [];
    folds.forEach(({ logits, targets }, i) => {
      writeFileSync(join(dir, `l${i}.bin`), logits);
      writeFileSync(join(dir, `t${i}.bin`), targets);
      args.push(join(dir, `l${i}.bin`), join(dir, `t${i}.bin`));
    });
    // Run the seed's threshold_finder loop over both folds (the prelude loads one fold from argv 3-4).
    const script = String.raw`
import sys
results = {}
pairs = sys.argv[3:]
for i in range(len(pairs) // 2):
    sys.argv[1] = str(int(np.fromfile(pairs[2 * i + 1], dtype=np.uint8).size // 28))
    sys.argv[3], sys.argv[4] = pairs[2 * i], pairs[2 * i + 1]
    exec(PRELUDE)
    single, _, _, class_th, _ = search()
    key = "fold_" + str(i + 1)
    results[key] = {"default": {}, "lb": {}, "single_best": {}, "class_best": {}}
    for k, th in (("default", 0.5), ("lb", 0.3), ("single_best", single), ("class_best", class_th)):
        results[key][k]["threshold"] = th
        results[key][k]["metrics"] = metric_list_str(th)
sys.stdout.write(json.dumps(results, indent=4))
`;
    const py = `import sys, json\nimport numpy as np\nPRELUDE = ${JSON.stringify(SEED_THRESHOLD_PY)}\n${script}`;
    const expected = runPython(py, ['0', '28', ...args]);
    const file = buildThresholdFile(folds.map(({ logits, targets }) => evaluateThresholds(logits, targets).entries));
    const path = join(dir, 'threshold.json');
    writeThresholdFile(path, file);
    assert.equal(readFileSync(path, 'utf8'), expected);
    // And it reads back to the same structure, in order.
    const back = readThresholdFile(path);
    assert.deepEqual(back, file);
    assert.deepEqual(Object.keys(back.fold_1), ['default', 'lb', 'single_best', 'class_best']);
    const list = foldThresholdList(back);
    assert.equal(list.length, 2);
    assert.equal(list[0][1].key, 'lb');
    assert.equal(list[0][1].threshold, 0.3);
  } finally {
    cleanup();
  }
});

test('pythonJsonDumps matches json.dumps(indent=4) on escapes, floats, ints and empty containers', { skip }, () => {
  const value = { a: 'Rods & rings "q" \\ é \u0007 \u007f', b: [0.1, 1e-7, 1e22, 123456789.5, -0.25], c: {}, d: [], e: { f: true, g: null, h: 5 } };
  const expected = runPython(`import json, sys; sys.stdout.write(json.dumps(json.loads(sys.argv[1]), indent=4))`, [JSON.stringify(value)]);
  assert.equal(pythonJsonDumps(value), expected);
});

test('readThresholdFile names the file and key of malformed entries', () => {
  const { dir, cleanup } = tempDir();
  try {
    const p = join(dir, 'threshold.json');
    writeFileSync(p, JSON.stringify({ fold_1: { default: { threshold: 0.5, metrics: '' } }, fold_3: {} }));
    assert.throws(() => readThresholdFile(p), /threshold\.json: expected key "fold_2" at position 2 but found "fold_3"/);
    writeFileSync(p, JSON.stringify({ fold_1: { class_best: { threshold: [0.5, 0.2], metrics: '' } } }));
    assert.throws(() => readThresholdFile(p), /fold_1\.class_best\.threshold: expected a number or a list of 28 numbers but received \[0\.5,0\.2\]/);
    assert.throws(() => readThresholdFile(join(dir, 'missing.json')), /cannot read threshold file .*missing\.json/);
  } finally {
    cleanup();
  }
});

test('formatThresholdTable lists every class with its threshold and F1 at 0.5 and at the best threshold', () => {
  const { logits, targets } = makeCase(300, 5);
  const ev = evaluateThresholds(logits, targets);
  const table = formatThresholdTable(ev);
  assert.match(table, /^class\s+threshold\s+F1@0\.5\s+F1@best$/m);
  assert.match(table, /^27 Rods & rings\s+0\.\d{4}\s+\d\.\d{4}\s+\d\.\d{4}$/m);
  assert.match(table, /^macro F1 class_best\s+per class\s+\d\.\d{4}$/m);
  assert.equal(table.split('\n').length, 1 + 28 + 1 + 4);
  // The searched thresholds never do worse on the validation set than 0.5 (they include it as a candidate).
  assert.ok(ev.metrics.class_best[0][1] >= ev.metrics.default[0][1]);
  assert.equal(formatThresholdFile({ fold_1: ev.entries }).endsWith('}'), true);
  const report = formatFoldReport(ev, 2, 5);
  assert.match(report, /^Fold 2\/5$/m);
  assert.match(report, /^Best overall threshold:\n 0\.\d+\n\[\('f1_macro', /m);
  assert.match(report, /^Best thresholds per class:\n \[0\.\d+(, 0\.\d+){27}\]$/m);
});
