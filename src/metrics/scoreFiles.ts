import { DataError } from '../errors.js';
import { readLabelCsv } from '../data/tables/csv.js';
import { NUM_CLASSES } from '../data/tables/labels.js';
import { scoreMultiLabel } from './f1.js';
import type { ScoreReport } from './f1.js';

/** How many missing ids an id-mismatch error lists. */
const LIST_IDS = 5;

/**
 * Score a submission against a truth file (`hpaic score`): both are `Id,Target`/`Id,Predicted` CSVs, empty label
 * fields allowed in both; rows are matched by Id in any order; the two id sets must be equal.
 * @throws DataError listing the first ids missing from either file.
 */
export function scoreFiles(truthPath: string, predPath: string, opts: { zeroDivision?: 0 | 1 } = {}): ScoreReport & { rows: number } {
  const truth = readLabelCsv(truthPath, { allowEmpty: true });
  const pred = readLabelCsv(predPath, { allowEmpty: true });
  // An F1 of nothing is not 0: a header-only file is a mistake (the wrong file, an interrupted write).
  for (const [path, t] of [[truthPath, truth], [predPath, pred]] as const) {
    if (t.ids.length === 0) throw new DataError(`${path}: no rows after the header; there is nothing to score`);
  }
  const predRow = new Map<string, number>();
  pred.ids.forEach((id, i) => predRow.set(id, i));
  const missingInPred = truth.ids.filter((id) => !predRow.has(id));
  const truthIds = new Set(truth.ids);
  const extraInPred = pred.ids.filter((id) => !truthIds.has(id));
  if (missingInPred.length || extraInPred.length) {
    const parts: string[] = [];
    const list = (ids: string[]) => ids.slice(0, LIST_IDS).join(', ') + (ids.length > LIST_IDS ? `, … (${ids.length} in all)` : '');
    if (missingInPred.length) parts.push(`${missingInPred.length} ids of ${truthPath} are missing from ${predPath}: ${list(missingInPred)}`);
    if (extraInPred.length) parts.push(`${extraInPred.length} ids of ${predPath} are missing from ${truthPath}: ${list(extraInPred)}`);
    throw new DataError(`the ids of the truth and prediction files differ: ${parts.join('; ')}`);
  }
  // Reorder predictions into the truth's row order.
  const aligned = new Uint8Array(truth.labels.length);
  truth.ids.forEach((id, i) => {
    const j = predRow.get(id) as number;
    aligned.set(pred.labels.subarray(j * NUM_CLASSES, (j + 1) * NUM_CLASSES), i * NUM_CLASSES);
  });
  return { ...scoreMultiLabel(truth.labels, aligned, opts), rows: truth.ids.length };
}
