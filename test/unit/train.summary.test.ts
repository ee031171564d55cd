import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pythonSkip, runPython, tempDir } from '../helpers/env.js';
import { pyFloatRepr, pyRound, pythonJsonDumps } from '../../src/train/pythonRepr.js';
import { formatMetricList, formatSummaryJson, parseMetricList, readHistory, readSummary, summaryFromHistory, writeHistory, writeSummary, type MetricList, type TrainingHistory } from '../../src/train/summary.js';
import { RunFolder, discoverFolds, foldDirName } from '../../src/train/runFolder.js';

// A deterministic spread of floats: tiny, huge, integral, negative, near rounding ties.
function sampleFloats(): number[] {
  const xs = [0, -0, 1, -1, 0.1, 0.5, 1e-4, 1e-5, 1.5e-7, 1e15, 1e16, 123456789012345680, 2 ** 53, 0.03125, 0.09375, -0.03125, 0.00015, 0.00025, 0.12345, 0.99995, 0.49995, 3.14159265358979, 1 / 3, 2 / 3, 1e-300, 5e-324, 1.7976931348623157e308];
  let s = 12345;
  for (let i = 0; i < 200; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const u = s / 2147483648;
    xs.push((u - 0.3) * 10 ** Math.floor(u * 24 - 12));
    xs.push(Math.round(u * 1e6) / 1e6);
    xs.push(Math.round(u * 20000) / 20000);
  }
  return xs;
}

test('pyFloatRepr and pyRound equal Python repr(float) and round(x, 4)', { skip: pythonSkip('json') }, () => {
  const xs = sampleFloats();
  const py = JSON.parse(runPython('import json,sys; xs=[float(x) for x in json.loads(sys.stdin.read())]; print(json.dumps([[repr(x), repr(round(x, 4))] for x in xs]))', [], JSON.stringify(xs.map((x) => (Object.is(x, -0) ? '-0.0' : String(x))))));
  xs.forEach((x, i) => {
    assert.equal(pyFloatRepr(x), py[i][0], `repr(${x})`);
    assert.equal(pyFloatRepr(pyRound(x, 4)), py[i][1], `round(${x}, 4)`);
  });
});

const CLASS_NAMES = ['Nucleoplasm', 'Nuclear membrane', 'Nucleoli', 'Endoplasmic reticulum', 'Cytokinetic bridge', 'Rods & rings'];
function metricList(seed: number): MetricList {
  return [['f1_macro', 0.51234567 + seed / 7], ...CLASS_NAMES.map((n, i): [string, number] => [`f1_${n}`, ((i * 0.173 + seed * 0.311) % 1) / (seed + 1)]), ['f1_zero', 0], ['acc', 0.96344999]];
}

test('formatMetricList equals str([(name, round(value, 4)), ...]) and parses back', { skip: pythonSkip('json') }, () => {
  const lists = [0, 1, 2, 3].map(metricList);
  const py = JSON.parse(runPython('import json,sys; print(json.dumps([str([(n, round(float(v), 4)) for n, v in l]) for l in json.loads(sys.stdin.read())]))', [], JSON.stringify(lists)));
  lists.forEach((l, i) => {
    assert.equal(formatMetricList(l), py[i]);
    assert.deepEqual(parseMetricList(py[i]).map(([n]) => n), l.map(([n]) => n));
    assert.deepEqual(parseMetricList(py[i]).map(([, v]) => v), l.map(([, v]) => pyRound(v, 4)));
  });
});

function history(): TrainingHistory {
  return {
    fold: 1,
    epochs: [1, 2, 3, 4].map((e) => ({
      epoch: e,
      train: { loss: e === 4 ? NaN : 1 / (e + 1), metrics: metricList(e) },
      val: { loss: e === 2 ? 0 : 1e-5 * e, metrics: metricList(e + 10) },
      lr: 1e-3 / e,
      seconds: 12.5 * e,
      improved: e !== 3,
    })),
  };
}

