import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pythonSkip, runPython, tempDir } from '../helpers/env.js';
import { formatMetricList, type Metric } from '../../src/metrics/f1.js';
import { pyRound } from '../../src/io/text/pyRepr.js';
import { formatSummaryJson, parseMetricList, readHistory, readSummary, summaryFromHistory, writeHistory, writeSummary, type TrainingHistory } from '../../src/train/summary.js';
import { RunFolder, discoverFolds, foldDirName } from '../../src/run/runFolder.js';

const CLASS_NAMES = ['Nucleoplasm', 'Nuclear membrane', 'Nucleoli', 'Endoplasmic reticulum', 'Cytokinetic bridge', 'Rods & rings'];
function metricList(seed: number): Metric[] {
  return [['f1_macro', 0.51234567 + seed / 7], ...CLASS_NAMES.map((n, i): [string, number] => [`f1_${n}`, ((i * 0.173 + seed * 0.311) % 1) / (seed + 1)]), ['f1_zero', 0], ['acc', 0.96344999]];
}

test('parseMetricList reads back str([(name, round(value, 4)), ...]) (formatMetricList agrees)', { skip: pythonSkip('json') }, () => {
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
