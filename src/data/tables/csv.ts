import { readFileSync } from 'node:fs';
import { DataError } from '../../errors.js';
import { writeFileAtomic } from '../../io/text/writeFileAtomic.js';
import { checkSafeName } from '../../io/fs/safeName.js';
import { NUM_CLASSES, parseTarget } from './labels.js';

/** Ids and their labels as a row-major N×28 multi-hot matrix (row i belongs to `ids[i]`). */
export interface LabelTable {
  ids: string[];
  labels: Uint8Array;
}

export interface ReadLabelCsvOptions {
  /**
   * The label column. Default: `Target` when the header has it, otherwise `Predicted`.
   */
  column?: string;
  /** Accept empty label fields (submissions, test truth). Default false (training files). */
  allowEmpty?: boolean;
}

/**
 * Check an Id read from `file` at `line`: Ids become file names (`<Id>_red.png`), HDF5 names and CSV fields, so
 * each must follow the naming rule of docs/security.md (no separators, no `..`, no commas or quotes).
 * @throws DataError naming the file and line
 */
export function checkId(id: string, file: string, line: number): string {
  if (id === '') throw new DataError(`${file} line ${line}: empty Id`);
  return checkSafeName(id, `${file} line ${line}`, 'Id');
}

/**
 * Read an `Id,Target` label file or an `Id,Predicted` submission into ids + multi-hot labels.
 * Rows keep the file's order. CRLF line endings, a UTF-8 BOM, blank trailing lines and double-quoted fields are
 * tolerated; extra columns are ignored.
 * @throws DataError naming the file and line for a missing column, a bad class token, an empty field when not
 * allowed, a short row or a duplicate Id.
 */
export function readLabelCsv(path: string, opts: ReadLabelCsvOptions = {}): LabelTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new DataError(`cannot read label file ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseLabelCsv(text, path, opts);
}

/** Read a submission file (`Id,Predicted`, empty predictions allowed). */
export function readSubmission(path: string): LabelTable {
  return readLabelCsv(path, { column: 'Predicted', allowEmpty: true });
}

/** {@link readLabelCsv} on text already in memory; `file` names the source in error messages. */
export function parseLabelCsv(text: string, file: string, opts: ReadLabelCsvOptions = {}): LabelTable {
  const rows = csvRows(text, file);
  const header = rows.next();
  if (header.done) throw new DataError(`${file}: the file is empty; expected a header with Id and Target/Predicted columns`);
  const cols = header.value.fields;
  const idCol = cols.indexOf('Id');
  const column = opts.column ?? (cols.includes('Target') ? 'Target' : 'Predicted');
  const labelCol = cols.indexOf(column);
  if (idCol < 0 || labelCol < 0) {
    const missing = idCol < 0 ? 'Id' : opts.column ? column : 'Target (or Predicted)';
    throw new DataError(`${file}: missing column ${missing}; the header is "${cols.join(',')}"`);
  }
  const need = Math.max(idCol, labelCol) + 1;
  const ids: string[] = [];
  let labels = new Uint8Array(1024 * NUM_CLASSES);
  const seen = new Map<string, number>();
  for (const { fields, line } of rows) {
    if (fields.length < need) {
      throw new DataError(`${file} line ${line}: expected ${cols.length} fields (${cols.join(',')}) but found ${fields.length}`);
    }
    const id = checkId(fields[idCol], file, line);
    const prev = seen.get(id);
    if (prev !== undefined) throw new DataError(`${file} line ${line}: duplicate Id "${id}" (first seen on line ${prev})`);
    seen.set(id, line);
    const classes = parseTarget(fields[labelCol], `${file} line ${line} column ${column}`, { allowEmpty: opts.allowEmpty });
    const r = ids.length;
    if ((r + 1) * NUM_CLASSES > labels.length) {
      const grown = new Uint8Array(labels.length * 2);
      grown.set(labels);
      labels = grown;
    }
    for (const c of classes) labels[r * NUM_CLASSES + c] = 1;
    ids.push(id);
  }
  return { ids, labels: labels.slice(0, ids.length * NUM_CLASSES) };
}

export interface ReadCsvColumnOptions {
  /**
   * Treat the values as sample Ids: non-empty, unique, and following the naming rule ({@link checkId}).
   * Default: true for the `Id` column.
   */
  ids?: boolean;
}

/**
 * Read one column (default `Id`) of a CSV, e.g. the test ids of `sample_submission.csv`.
 * @throws DataError when the column is missing, a row is short, or (Ids) an Id is empty, repeated or unsafe.
 */
export function readCsvColumn(path: string, column = 'Id', opts: ReadCsvColumnOptions = {}): string[] {
  const asIds = opts.ids ?? column === 'Id';
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new DataError(`cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  const rows = csvRows(text, path);
  const header = rows.next();
  if (header.done) throw new DataError(`${path}: the file is empty; expected a header with a ${column} column`);
  const col = header.value.fields.indexOf(column);
  if (col < 0) throw new DataError(`${path}: missing column ${column}; the header is "${header.value.fields.join(',')}"`);
  const out: string[] = [];
  const seen = new Map<string, number>();
  for (const { fields, line } of rows) {
    if (fields.length <= col) throw new DataError(`${path} line ${line}: expected a ${column} field but found ${fields.length} fields`);
    const v = fields[col];
    if (asIds) {
      checkId(v, path, line);
      const prev = seen.get(v);
      if (prev !== undefined) throw new DataError(`${path} line ${line}: duplicate Id "${v}" (first seen on line ${prev})`);
      seen.set(v, line);
    }
    out.push(v);
  }
  return out;
}

