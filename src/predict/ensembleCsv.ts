/**
 * Ensembling of finished models' CSVs (seed-spec §13.1, `ensemble_csv.py`).
 * - `vote` (the seed's): the strict-majority hard vote of every submission CSV in a folder — a class is kept
 *   when more than half of the files predict it.
 * - `mean-prob` (new): the mean of the probability files (`*_probs.csv`, see probabilityFile.ts), thresholded.
 * Fixed seed quirks (§17.9): files whose names start with `ensemble` are not inputs (the seed re-read its own
 * outputs on a second run), and every input must have the same Ids in the same order (the seed silently took
 * the Ids of the last file read).
 */
import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { DataError, UsageError } from '../errors.js';
import { NUM_CLASSES } from '../data/tables/labels.js';
import { readSubmission, writeSubmission } from '../data/tables/csv.js';
import { binarize, type Thresholds } from './binarize.js';
import { isProbabilityHeader, readProbabilityFile, writeProbabilityFile } from '../run/probabilityFile.js';

export type EnsembleMode = 'vote' | 'mean-prob';

export interface EnsembleCsvOptions {
  /** The folder holding the CSVs. */
  dir: string;
  /** Default `vote`. */
  mode?: EnsembleMode;
  /** Class written into empty rows of the second output (default 25); null writes no fill file. */
  fillEmpty?: number | null;
  /** Path of the plain ensemble CSV (default `<dir>/ensemble.csv`); the fill file goes beside it. */
  out?: string;
  /** `mean-prob` only: predicted when the mean probability > threshold (scalar or 28 values). Default 0.5. */
  threshold?: Thresholds;
  /** Receives one line per input used or skipped and per file written. */
  log?: (line: string) => void;
}

export interface EnsembleCsvResult {
  /** The input files, in the order read (sorted by name). */
  inputs: string[];
  /** The files written: the ensemble CSV, its fill variant, and (mean-prob) the mean probabilities. */
  written: string[];
  /** Number of rows (ids). */
  rows: number;
}

/** The strict-majority vote of N×28 multi-hot matrices: 1 where more than half of them are 1. */
export function hardVote(tables: readonly Uint8Array[]): Uint8Array {
  if (tables.length === 0) throw new DataError('hardVote: no inputs');
  const n = tables[0].length;
  const votes = new Uint16Array(n);
  for (const t of tables) for (let i = 0; i < n; i++) votes[i] += t[i] ? 1 : 0;
  const k = tables.length;
  // mean > 0.5 ⇔ 2·votes > k, exactly.
  return Uint8Array.from(votes, (v) => (2 * v > k ? 1 : 0));
}

/**
 * Throw unless `ids` equals `ref` element by element.
 * @throws DataError naming both files and the first differing row
 */
export function checkSameIds(ref: { file: string; ids: readonly string[] }, other: { file: string; ids: readonly string[] }): void {
  const n = Math.min(ref.ids.length, other.ids.length);
  for (let i = 0; i < n; i++) {
    if (ref.ids[i] !== other.ids[i]) {
      throw new DataError(
        `${other.file}: row ${i + 1} (line ${i + 2}) has Id "${other.ids[i]}" but ${ref.file} has "${ref.ids[i]}" there; ` +
          'every input must list the same Ids in the same order',
      );
    }
  }
  if (ref.ids.length !== other.ids.length) {
    throw new DataError(`${other.file}: ${other.ids.length} rows but ${ref.file} has ${ref.ids.length}; every input must list the same Ids in the same order`);
  }
}

/** The fill variant's path: `<name>_fill<N>.csv` beside `<name>.csv`. */
export function fillPath(path: string, fill: number): string {
  const base = basename(path).replace(/\.csv$/i, '');
  return join(dirname(path), `${base}_fill${fill}.csv`);
}

/**
 * Ensemble the CSVs of a folder and write `ensemble.csv` and `ensemble_fill<N>.csv` (or `--out`).
 * @throws DataError when no inputs are found, a file is malformed, or Ids differ
 * @example
 * ensembleCsv({ dir: 'final/', fillEmpty: 25 }); // final/ensemble.csv, final/ensemble_fill25.csv
 */
