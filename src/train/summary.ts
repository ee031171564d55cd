import { readFileSync } from 'node:fs';
import { CheckpointError } from '../errors.js';
import { writeFileAtomic } from '../io/text/writeFileAtomic.js';
import { formatMetricList, type Metric } from '../metrics/f1.js';
import { pyFloatRepr } from '../io/text/pyRepr.js';

/** Parse the seed's metric-list string (`formatMetricList`) back into pairs (values are the rounded ones). */
export function parseMetricList(text: string): Metric[] {
  const out: Metric[] = [];
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
  /** hpaic's addition for bf16 / fp16 runs: the precision the checkpoint was trained in (fp32 runs keep the seed's file). */
  precision?: string;
}

/** summary.json text exactly as the seed's `json.dump(…, indent=4, sort_keys=True)` writes it (no final newline). */
export function formatSummaryJson(summary: SeedSummary): string {
  return dumpsSorted(summary, [], 0);
}

/**
 * Python's `json.dumps(v, indent=4, sort_keys=True)` (ensure_ascii, NaN/Infinity, float repr). Every number is
 * a float except the top-level `epoch`: JavaScript cannot tell 1 from 1.0, and the seed's losses are floats.
 */
function dumpsSorted(v: unknown, path: string[], depth: number): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
    return path.length === 1 && path[0] === 'epoch' && Number.isInteger(v) ? String(v) : pyFloatRepr(v);
  }
  if (typeof v === 'string') return JSON.stringify(v).replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const items = Array.isArray(v)
    ? v.map((e, i) => dumpsSorted(e, [...path, String(i)], depth + 1))
    : Object.keys(v as object)
        .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
        .sort()
        .map((k) => `${dumpsSorted(k, [], 0)}: ${dumpsSorted((v as Record<string, unknown>)[k], [...path, k], depth + 1)}`);
  const [open, close] = Array.isArray(v) ? ['[', ']'] : ['{', '}'];
  if (items.length === 0) return open + close;
  const pad = ' '.repeat(4 * (depth + 1));
  return `${open}\n${pad}${items.join(`,\n${pad}`)}\n${' '.repeat(4 * depth)}${close}`;
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
  train: { loss: number; metrics: Metric[] };
  val: { loss: number; metrics: Metric[] };
  /** The learning rate the epoch trained at (before the plateau scheduler's step). */
  lr: number;
  /** Wall time of the epoch (training + validation), in seconds. */
  seconds: number;
  /** Whether this epoch improved on the best validation metric (a checkpoint was written). */
  improved: boolean;
  /** The config's precision the epoch ran in (absent in histories from before the key: fp32). */
  precision?: string;
  /** Optimizer steps the fp16 loss scaler skipped for inf/NaN gradients. */
  skippedSteps?: number;
}

/** The per-epoch record of one fold (`fold_<k>/history.json`); plots and resume read it. */
export interface TrainingHistory {
  fold: number;
  epochs: EpochRecord[];
}

/** The value of `name` in a metric list (e.g. 'f1_macro'), or NaN when absent. */
export function metricValue(metrics: readonly Metric[], name: string): number {
  return metrics.find(([n]) => n === name)?.[1] ?? NaN;
}

/** The seed's summary for the history up to and including `epoch` (the best epoch when called at a checkpoint). */
export function summaryFromHistory(history: TrainingHistory, epoch: number): SeedSummary {
  const upto = history.epochs.filter((e) => e.epoch <= epoch);
  const precision = upto.at(-1)?.precision;
  return {
    epoch,
    loss_history: { train: upto.map((e) => e.train.loss), val: upto.map((e) => e.val.loss) },
    metric_history: { train: upto.map((e) => formatMetricList(e.train.metrics)), val: upto.map((e) => formatMetricList(e.val.metrics)) },
    ...(precision && precision !== 'fp32' ? { precision } : {}),
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
