import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readLabelCsv } from '../data/tables/csv.js';
import { NUM_CLASSES } from '../data/tables/labels.js';

/** True labels by sample id from `--data`'s train.csv (and test_truth.csv when present, as the demo writes). */
export class DatasetLabels {
  private readonly byId = new Map<string, Uint8Array>();

  constructor(dataRoot: string) {
    for (const file of ['train.csv', 'test_truth.csv']) {
      const path = join(dataRoot, file);
      if (!existsSync(path)) continue;
      const t = readLabelCsv(path);
      t.ids.forEach((id, i) => this.byId.set(id, t.labels.subarray(i * NUM_CLASSES, (i + 1) * NUM_CLASSES)));
    }
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  classes(id: string): number[] | null {
    const row = this.byId.get(id);
    if (!row) return null;
    const out: number[] = [];
    row.forEach((v, c) => v && out.push(c));
    return out;
  }

  /** N × 28 multi-hot rows for `ids` (unknown ids: all zero). */
  multiHot(ids: readonly string[]): Uint8Array {
    const out = new Uint8Array(ids.length * NUM_CLASSES);
    ids.forEach((id, i) => {
      const row = this.byId.get(id);
      if (row) out.set(row, i * NUM_CLASSES);
    });
    return out;
  }
}