/** Rows of a simple CSV (no embedded newlines), 1-based line numbers, blank lines skipped. */
function* csvRows(text: string, file: string): Generator<{ fields: string[]; line: number }> {
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 0;
  const n = text.length;
  while (pos < n) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = n;
    line++;
    let stop = end;
    if (stop > pos && text.charCodeAt(stop - 1) === 13) stop--;
    const raw = text.slice(pos, stop);
    pos = end + 1;
    if (raw.trim() === '') continue;
    yield { fields: splitCsvLine(raw, file, line), line };
  }
}

function splitCsvLine(raw: string, file: string, line: number): string[] {
  if (!raw.includes('"')) return raw.split(',');
  const out: string[] = [];
  let i = 0;
  while (i <= raw.length) {
    if (raw[i] === '"') {
      let s = '';
      i++;
      for (;;) {
        const q = raw.indexOf('"', i);
        if (q < 0) throw new DataError(`${file} line ${line}: unterminated quoted field`);
        s += raw.slice(i, q);
        if (raw[q + 1] === '"') {
          s += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      out.push(s);
      if (i < raw.length && raw[i] !== ',') throw new DataError(`${file} line ${line}: expected "," after a quoted field`);
      i++;
    } else {
      let c = raw.indexOf(',', i);
      if (c < 0) c = raw.length;
      out.push(raw.slice(i, c));
      i = c + 1;
    }
  }
  return out;
}

/**
 * Rows with no positive class get class `cls` (the seed's `--fill-empty`, default 25 = Cytosol); rows that
 * already have predictions are unchanged. Returns a new matrix; the input is not modified.
 * @throws DataError when `cls` is not an integer in 0..27.
 */
export function fillEmpty(multiHot: Uint8Array, cls: number): Uint8Array {
  if (!Number.isInteger(cls) || cls < 0 || cls >= NUM_CLASSES) {
    throw new DataError(`fill-empty class must be an integer in 0-${NUM_CLASSES - 1} but received ${cls}`);
  }
  checkShape(multiHot, 'fillEmpty');
  const out = multiHot.slice();
  const n = out.length / NUM_CLASSES;
  for (let r = 0; r < n; r++) {
    let any = false;
    for (let c = 0; c < NUM_CLASSES; c++) if (out[r * NUM_CLASSES + c]) { any = true; break; }
    if (!any) out[r * NUM_CLASSES + cls] = 1;
  }
  return out;
}

export interface WriteSubmissionOptions {
  /** Apply {@link fillEmpty} with this class before writing; null/undefined writes empty rows as empty fields. */
  fillEmpty?: number | null;
}

/** The text of a submission: header `Id,Predicted`, one row per id, ascending space-separated class indices. */
export function formatSubmission(ids: readonly string[], multiHot: Uint8Array, opts: WriteSubmissionOptions = {}): string {
  checkShape(multiHot, 'writeSubmission');
  if (multiHot.length !== ids.length * NUM_CLASSES) {
    throw new DataError(`writeSubmission: ${ids.length} ids but ${multiHot.length / NUM_CLASSES} prediction rows`);
  }
  const m = opts.fillEmpty === undefined || opts.fillEmpty === null ? multiHot : fillEmpty(multiHot, opts.fillEmpty);
  const parts: string[] = ['Id,Predicted\n'];
  const cls: number[] = [];
  for (let r = 0; r < ids.length; r++) {
    cls.length = 0;
    for (let c = 0; c < NUM_CLASSES; c++) if (m[r * NUM_CLASSES + c]) cls.push(c);
    parts.push(`${ids[r]},${cls.join(' ')}\n`);
  }
  return parts.join('');
}

/** Write a submission CSV exactly as the seed does (seed-spec §12), atomically. */
export function writeSubmission(path: string, ids: readonly string[], multiHot: Uint8Array, opts: WriteSubmissionOptions = {}): void {
  writeFileAtomic(path, formatSubmission(ids, multiHot, opts));
}

function checkShape(m: Uint8Array, what: string): void {
  if (m.length % NUM_CLASSES !== 0) throw new DataError(`${what}: expected an N×${NUM_CLASSES} multi-hot matrix but its length ${m.length} is not a multiple of ${NUM_CLASSES}`);
}
