/**
 * The seed's leak overwrite (seed-spec §13.2, `apply_leak.py`): for each leak file (`Id,Target`), a fresh copy
 * of the original submission gets the leak's labels for the leak's Ids, and is written as
 * `<submission dir>/<submission base>_<leak base>.csv`. Leaks are applied independently, never combined.
 * Unlike the seed, the leak files are given explicitly (the seed hard-coded ../dataset/leak126.csv and
 * leak259.csv), and a leak Id missing from the submission is an error.
 */
import { basename, dirname, extname, join } from 'node:path';
import { DataError } from '../errors.js';
import { NUM_CLASSES } from '../data/tables/labels.js';
import { readLabelCsv, readSubmission, writeSubmission } from '../data/tables/csv.js';

export interface ApplyLeakOptions {
  /** The submission CSV (`Id,Predicted`). */
  sub: string;
  /** Leak files (`Id,Target`); one output per leak. */
  leaks: readonly string[];
  /** Receives one line per file written. */
  log?: (line: string) => void;
}

/** The output path for one leak: `<dir>/<base>_<leak base>.csv`. */
export function leakOutputPath(sub: string, leak: string): string {
  const base = basename(sub, extname(sub));
  return join(dirname(sub), `${base}_${basename(leak, extname(leak))}.csv`);
}

/**
 * Apply each leak to a fresh copy of the submission and write the results. Returns the paths written.
 * @throws DataError when a file is malformed or a leak Id is not in the submission
 * @example
 * applyLeak({ sub: 'sub/ensemble_lb.csv', leaks: ['leak126.csv', 'leak259.csv'] });
 */
export function applyLeak(opts: ApplyLeakOptions): string[] {
  if (opts.leaks.length === 0) throw new DataError('apply-leak: no leak files given');
  const sub = readSubmission(opts.sub);
  const row = new Map<string, number>();
  sub.ids.forEach((id, i) => row.set(id, i));
  const written: string[] = [];
  for (const leakPath of opts.leaks) {
    const leak = readLabelCsv(leakPath, { column: 'Target', allowEmpty: true });
    const labels = sub.labels.slice();
    leak.ids.forEach((id, j) => {
      const r = row.get(id);
      if (r === undefined) throw new DataError(`${leakPath} line ${j + 2}: Id "${id}" is not in the submission ${opts.sub}`);
      labels.set(leak.labels.subarray(j * NUM_CLASSES, (j + 1) * NUM_CLASSES), r * NUM_CLASSES);
    });
    const out = leakOutputPath(opts.sub, leakPath);
    writeSubmission(out, sub.ids, labels);
    written.push(out);
    opts.log?.(`Saved submission in: ${out}`);
  }
  return written;
}
