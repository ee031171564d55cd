/**
 * Per-sample probabilities saved beside the submissions, so that models can later be ensembled by averaging
 * probabilities (`hpaic ensemble --mode mean-prob`) instead of voting on binary CSVs.
 *
 * Format: a CSV with header `Id,0,1,…,27` (class indices) and one row per sample in submission order; each value
 * is σ(logit) as float32, written with the fewest digits that read back to the same float32. pandas:
 * `pd.read_csv(path, index_col='Id')`; numpy: `np.loadtxt(path, delimiter=',', skiprows=1, usecols=range(1, 29))`.
 */
import { readFileSync } from 'node:fs';
import { DataError } from '../errors.js';
import { NUM_CLASSES } from '../data/tables/labels.js';
import { writeFileAtomic } from '../io/text/writeFileAtomic.js';

/** The header line of a probability file. */
export const PROBABILITY_HEADER = ['Id', ...Array.from({ length: NUM_CLASSES }, (_, c) => String(c))].join(',');

/** Ids and row-major N×28 float32 probabilities. */
export interface ProbabilityTable {
  ids: string[];
  probs: Float32Array;
}

/** The shortest decimal text that reads back (rounded to float32) as the float32 value `v`. */
export function float32Repr(v: number): string {
  if (v === 0) return '0';
  for (let p = 6; p < 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) return trimZeros(s);
  }
  return trimZeros(v.toPrecision(9));
}

function trimZeros(s: string): string {
  const e = s.indexOf('e');
  const mant = e < 0 ? s : s.slice(0, e);
  const exp = e < 0 ? '' : s.slice(e);
  return (mant.includes('.') ? mant.replace(/0+$/, '').replace(/\.$/, '') : mant) + exp;
}

/** The text of a probability file. */
export function formatProbabilityFile(ids: readonly string[], probs: Float32Array): string {
  if (probs.length !== ids.length * NUM_CLASSES) {
    throw new DataError(`probability file: ${ids.length} ids but ${probs.length / NUM_CLASSES} rows of ${NUM_CLASSES} probabilities`);
  }
  const parts = [PROBABILITY_HEADER + '\n'];
  const row = new Array<string>(NUM_CLASSES + 1);
  for (let r = 0; r < ids.length; r++) {
    row[0] = ids[r];
    for (let c = 0; c < NUM_CLASSES; c++) row[c + 1] = float32Repr(probs[r * NUM_CLASSES + c]);
    parts.push(row.join(',') + '\n');
  }
  return parts.join('');
}

/** Write a probability file atomically. */
export function writeProbabilityFile(path: string, ids: readonly string[], probs: Float32Array): void {
  writeFileAtomic(path, formatProbabilityFile(ids, probs));
}

/** Whether a CSV header line is a probability file's (`Id,0,…,27`). */
export function isProbabilityHeader(headerLine: string): boolean {
  return headerLine.replace(/^\ufeff/, '').replace(/\r$/, '') === PROBABILITY_HEADER;
}

/**
 * Read a probability file.
 * @throws DataError naming the file and line of a wrong header, a short row or a value outside [0, 1]
 */
export function readProbabilityFile(path: string): ProbabilityTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new DataError(`cannot read probability file ${path}: ${(err as Error).message}`, { cause: err });
  }
  const lines = text.split('\n');
  if (!isProbabilityHeader(lines[0] ?? '')) {
    throw new DataError(`${path}: expected the probability header "Id,0,1,...,27" but found "${(lines[0] ?? '').slice(0, 80)}"`);
  }
  const ids: string[] = [];
  const values: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '');
    if (line.trim() === '') continue;
    const f = line.split(',');
    if (f.length !== NUM_CLASSES + 1) throw new DataError(`${path} line ${i + 1}: expected ${NUM_CLASSES + 1} fields (Id + ${NUM_CLASSES} probabilities) but found ${f.length}`);
    ids.push(f[0]);
    for (let c = 1; c <= NUM_CLASSES; c++) {
      const v = Number(f[c]);
      if (f[c] === '' || !(v >= 0 && v <= 1)) throw new DataError(`${path} line ${i + 1}, class ${c - 1}: expected a probability in [0, 1] but received "${f[c]}"`);
      values.push(v);
    }
  }
  return { ids, probs: Float32Array.from(values) };
}
