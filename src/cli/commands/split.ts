import { defineCommand, numberArg, requiredString } from '../defineCommand.js';
import { UsageError } from '../../errors.js';
import { readLabelCsv } from '../../data/tables/csv.js';
import { concatLabelTables } from '../../data/tables/concatLabelTables.js';
import { assignFolds, formatFoldCsv } from '../../data/tables/foldAssignment.js';
import { writeFileAtomic } from '../../io/text/writeFileAtomic.js';

export const command = defineCommand({
  name: 'split',
  summary: "Split a labels CSV into the seed's iterative-stratified folds (or a train/validation split) and write Id,fold",
  examples: [
    'hpaic split --csv ../dataset/train.csv --folds 5 --seed 92 --out folds.csv',
    'hpaic split --csv ../dataset/train.csv --folds 1 --val-size 0.15 --out val_split.csv',
    'hpaic split --csv train.csv --csv HPAv18_train.csv --folds 5 --out folds.csv',
  ],
  options: {
    csv: { type: 'string', multiple: true, description: 'Id,Target file; repeat to concatenate several (e.g. Kaggle + HPAv18)' },
    folds: { type: 'string', default: '5', description: 'number of folds k >= 2, or 1 for a single train/validation split' },
    'val-size': { type: 'string', description: 'validation fraction (0-1) or count, with --folds 1' },
    seed: { type: 'string', default: '92', description: "random_state of the split (the seed's configs use 92)" },
    out: { type: 'string', description: 'output CSV: Id,fold with folds 1..k, or 1 = validation / 0 = training' },
  },
  async run(args) {
    const csvs = (args.values.csv as string[] | undefined) ?? [];
    if (csvs.length === 0) throw new UsageError('missing required option --csv');
    const out = requiredString(args, 'out');
    const folds = numberArg(args, 'folds', { integer: true, min: 1 }) as number;
    const valSize = numberArg(args, 'val-size', { min: 0 });
    const seed = numberArg(args, 'seed', { integer: true, min: 0, max: 2 ** 32 - 1 });
    if (folds === 1 && valSize === undefined) throw new UsageError('--folds 1 needs --val-size (e.g. 0.15)');
    if (folds > 1 && valSize !== undefined) throw new UsageError('--val-size applies only with --folds 1');
    const table = concatLabelTables(csvs.map((p) => ({ path: p, table: readLabelCsv(p) })));
    const t0 = performance.now();
    const a = assignFolds(table.labels, { folds, valSize, seed });
    const ms = performance.now() - t0;
    writeFileAtomic(out, formatFoldCsv(table.ids, a.fold));
    const what = a.mode === 'kfold' ? `${folds} folds` : `train/validation split (val-size ${valSize})`;
    console.log(`${out}: ${table.ids.length} rows, ${what}, seed ${seed} (${ms.toFixed(0)} ms)`);
    a.foldValues.forEach((v, p) => {
      const label = a.mode === 'kfold' ? `fold ${v}` : v === 1 ? 'validation (1)' : 'training (0)';
      console.log(`  ${label.padEnd(15)} ${String(a.sizes[p]).padStart(7)} rows`);
    });
    const d = a.maxDeviation;
    const sign = d.deviation >= 0 ? '+' : '';
    console.log(`largest per-class deviation: fold ${d.fold}, class ${d.class} (${d.className}): ${d.count} labels vs ${d.expected.toFixed(2)} expected (${sign}${d.deviation.toFixed(2)})`);
    return 0;
  },
});
