import { defineCommand, booleanArg, numberArg, requiredString, stringArg } from '../defineCommand.js';
import { UsageError } from '../../errors.js';
import { downloadHpav18, HPAV18_BASE_URL } from '../../data/ingest/downloadHpav18.js';

export const command = defineCommand({
  name: 'download-hpav18',
  summary: 'Download the HPAv18 external images as grey <Id>_<color>.png files (retries, resume, failure report)',
  examples: [
    'hpaic download-hpav18 --csv ../shared/data/hpav18/HPAv18_train.csv --out ../hpav18',
    'hpaic download-hpav18 --csv HPAv18_train.csv --out hpav18 --concurrency 32 --mode channel',
  ],
  options: {
    csv: { type: 'string', description: 'the HPAv18 label file (Id column)' },
    out: { type: 'string', description: 'output folder for <Id>_<color>.png and failed.csv' },
    'base-url': { type: 'string', default: HPAV18_BASE_URL, description: 'where the JPEGs are: <base-url>/<dir>/<rest>_<color>.jpg' },
    concurrency: { type: 'string', default: '16', description: 'requests in flight' },
    size: { type: 'string', default: '512', description: 'output side in pixels' },
    mode: { type: 'string', default: 'luma', description: 'luma (the seed: Lanczos resize, then ITU-R 601-2 luma) or channel (the named colour)' },
    retries: { type: 'string', default: '5', description: 'retries per file after the first attempt' },
    timeout: { type: 'string', default: '60', description: 'per-request timeout in seconds' },
    'num-ids': { type: 'string', description: 'only the first n Ids (testing aid)' },
    quiet: { type: 'boolean', short: 'q', description: 'no progress output' },
  },
  async run(args) {
    const mode = stringArg(args, 'mode');
    if (mode !== 'luma' && mode !== 'channel') throw new UsageError(`--mode expects luma or channel but received "${mode}"`);
    const r = await downloadHpav18({
      csv: requiredString(args, 'csv'),
      out: requiredString(args, 'out'),
      baseUrl: stringArg(args, 'base-url'),
      concurrency: numberArg(args, 'concurrency', { integer: true, min: 1, max: 1024 }),
      size: numberArg(args, 'size', { integer: true, min: 1 }),
      mode,
      retries: numberArg(args, 'retries', { integer: true, min: 0 }),
      timeoutMs: (numberArg(args, 'timeout', { min: 0.001 }) ?? 60) * 1000,
      backoffMs: process.env.HPAIC_BACKOFF_MS ? Number(process.env.HPAIC_BACKOFF_MS) : undefined,
      numIds: numberArg(args, 'num-ids', { integer: true, min: 1 }),
      quiet: booleanArg(args, 'quiet'),
    });
    console.log(`${r.downloaded} downloaded, ${r.present} already present, ${r.failed.length} failed of ${r.total} files in ${r.seconds.toFixed(1)} s`);
    if (r.failedCsv) {
      console.error(`hpaic download-hpav18: ${r.failed.length} files failed; see ${r.failedCsv} (rerun to retry them)`);
      return 1;
    }
    return 0;
  },
});
