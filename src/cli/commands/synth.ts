import { defineCommand, numberArg, stringArg, booleanArg } from '../defineCommand.js';
import { UsageError } from '../../errors.js';
import { generateSynthDataset, SYNTH_DEFAULTS } from '../../synth/generateSynthDataset.js';
import { writeContactSheet } from '../../synth/contactSheet.js';
import { MAX_MIN_CLASS_FRAC } from '../../synth/LabelSampler.js';

export const command = defineCommand({
  name: 'synth',
  summary: 'Generate a synthetic HPA-like dataset in the Kaggle layout (deterministic for a seed)',
  examples: [
    'hpaic synth --out data/synth',
    'hpaic synth --out data/synth-big --train 10000 --test 2000 --size 256 --seed 7',
    'hpaic synth --contact-sheet docs/images/synth-contact-sheet.png',
  ],
  options: {
    out: { type: 'string', short: 'o', description: 'output folder: train/, test/, train.csv, sample_submission.csv, test_truth.csv' },
    train: { type: 'string', default: String(SYNTH_DEFAULTS.train), description: 'number of training samples' },
    test: { type: 'string', default: String(SYNTH_DEFAULTS.test), description: 'number of test samples' },
    size: { type: 'string', default: String(SYNTH_DEFAULTS.size), description: 'image side in pixels' },
    seed: { type: 'string', default: String(SYNTH_DEFAULTS.seed), description: 'random seed (same seed, same bytes)' },
    'min-class-frac': {
      type: 'string',
      default: String(SYNTH_DEFAULTS.minClassFrac),
      description: `floor on each class's frequency per sample, so rare classes appear (0..${MAX_MIN_CLASS_FRAC}; 0 = real statistics)`,
    },
    zoom: { type: 'string', default: '1', description: 'field-of-view magnification in [1, 4]: bigger, fewer cells (for small --size)' },
    workers: { type: 'string', description: 'worker threads (default: the number of cores, at most 8)' },
    'contact-sheet': { type: 'string', description: 'also write a PNG grid with one example per class to this path' },
    quiet: { type: 'boolean', short: 'q', description: 'no progress bar' },
  },
  async run(args) {
    const out = stringArg(args, 'out');
    const sheet = stringArg(args, 'contact-sheet');
    if (!out && !sheet) throw new UsageError('missing required option --out (or --contact-sheet)');
    const size = numberArg(args, 'size', { integer: true, min: 32, max: 4096 }) as number;
    const seed = numberArg(args, 'seed', { integer: true, min: 0, max: 2 ** 31 - 1 }) as number;
    if (out) {
      const r = await generateSynthDataset({
        out,
        train: numberArg(args, 'train', { integer: true, min: 0 }),
        test: numberArg(args, 'test', { integer: true, min: 0 }),
        size,
        seed,
        minClassFrac: numberArg(args, 'min-class-frac', { min: 0, max: MAX_MIN_CLASS_FRAC }),
        zoom: numberArg(args, 'zoom', { min: 1, max: 4 }),
        workers: numberArg(args, 'workers', { integer: true, min: 0, max: 64 }),
        quiet: booleanArg(args, 'quiet'),
      });
      console.log(`wrote ${r.train} train + ${r.test} test samples of ${r.size}x${r.size} to ${r.out} in ${r.seconds.toFixed(1)} s (${r.workers} workers)`);
    }
    if (sheet) {
      await writeContactSheet(sheet, { seed, size: Math.min(size, 256) });
      console.log(`wrote contact sheet ${sheet}`);
    }
  },
});
