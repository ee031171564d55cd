import { defineCommand, booleanArg, numberArg, requiredString, stringArg } from '../defineCommand.js';

export const command = defineCommand({
  name: 'dedupe',
  summary: 'find HPAv18 images that duplicate Kaggle ones (pHash of R, G, B; bestfitting) → pairs CSV + a filtered HPAv18 label file',
  examples: ['hpaic dedupe --kaggle ../dataset --hpav18 ../hpav18', 'hpaic convert --src ../dataset --dest data --hpav18 ../hpav18/HPAv18_train_dedup.csv'],
  options: {
    kaggle: { type: 'string', description: 'the Kaggle folder (train.csv and train/ or train.zip)' },
    hpav18: { type: 'string', description: 'the HPAv18 folder (HPAv18_train.csv and its PNGs) or the CSV' },
    out: { type: 'string', description: 'output folder (default: the HPAv18 folder, so that convert finds the images next to the filtered CSV)' },
    threshold: { type: 'string', default: '12', description: 'largest Hamming distance of a match, in each of R, G and B' },
    workers: { type: 'string', default: '4', description: 'images decoded at once' },
    quiet: { type: 'boolean', short: 'q', description: 'no progress output' },
  },
  async run(args) {
    const { dedupeHpav18 } = await import('../../data/ingest/dedupeHpav18.js');
    const r = await dedupeHpav18({
      kaggle: requiredString(args, 'kaggle'),
      hpav18: requiredString(args, 'hpav18'),
      out: stringArg(args, 'out'),
      threshold: numberArg(args, 'threshold', { integer: true, min: 0, max: 64 }),
      workers: numberArg(args, 'workers', { integer: true, min: 1, max: 64 }),
      quiet: booleanArg(args, 'quiet'),
    });
    console.log(`${r.pairs.length} duplicate pair(s) in ${r.duplicatesCsv}`);
    console.log(`${r.kept} HPAv18 rows kept, ${r.removed} removed: ${r.labelsCsv}`);
    return 0;
  },
});
