import { defineCommand, booleanArg, numberArg, requiredString, stringArg } from '../defineCommand.js';
import { UsageError } from '../../errors.js';
import { convertKaggle } from '../../data/ingest/convertKaggle.js';
import { HDF5_COMPRESSIONS, type Hdf5Compression } from '../../data/store/Hdf5Store.js';

function classList(s: string | undefined, flag: string): number[] | undefined {
  if (s === undefined) return undefined;
  const out = s.split(/[,\s]+/).filter(Boolean).map(Number);
  if (!out.length || out.some((c) => !Number.isInteger(c) || c < 0 || c > 27)) {
    throw new UsageError(`--${flag} expects class numbers 0-27 separated by commas but received "${s}"`);
  }
  return out;
}

export const command = defineCommand({
  name: 'convert',
  summary: 'Convert the Kaggle PNGs (folders or zips), optionally with HPAv18, to train.hdf5 + test.hdf5',
  examples: [
    'hpaic convert --src ../dataset --dest ../dataset',
    'hpaic convert --src ../dataset --dest data --hpav18 ../hpav18 --workers 2',
    'hpaic convert --src ../dataset --dest /tmp/small --num-images 100 --compression none',
    'hpaic convert --src ../full-size --dest data768 --size 768 --resize',
  ],
  options: {
    src: { type: 'string', description: 'folder with train.csv, sample_submission.csv and train/ + test/ (or train.zip, test.zip)' },
    dest: { type: 'string', description: 'output folder for train.hdf5, test.hdf5 and the CSVs' },
    hpav18: { type: 'string', description: 'HPAv18 PNGs to append: a folder holding HPAv18_train.csv, or the CSV (images next to it, in images/ or HPAv18_train.zip)' },
    size: { type: 'string', default: '512', description: 'image side of the store (e.g. 768 or 1024 for bestfitting\'s larger images)' },
    resize: { type: 'boolean', description: 'resize channel images of another size to --size (Pillow LANCZOS); without it they must already be --size' },
    workers: { type: 'string', default: '4', description: 'samples decoded and compressed at once (4 PNG decodes each)' },
    compression: { type: 'string', default: 'lzf', description: `HDF5 filter of the images: ${HDF5_COMPRESSIONS.join(', ')}` },
    'skip-bad': { type: 'boolean', description: 'leave out samples with bad images and list them in <dest>/skipped.csv' },
    'num-images': { type: 'string', description: 'keep only the first n rows of each source (testing aid)' },
    selection: { type: 'string', description: 'keep rows sharing at least one class with this list, e.g. 0,25' },
    'selection-hpav18': { type: 'string', description: 'the same for the HPAv18 rows (default: --selection)' },
    'checkpoint-every': { type: 'string', default: '64', description: 'samples between resumable checkpoints' },
    quiet: { type: 'boolean', short: 'q', description: 'no progress output' },
  },
  async run(args) {
    const compression = stringArg(args, 'compression') as Hdf5Compression;
    if (!HDF5_COMPRESSIONS.includes(compression)) throw new UsageError(`--compression expects one of ${HDF5_COMPRESSIONS.join(', ')} but received "${compression}"`);
    const quiet = booleanArg(args, 'quiet');
    const r = await convertKaggle({
      src: requiredString(args, 'src'),
      dest: requiredString(args, 'dest'),
      hpav18: stringArg(args, 'hpav18'),
      size: numberArg(args, 'size', { integer: true, min: 1 }),
      resize: booleanArg(args, 'resize'),
      workers: numberArg(args, 'workers', { integer: true, min: 1, max: 64 }),
      compression,
      skipBad: booleanArg(args, 'skip-bad'),
      numImages: numberArg(args, 'num-images', { integer: true, min: 1 }),
      selection: classList(stringArg(args, 'selection'), 'selection'),
      selectionHpav18: classList(stringArg(args, 'selection-hpav18'), 'selection-hpav18'),
      checkpointEvery: numberArg(args, 'checkpoint-every', { integer: true, min: 1 }),
      quiet,
      log: quiet ? undefined : (line) => console.log(line),
    });
    if (r.train) console.log(`train: ${r.train.rows} rows in ${r.train.path}; labels in ${r.train.csv}`);
    if (r.test) console.log(`test: ${r.test.rows} rows in ${r.test.path}`);
    if (r.skippedCsv) console.log(`skipped ${r.skipped.length} samples with bad input: see ${r.skippedCsv}`);
    const rate = r.seconds > 0 ? r.converted / r.seconds : 0;
    console.log(`converted ${r.converted} samples in ${r.seconds.toFixed(2)} s (${rate.toFixed(1)} samples/s)`);
    return 0;
  },
});