test('summary.json is byte-identical to json.dump(indent=4, sort_keys=True) of the seed summary', { skip: pythonSkip('json') }, () => {
  const s = summaryFromHistory(history(), 2);
  assert.equal(s.epoch, 2);
  assert.equal(s.loss_history.val.length, 2);
  const full = summaryFromHistory(history(), 4);
  for (const summary of [s, full, { epoch: 1, loss_history: { train: [], val: [] }, metric_history: { train: [], val: [] } }]) {
    const payload = JSON.stringify(summary, (_k, v) => (typeof v === 'number' && Number.isNaN(v) ? '__nan__' : v));
    const py = runPython(
      'import json,sys; d=json.loads(sys.stdin.read(), object_hook=lambda o: o); d["loss_history"]={k:[float("nan") if x=="__nan__" else float(x) for x in v] for k,v in d["loss_history"].items()}; sys.stdout.write(json.dumps(d, indent=4, sort_keys=True))',
      [],
      payload,
    );
    assert.equal(formatSummaryJson(summary), py);
  }
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'fold_1', 'summary.json');
    writeSummary(file, full);
    assert.equal(readFileSync(file, 'utf8'), formatSummaryJson(full));
    const back = readSummary(file);
    assert.ok(Number.isNaN(back.loss_history.train[3]));
    assert.deepEqual(back.metric_history, full.metric_history);
  } finally {
    cleanup();
  }
});

test('pythonJsonDumps without indent uses Python separators and ensure_ascii', () => {
  assert.equal(pythonJsonDumps({ b: [1, 2.5, 'é'], a: { c: null, d: true } }, { sortKeys: true }), '{"a": {"c": null, "d": true}, "b": [1, 2.5, "\\u00e9"]}');
  assert.equal(pythonJsonDumps([1], { isInt: () => false }), '[1.0]');
});

test('history.json round-trips non-finite values and is written atomically', () => {
  const { dir, cleanup } = tempDir();
  try {
    const h = history();
    const file = join(dir, 'history.json');
    writeHistory(file, h);
    const back = readHistory(file);
    assert.ok(Number.isNaN(back.epochs[3]!.train.loss));
    assert.deepEqual(back.epochs[0], h.epochs[0]);
    writeFileSync(file, '{"fold": 1}');
    assert.throws(() => readHistory(file), /expected \{fold, epochs/);
  } finally {
    cleanup();
  }
});

test('run folder layout and fold discovery stop at the first missing fold', () => {
  const { dir, cleanup } = tempDir();
  try {
    const run = RunFolder.of({ checkpoint_dir: dir, name: 'r18' });
    assert.equal(run.root, join(dir, 'r18'));
    assert.equal(run.fold(2).summary, join(dir, 'r18', 'fold_2', 'summary.json'));
    assert.equal(run.fold(1).curves('svg'), join(dir, 'r18', 'fold_1', 'curves.svg'));
    assert.equal(run.thresholdJson, join(dir, 'r18', 'threshold.json'));
    assert.equal(run.submission('fold_1_lb.csv'), join(dir, 'r18', 'submission', 'fold_1_lb.csv'));
    assert.equal(run.resolvedConfig, join(dir, 'r18', 'config.resolved.json'));
    assert.throws(() => foldDirName(0), /start at 1/);
    assert.deepEqual(run.folds(), []);
    for (const k of [1, 2, 4]) {
      mkdirSync(run.fold(k).dir, { recursive: true });
      writeFileSync(run.fold(k).model, 'x');
    }
    mkdirSync(run.fold(3).dir, { recursive: true }); // a folder without a checkpoint ends the list
    assert.deepEqual(discoverFolds(run.root).map((f) => f.fold), [1, 2]);
    assert.deepEqual(run.folds('model.pth').map((f) => f.dir), [run.fold(1).dir, run.fold(2).dir]);
  } finally {
    cleanup();
  }
});
