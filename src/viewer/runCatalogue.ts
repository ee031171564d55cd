/**
 * What the viewer knows about the runs under `--dir`: every folder (the folder itself or up to two levels
 * below it) holding `config.resolved.json` or `fold_1/`, read from the files hpaic writes (history.json,
 * summary.json, threshold.json, val_probabilities.csv, train.log, submission/), never modified.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { RUN_FILES, foldPaths } from '../run/runFolder.js';
import { readHistory, readSummary, metricValue, type TrainingHistory } from '../train/summary.js';
import { parseMetricList } from '../train/summary.js';
import { readThresholdFile, type ThresholdFile } from '../predict/thresholdFile.js';
import { readProbabilityFile } from '../run/probabilityFile.js';
import { CLASS_NAMES, NUM_CLASSES } from '../data/tables/labels.js';
import type { DatasetLabels } from './datasetLabels.js';

export interface RunSummary {
  id: string;
  name: string;
  model: string | null;
  imageSize: string | null;
  channels: string | null;
  numFolds: number | null;
  epochs: number | null;
  folds: { fold: number; epochsTrained: number; bestEpoch: number | null; bestF1: number | null; seconds: number }[];
  meanBestF1: number | null;
  thresholds: string[];
  submissions: string[];
  seconds: number;
  updated: number;
}

function readJson(path: string): Record<string, unknown> | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

/** Run folders under `root` (relative ids, '.' for root itself), sorted. */
export function findRuns(root: string): string[] {
  const out: string[] = [];
  const isRun = (d: string) => existsSync(join(d, RUN_FILES.resolvedConfig)) || existsSync(join(d, 'fold_1'));
  const walk = (d: string, depth: number) => {
    if (isRun(d)) {
      out.push(relative(root, d) || '.');
      return;
    }
    if (depth === 0) return;
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names.sort()) {
      const p = join(d, n);
      try {
        if (statSync(p).isDirectory() && !n.startsWith('.')) walk(p, depth - 1);
      } catch {
        /* unreadable entries are not runs */
      }
    }
  };
  walk(root, 2);
  return out;
}

function foldHistories(runDir: string): { fold: number; history: TrainingHistory | null; summaryEpoch: number | null; summaryF1: number | null }[] {
  const out = [];
  for (let k = 1; existsSync(foldPaths(runDir, k).dir); k++) {
    const p = foldPaths(runDir, k);
    let history: TrainingHistory | null = null;
    let summaryEpoch: number | null = null;
    let summaryF1: number | null = null;
    try {
      if (existsSync(p.history)) history = readHistory(p.history);
    } catch {
      history = null;
    }
    try {
      if (existsSync(p.summary)) {
        const s = readSummary(p.summary);
        summaryEpoch = s.epoch;
        summaryF1 = metricValue(parseMetricList(s.metric_history.val[s.epoch - 1] ?? ''), 'f1_macro');
      }
    } catch {
      summaryEpoch = null;
    }
    out.push({ fold: k, history, summaryEpoch, summaryF1 });
  }
  return out;
}

export function summarizeRun(root: string, id: string): RunSummary {
  const dir = join(root, id);
  const cfg = readJson(join(dir, RUN_FILES.resolvedConfig)) as Record<string, any> | null; // eslint-disable-line @typescript-eslint/no-explicit-any
  const folds = foldHistories(dir).map((f) => ({
    fold: f.fold,
    epochsTrained: f.history?.epochs.length ?? 0,
    bestEpoch: f.summaryEpoch,
    bestF1: f.summaryF1 !== null && Number.isFinite(f.summaryF1) ? f.summaryF1 : null,
    seconds: f.history?.epochs.reduce((s, e) => s + e.seconds, 0) ?? 0,
  }));
  const best = folds.map((f) => f.bestF1).filter((v): v is number => v !== null);
  let thresholds: string[] = [];
  try {
    if (existsSync(join(dir, RUN_FILES.threshold))) thresholds = Object.keys(Object.values(readThresholdFile(join(dir, RUN_FILES.threshold)))[0] ?? {});
  } catch {
    thresholds = [];
  }
  const subDir = join(dir, RUN_FILES.submission);
  const submissions = existsSync(subDir) ? readdirSync(subDir).filter((n) => n.endsWith('.csv')).sort() : [];
  let updated = 0;
  for (const f of folds) {
    try {
      updated = Math.max(updated, statSync(foldPaths(dir, f.fold).history).mtimeMs);
    } catch {
      /* no history yet */
    }
  }
  return {
    id,
    name: cfg?.name ?? id,
    model: cfg?.model?.name ?? null,
    imageSize: cfg ? `${cfg.img_h}×${cfg.img_w}` : null,
    channels: cfg?.dataset?.filters ?? null,
    numFolds: cfg?.dataloader?.n_splits ?? null,
    epochs: cfg?.epochs ?? null,
    folds,
    meanBestF1: best.length ? best.reduce((a, b) => a + b, 0) / best.length : null,
    thresholds,
    submissions,
    seconds: folds.reduce((s, f) => s + f.seconds, 0),
    updated,
  };
}

