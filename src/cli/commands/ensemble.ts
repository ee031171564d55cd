import { defineCommand, requiredString, stringArg } from '../defineCommand.js';
import { UsageError } from '../../errors.js';
import { NUM_CLASSES } from '../../data/tables/labels.js';
import { ensembleCsv, type EnsembleMode } from '../../predict/ensembleCsv.js';
import { parseFillEmpty } from '../../predict/submissionFiles.js';

export const command = defineCommand({
  name: 'ensemble',
  summary: 'Ensemble the submission CSVs of a folder by strict-majority vote (or average saved probabilities)',
  examples: [
    'hpaic ensemble -d final/                      # final/ensemble.csv + final/ensemble_fill25.csv',
    'hpaic ensemble -d final/ --fill-empty none --out final/vote.csv',
    'hpaic ensemble -d checkpoint/r34/submission --mode mean-prob --threshold 0.3',
  ],
  options: {
    dir: { type: 'string', short: 'd', description: 'folder with the CSVs to ensemble (files named ensemble* are ignored)' },
    mode: { type: 'string', default: 'vote', description: 'vote: strict majority of Id,Predicted CSVs; mean-prob: mean of *_probs.csv probability files' },
    'fill-empty': { type: 'string', default: '25', description: 'class written into rows with no prediction (second output file), or "none"' },
    out: { type: 'string', description: 'path of the ensemble CSV (default <dir>/ensemble.csv); the fill file goes beside it' },
    threshold: { type: 'string', description: 'mean-prob: predict when the mean probability > this (one value, or 28 comma-separated) (default: 0.5)' },
  },
  async run(args) {
    const mode = stringArg(args, 'mode') as EnsembleMode;
    if (mode !== 'vote' && mode !== 'mean-prob') throw new UsageError(`--mode expects "vote" or "mean-prob" but received "${mode}"`);
    const t = stringArg(args, 'threshold');
    if (t !== undefined && mode !== 'mean-prob') throw new UsageError('--threshold applies only to --mode mean-prob');
    const r = ensembleCsv({
      dir: requiredString(args, 'dir'),
      mode,
      fillEmpty: parseFillEmpty(stringArg(args, 'fill-empty')),
      out: stringArg(args, 'out'),
      threshold: t === undefined ? undefined : parseThreshold(t),
      log: (line) => console.log(line),
    });
    console.log(`${r.inputs.length} inputs, ${r.rows} rows`);
    return 0;
  },
});

function parseThreshold(s: string): number | number[] {
  const parts = s.split(',').map((p) => p.trim());
  const vals = parts.map(Number);
  if ((parts.length !== 1 && parts.length !== NUM_CLASSES) || parts.some((p) => p === '') || vals.some((v) => !Number.isFinite(v))) {
    throw new UsageError(`--threshold expects one number or ${NUM_CLASSES} comma-separated numbers but received "${s}"`);
  }
  return vals.length === 1 ? vals[0] : vals;
}
