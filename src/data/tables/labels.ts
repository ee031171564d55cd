import { DataError } from '../../errors.js';

/** The number of HPA classes; always the size of {@link CLASS_NAMES} (seed-spec §1.2). */
export const NUM_CLASSES = 28;

/** The 28 HPA protein-localisation classes, index → name (seed-spec §1.2). */
export const CLASS_NAMES: readonly string[] = Object.freeze([
  'Nucleoplasm',
  'Nuclear membrane',
  'Nucleoli',
  'Nucleoli fibrillar center',
  'Nuclear speckles',
  'Nuclear bodies',
  'Endoplasmic reticulum',
  'Golgi apparatus',
  'Peroxisomes',
  'Endosomes',
  'Lysosomes',
  'Intermediate filaments',
  'Actin filaments',
  'Focal adhesion sites',
  'Microtubules',
  'Microtubule ends',
  'Cytokinetic bridge',
  'Mitotic spindle',
  'Microtubule organizing center',
  'Centrosome',
  'Lipid droplets',
  'Plasma membrane',
  'Cell junctions',
  'Mitochondria',
  'Aggresome',
  'Cytosol',
  'Cytoplasmic bodies',
  'Rods & rings',
]);

export interface ParseTargetOptions {
  /** Accept an empty (or all-blank) field as "no label" (submissions, test truth). Default false. */
  allowEmpty?: boolean;
}

/**
 * Parse a `Target`/`Predicted` field ("16 0") into sorted, de-duplicated class indices.
 * Tokens are separated by whitespace (the seed writes single spaces; runs of spaces are tolerated).
 * `where` names the place for error messages, e.g. `train.csv line 12`.
 * @throws DataError for a non-integer token, a class outside 0..27, or an empty field when not allowed.
 */
export function parseTarget(s: string, where: string, opts: ParseTargetOptions = {}): number[] {
  const out: number[] = [];
  let i = 0;
  const n = s.length;
  while (i < n) {
    // Skip separators.
    while (i < n && isSpace(s.charCodeAt(i))) i++;
    if (i >= n) break;
    let j = i;
    let v = 0;
    let digits = true;
    while (j < n && !isSpace(s.charCodeAt(j))) {
      const c = s.charCodeAt(j);
      if (c < 48 || c > 57) digits = false;
      else v = v * 10 + (c - 48);
      j++;
    }
    if (!digits || j - i > 6) {
      const token = s.slice(i, j);
      throw new DataError(`${where}: expected a class index (an integer 0-${NUM_CLASSES - 1}) but received "${token}" in "${s}"`);
    }
    if (v >= NUM_CLASSES) {
      throw new DataError(`${where}: class ${v} is outside 0-${NUM_CLASSES - 1} in "${s}"`);
    }
    out.push(v);
    i = j;
  }
  if (out.length === 0 && !opts.allowEmpty) {
    throw new DataError(`${where}: expected at least one class index but the field is empty`);
  }
  out.sort((a, b) => a - b);
  // De-duplicate ("0 0" is one label).
  let w = 0;
  for (let k = 0; k < out.length; k++) if (k === 0 || out[k] !== out[k - 1]) out[w++] = out[k];
  out.length = w;
  return out;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 10;
}

/**
 * Set the class indices `classes` to 1 in row `row` of a row-major N×28 multi-hot matrix
 * (allocating a 28-element row when `into` is omitted). Returns the matrix.
 */
export function encodeMultiHot(classes: readonly number[], into?: Uint8Array, row = 0): Uint8Array {
  const m = into ?? new Uint8Array(NUM_CLASSES);
  const base = row * NUM_CLASSES;
  for (const c of classes) {
    if (!Number.isInteger(c) || c < 0 || c >= NUM_CLASSES) throw new DataError(`encodeMultiHot: class ${c} is outside 0-${NUM_CLASSES - 1}`);
    m[base + c] = 1;
  }
  return m;
}

/** The class indices set in row `row` of a row-major N×28 multi-hot matrix, ascending. */
export function decodeMultiHot(m: ArrayLike<number>, row = 0): number[] {
  const out: number[] = [];
  const base = row * NUM_CLASSES;
  for (let c = 0; c < NUM_CLASSES; c++) if (m[base + c]) out.push(c);
  return out;
}
