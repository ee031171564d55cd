// Times a 5-fold iterstrat split (seed 92) of the real Kaggle train.csv and of train.csv + HPAv18_train.csv.
// Targets (issue 3): < 2 s for 31,072 rows, < 10 s for 105,678 rows. Run: npm run bench:split
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readLabelCsv } from '../src/data/tables/csv.js';
import { concatLabelTables } from '../src/data/tables/concatLabelTables.js';
import { multilabelStratifiedKFold, multilabelStratifiedShuffleSplit } from '../src/data/tables/folds.js';
import { NUM_CLASSES } from '../src/data/tables/labels.js';

const data = resolve(fileURLToPath(new URL('../..', import.meta.url)), 'shared', 'data');
const kaggle = join(data, 'kaggle', 'train.csv');
const hpav18 = join(data, 'hpav18', 'HPAv18_train.csv');
if (!existsSync(kaggle)) {
  console.log(`skipped: ${kaggle} is absent (needs ../shared/data)`);
  process.exit(0);
}

function time<T>(fn: () => T): { value: T; ms: number } {
  const t0 = performance.now();
  const value = fn();
  return { value, ms: performance.now() - t0 };
}

const sets: { name: string; paths: string[] }[] = [{ name: 'train.csv', paths: [kaggle] }];
if (existsSync(hpav18)) sets.push({ name: 'train.csv + HPAv18', paths: [kaggle, hpav18] });
for (const s of sets) {
  const read = time(() => concatLabelTables(s.paths.map((p) => ({ path: p, table: readLabelCsv(p) }))));
  const n = read.value.ids.length;
  const kfold = [0, 1, 2].map(() => time(() => multilabelStratifiedKFold(read.value.labels, NUM_CLASSES, 5, { randomState: 92 })).ms);
  const val = time(() => multilabelStratifiedShuffleSplit(read.value.labels, NUM_CLASSES, { testSize: 0.15, randomState: 92 })).ms;
  const fmt = (ms: number) => `${(ms / 1000).toFixed(3)} s`;
  console.log(`${s.name}: ${n} rows | read ${fmt(read.ms)} | 5-fold split ${kfold.map(fmt).join(', ')} (best ${fmt(Math.min(...kfold))}) | read + split ${fmt(read.ms + kfold[0])} | val-size 0.15 split ${fmt(val)}`);
}
