import { DataError } from '../../errors.js';
import type { LabelTable } from './csv.js';

/**
 * Concatenate label tables in order (e.g. Kaggle train.csv then HPAv18_train.csv, as the seed's merged CSV).
 * @throws DataError naming both files when an Id appears twice.
 */
export function concatLabelTables(parts: readonly { path: string; table: LabelTable }[]): LabelTable {
  if (parts.length === 1) return parts[0].table;
  const seen = new Map<string, string>();
  const ids: string[] = [];
  const total = parts.reduce((s, p) => s + p.table.labels.length, 0);
  const labels = new Uint8Array(total);
  let off = 0;
  for (const { path, table } of parts) {
    for (const id of table.ids) {
      const prev = seen.get(id);
      if (prev !== undefined) throw new DataError(`duplicate Id "${id}" in ${path} (already in ${prev})`);
      seen.set(id, path);
      ids.push(id);
    }
    labels.set(table.labels, off);
    off += table.labels.length;
  }
  return { ids, labels };
}