export function ensembleCsv(opts: EnsembleCsvOptions): EnsembleCsvResult {
  const mode = opts.mode ?? 'vote';
  if (mode !== 'vote' && mode !== 'mean-prob') throw new UsageError(`--mode expects "vote" or "mean-prob" but received "${mode as string}"`);
  const fill = opts.fillEmpty === undefined ? 25 : opts.fillEmpty;
  if (fill !== null && (!Number.isInteger(fill) || fill < 0 || fill >= NUM_CLASSES)) {
    throw new UsageError(`--fill-empty expects a class index 0-${NUM_CLASSES - 1} or "none" but received ${fill}`);
  }
  const log = opts.log ?? (() => {});
  let names: string[];
  try {
    names = readdirSync(opts.dir).filter((f) => f.endsWith('.csv')).sort();
  } catch (err) {
    throw new DataError(`cannot list the folder ${opts.dir}: ${(err as Error).message}`, { cause: err });
  }
  const out = opts.out ?? join(opts.dir, 'ensemble.csv');
  const isOwnOutput = ownOutputTest(opts.dir, out);
  const inputs: string[] = [];
  for (const name of names) {
    const path = join(opts.dir, name);
    if (name.startsWith('ensemble')) {
      log(`Skipping ${path} (an ensemble output)`);
      continue;
    }
    if (isOwnOutput(name)) {
      // `--out` inside `-d`: an earlier run's output must not vote in this one.
      log(`Skipping ${path} (an output of --out ${out})`);
      continue;
    }
    const isProb = isProbabilityHeader(firstLine(path));
    if (isProb === (mode === 'mean-prob')) inputs.push(path);
    else log(`Skipping ${path} (${isProb ? 'a probability file; used by --mode mean-prob' : 'a submission; --mode mean-prob averages probability files'})`);
  }
  if (inputs.length === 0) {
    const what = mode === 'vote' ? 'submission CSVs (Id,Predicted)' : 'probability files (Id,0,...,27, written by `hpaic submit` as *_probs.csv)';
    throw new DataError(`${opts.dir}: no ${what} to ensemble (files named ensemble* are ignored)`);
  }
  const written: string[] = [];
  let ids: string[];
  let pred: Uint8Array;
  if (mode === 'vote') {
    const tables = inputs.map((file) => ({ file, ...readSubmission(file) }));
    for (const t of tables.slice(1)) checkSameIds(tables[0], t);
    for (const t of tables) log(`Voter: ${t.file}`);
    ids = tables[0].ids;
    pred = hardVote(tables.map((t) => t.labels));
  } else {
    const tables = inputs.map((file) => ({ file, ...readProbabilityFile(file) }));
    for (const t of tables.slice(1)) checkSameIds(tables[0], t);
    for (const t of tables) log(`Probabilities: ${t.file}`);
    ids = tables[0].ids;
    const sum = new Float64Array(tables[0].probs.length);
    for (const t of tables) for (let i = 0; i < sum.length; i++) sum[i] += t.probs[i];
    const mean = Float32Array.from(sum, (s) => s / tables.length);
    pred = binarize(mean, opts.threshold ?? 0.5);
    const probsPath = join(dirname(out), `${basename(out).replace(/\.csv$/i, '')}_probs.csv`);
    writeProbabilityFile(probsPath, ids, mean);
    written.push(probsPath);
    log(`Saved mean probabilities in: ${probsPath}`);
  }
  writeSubmission(out, ids, pred);
  written.unshift(out);
  log(`Saved submission in: ${out}`);
  if (fill !== null) {
    const path = fillPath(out, fill);
    log(`Filling empty predictions with ${fill}`);
    writeSubmission(path, ids, pred, { fillEmpty: fill });
    written.splice(1, 0, path);
    log(`Saved submission in: ${path}`);
  }
  return { inputs, written, rows: ids.length };
}

/** Whether a file name of `dir` is one that writing `out` produces: `<out>.csv`, `<out>_fill<N>.csv`, `<out>_probs.csv`. */
function ownOutputTest(dir: string, out: string): (name: string) => boolean {
  if (resolve(dirname(out)) !== resolve(dir)) return () => false;
  const base = basename(out).replace(/\.csv$/i, '');
  return (name) => {
    const stem = name.replace(/\.csv$/i, '');
    return stem === base || stem === `${base}_probs` || (stem.startsWith(`${base}_fill`) && /^\d+$/.test(stem.slice(base.length + 5)));
  };
}

/** The first line of a file (up to 4 KiB), without reading the whole file. */
function firstLine(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const s = buf.subarray(0, n).toString('utf8');
    const nl = s.indexOf('\n');
    return nl < 0 ? s : s.slice(0, nl);
  } finally {
    closeSync(fd);
  }
}
