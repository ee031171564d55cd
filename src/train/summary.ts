import { readFileSync } from 'node:fs';
import { CheckpointError } from '../errors.js';
import { writeFileAtomic } from '../io/writeFileAtomic.js';
import { pyFloatRepr, pyRound, pyStrRepr, pythonJsonDumps } from './pythonRepr.js';

/** Metric values in the seed's order (f1_macro, f1_<class> × 28, acc): [name, value] pairs. */
export type MetricList = Array<[string, number]>;

/**
 * The seed's metric-list string (seed-spec §8): `[('f1_macro', 0.5123), ('f1_Nucleoplasm', 0.8612), …]`, i.e.
 * Python's `str()` of a list of (name, round(value, 4)) tuples. summary.json and threshold.json hold these.
 */
export function formatMetricList(metrics: MetricList): string {
  return `[${metrics.map(([name, v]) => `(${pyStrRepr(name)}, ${pyFloatRepr(pyRound(v, 4))})`).join(', ')}]`;
}

/** Parse a metric-list string back into pairs (values are the rounded ones). */
export function parseMetricList(text: string): MetricList {
  const out: MetricList = [];
  const re = /\((['"])((?:\\.|(?!\1).)*)\1, (-?(?:\d+\.?\d*(?:e[+-]\d+)?|nan|inf))\)/g;
  for (const m of text.matchAll(re)) {
    const v = m[3] === 'nan' ? NaN : m[3] === 'inf' ? Infinity : m[3] === '-inf' ? -Infinity : Number(m[3]);
    out.push([m[2]!.replace(/\\(.)/g, '$1'), v]);
  }
  return out;
}

/** The seed's summary.json (seed-spec §9.3): written with the checkpoint, so it describes the best epoch. */
export interface SeedSummary {
  epoch: number;
  loss_history: { train: number[]; val: number[] };
  metric_history: { train: string[]; val: string[] };
}

/** summary.json text exactly as the seed's `json.dump(…, indent=4, sort_keys=True)` writes it (no final newline). */
export function formatSummaryJson(summary: SeedSummary): string {
  return pythonJsonDumps(summary, { indent: 4, sortKeys: true, isInt: (path) => path.length === 1 && path[0] === 'epoch' });
}

/** Write summary.json atomically. */
export function writeSummary(path: string, summary: SeedSummary): void {
  writeFileAtomic(path, formatSummaryJson(summary));
}

/** Read a summary.json written by hpaic or by the seed (Python writes NaN/Infinity unquoted; those are accepted). */
export function readSummary(path: string): SeedSummary {
  const text = readFileSync(path, 'utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/(?<=[[\s,:])(-?Infinity|NaN)(?=[\s,\]}])/g, '"$1"'), (_k, v) => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v));
  } catch (err) {
    throw new CheckpointError(`${path}: invalid JSON (${(err as Error).message})`, { cause: err });
  }
  const s = raw as SeedSummary;
  const ok =
    s !== null &&
    typeof s === 'object' &&
    Number.isInteger(s.epoch) &&
    Array.isArray(s.loss_history?.train) &&
    Array.isArray(s.loss_history?.val) &&
    Array.isArray(s.metric_history?.train) &&
    Array.isArray(s.metric_history?.val);
  if (!ok) throw new CheckpointError(`${path}: expected {epoch, loss_history: {train, val}, metric_history: {train, val}} but received ${text.slice(0, 80)}`);
  return s;
}

/** One epoch of one fold, as hpaic records it (every epoch, unlike summary.json). */
export interface EpochRecord {
  /** 1-based epoch number. */
  epoch: number;
  train: { loss: number; metrics: MetricList };
  val: { loss: number; metrics: MetricList };
  /** The learning rate the epoch trained at (before the plateau scheduler's step). */
  lr: number;
  /** Wall time of the epoch (training + validation), in seconds. */
  seconds: number;
  /** Whether this epoch improved on the best validation metric (a checkpoint was written). */
  improved: boolean;
}

/** The per-epoch record of one fold (`fold_<k>/history.json`); plots and resume read it. */
export interface TrainingHistory {
  fold: number;
  epochs: EpochRecord[];
}

/** The value of `name` in a metric list (e.g. 'f1_macro'), or NaN when absent. */
export function metricValue(metrics: MetricList, name: string): number {
  return metrics.find(([n]) => n === name)?.[1] ?? NaN;
}

/** The seed's summary for the history up to and including `epoch` (the best epoch when called at a checkpoint). */
export function summaryFromHistory(history: TrainingHistory, epoch: number): SeedSummary {
  const upto = history.epochs.filter((e) => e.epoch <= epoch);
  return {
    epoch,
    loss_history: { train: upto.map((e) => e.train.loss), val: upto.map((e) => e.val.loss) },
    metric_history: { train: upto.map((e) => formatMetricList(e.train.metrics)), val: upto.map((e) => formatMetricList(e.val.metrics)) },
  };
}

/** Write history.json atomically (non-finite numbers are stored as strings so the file stays JSON). */
export function writeHistory(path: string, history: TrainingHistory): void {
  writeFileAtomic(path, JSON.stringify(history, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2) + '\n');
}

/** Read history.json; throws CheckpointError naming the file when it is not a training history. */
export function readHistory(path: string): TrainingHistory {
  let h: TrainingHistory;
  try {
    h = JSON.parse(readFileSync(path, 'utf8'), (_k, v) => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v)) as TrainingHistory;
  } catch (err) {
    throw new CheckpointError(`${path}: cannot read the training history (${(err as Error).message})`, { cause: err });
  }
  if (!h || !Number.isInteger(h.fold) || !Array.isArray(h.epochs) || !h.epochs.every((e) => Number.isInteger(e.epoch) && e.train && e.val)) {
    throw new CheckpointError(`${path}: expected {fold, epochs: [{epoch, train, val, lr, seconds, improved}]}`);
  }
  return h;
}