/** Per class true positives, false positives, false negatives and the true × predicted co-occurrence. */
export interface Confusion {
  tp: number[];
  fp: number[];
  fn: number[];
  /** cooc[t][p]: validation samples with true class t that were predicted class p. */
  cooc: number[][];
  f1: number[];
}

export function confusion(probs: Float32Array, truth: Uint8Array, threshold: number | number[]): Confusion {
  const n = truth.length / NUM_CLASSES;
  const tp = new Array(NUM_CLASSES).fill(0);
  const fp = new Array(NUM_CLASSES).fill(0);
  const fn = new Array(NUM_CLASSES).fill(0);
  const cooc = Array.from({ length: NUM_CLASSES }, () => new Array(NUM_CLASSES).fill(0));
  for (let i = 0; i < n; i++) {
    const pred: number[] = [];
    for (let c = 0; c < NUM_CLASSES; c++) {
      const t = typeof threshold === 'number' ? threshold : threshold[c];
      const p = probs[i * NUM_CLASSES + c] > t;
      const y = truth[i * NUM_CLASSES + c] !== 0;
      if (p) pred.push(c);
      if (p && y) tp[c]++;
      else if (p) fp[c]++;
      else if (y) fn[c]++;
    }
    for (let t = 0; t < NUM_CLASSES; t++) if (truth[i * NUM_CLASSES + t]) for (const p of pred) cooc[t][p]++;
  }
  const f1 = tp.map((v, c) => (2 * v) / (2 * v + fp[c] + fn[c] + 1e-8));
  return { tp, fp, fn, cooc, f1 };
}

/** Everything the run page shows. */
export function runDetail(root: string, id: string, labels: DatasetLabels | null) {
  const dir = join(root, id);
  const summary = summarizeRun(root, id);
  let thresholdFile: ThresholdFile | null = null;
  try {
    if (existsSync(join(dir, RUN_FILES.threshold))) thresholdFile = readThresholdFile(join(dir, RUN_FILES.threshold));
  } catch {
    thresholdFile = null;
  }
  const folds = foldHistories(dir).map((f) => {
    const p = foldPaths(dir, f.fold);
    const entries = thresholdFile?.[`fold_${f.fold}`] ?? { default: { threshold: 0.5, metrics: '' } };
    const kinds: Record<string, { threshold: number | number[]; f1Macro: number | null; perClassF1: number[] | null; confusion: Confusion | null }> = {};
    let probs: { ids: string[]; probs: Float32Array } | null = null;
    try {
      if (existsSync(p.valProbabilities)) probs = readProbabilityFile(p.valProbabilities);
    } catch {
      probs = null;
    }
    const truth = probs && labels ? labels.multiHot(probs.ids) : null;
    for (const [kind, e] of Object.entries(entries)) {
      const m = e.metrics ? parseMetricList(e.metrics) : [];
      const conf = probs && truth ? confusion(probs.probs, truth, e.threshold) : null;
      kinds[kind] = {
        threshold: e.threshold,
        f1Macro: m.length ? metricValue(m, 'f1_macro') : null,
        perClassF1: m.length ? CLASS_NAMES.map((n) => metricValue(m, `f1_${n}`)) : (conf?.f1 ?? null),
        confusion: conf,
      };
    }
    return { fold: f.fold, history: f.history, bestEpoch: f.summaryEpoch, bestF1: f.summaryF1, validationSamples: probs?.ids.length ?? 0, kinds };
  });
  return { summary, classNames: CLASS_NAMES, folds, samplerClassWeights: samplerWeights(dir), hasLabels: labels !== null };
}

/** The sampler's class weights as `hpaic train` logged them (train.log), or null. */
function samplerWeights(dir: string): number[] | null {
  try {
    const lines = readFileSync(join(dir, RUN_FILES.log), 'utf8').split('\n');
    const line = lines.reverse().find((l) => l.includes('Sampler class weights: '));
    if (!line) return null;
    const w = line.slice(line.indexOf('Sampler class weights: ') + 23).trim().split(/\s+/).map(Number);
    return w.length === NUM_CLASSES && w.every(Number.isFinite) ? w : null;
  } catch {
    return null;
  }
}
