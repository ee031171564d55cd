import { defineCommand, booleanArg, numberArg, requiredString, stringArg } from '../defineCommand.js';
import { parseOverride } from '../../config/loadConfig.js';
import { UsageError } from '../../errors.js';
import { parseFillEmpty } from '../../predict/submissionFiles.js';

export const command = defineCommand({
  name: 'predict',
  summary: 'predict new images (Kaggle PNG / HPAv18 JPEG / 16-bit PNG or TIFF channels, RGB composites) with a trained run',
  positionals: ['images…'],
  examples: [
    'hpaic predict --run checkpoint/r18_512 --images new_images/ --out predictions.csv',
    'hpaic predict --run checkpoint/r18_512 --images a_red.png a_green.png a_blue.png a_yellow.png --no-tta --json',
    'hpaic predict --run checkpoint/r18_512 --images hpa/ --folds 1,3 --threshold 0.3 --fill-empty 25 --device cuda',
  ],
  options: {
    run: { type: 'string', description: 'the run folder (checkpoint/<name>, with config.resolved.json and fold_<k>/model.pth)' },
    images: { type: 'string', multiple: true, description: 'a folder of images or image files (repeatable; more may follow as positionals)' },
    out: { type: 'string', description: 'output file (CSV, or JSON with --json); default: stdout' },
    json: { type: 'boolean', description: 'write one JSON document instead of the CSV' },
    folds: { type: 'string', description: 'folds to ensemble, e.g. 1,3 (default: all)' },
    threshold: { type: 'string', default: 'class_best', description: 'a threshold.json kind (class_best, single_best, lb, default) or a number' },
    'fill-empty': { type: 'string', default: 'none', description: 'class written into rows with no prediction, or "none"' },
    'no-tta': { type: 'boolean', description: 'disable test-time augmentation' },
    'num-aug': { type: 'string', description: 'keep only the first N TTA pipelines (default: all 15)' },
    'tta-weight': { type: 'string', default: '0.6', description: 'total weight of the TTA logits' },
    brightness: { type: 'string', default: '0.1', description: 'TTA brightness delta (as hpaic submit)' },
    'store-size': { type: 'string', default: '512', description: 'side of the stored images the run was trained from; other sizes are Lanczos-resized to it' },
    depth16: { type: 'string', default: 'range', description: '16-bit channels to 8-bit: range (v·255/65535) or max (v·255/image max)' },
    device: { type: 'string', description: 'override the run\'s device (cpu, cuda, cuda:1, auto)' },
    precision: { type: 'string', description: 'override the run\'s precision (fp32, bf16, fp16)' },
    set: { type: 'string', multiple: true, description: 'override another config key, e.g. --set dataloader.batch_size=8' },
    quiet: { type: 'boolean', short: 'q', description: 'no progress bars' },
  },
  async run(args) {
    const { loadRunConfig } = await import('../../run/loadRunConfig.js');
    const { predictImages } = await import('../../predict/predictImages.js');
    const { formatPredictionCsv, formatPredictionJson } = await import('../../predict/predictionFile.js');
    const { writeFileAtomic } = await import('../../io/text/writeFileAtomic.js');
    const overrides: Record<string, unknown> = {};
    for (const s of (args.values.set as string[] | undefined) ?? []) {
      const [k, v] = parseOverride(s);
      overrides[k] = v;
    }
    const device = stringArg(args, 'device');
    if (device) overrides.device = device;
    const precision = stringArg(args, 'precision');
    if (precision) overrides.precision = precision;
    const config = loadRunConfig(requiredString(args, 'run'), overrides);
    const images = [...((args.values.images as string[] | undefined) ?? []), ...args.positionals];
    if (images.length === 0) throw new UsageError('missing --images: give a folder of images or image files');
    const foldsText = stringArg(args, 'folds');
    const folds = foldsText?.split(',').map((s) => {
      if (!/^\d+$/.test(s.trim()) || Number(s) < 1) throw new UsageError(`--folds expects fold numbers such as 1,3 but received "${foldsText}"`);
      return Number(s);
    });
    const depth16 = stringArg(args, 'depth16');
    if (depth16 !== 'range' && depth16 !== 'max') throw new UsageError(`--depth16 expects range or max but received "${depth16}"`);
    const result = await predictImages(config, {
      images,
      folds,
      threshold: stringArg(args, 'threshold'),
      fillEmpty: parseFillEmpty(stringArg(args, 'fill-empty'), '--fill-empty'),
      tta: !booleanArg(args, 'no-tta'),
      numAug: numberArg(args, 'num-aug', { integer: true, min: 1 }),
      ttaWeight: numberArg(args, 'tta-weight', { min: 0, max: 1 }),
      brightness: numberArg(args, 'brightness', { min: 0 }),
      storeSize: numberArg(args, 'store-size', { integer: true, min: 1 }),
      depth16,
      quiet: booleanArg(args, 'quiet'),
    });
    const text = booleanArg(args, 'json') ? formatPredictionJson(result) : formatPredictionCsv(result);
    const out = stringArg(args, 'out');
    if (out) writeFileAtomic(out, text);
    else process.stdout.write(text);
    const skipped = result.problems.length ? `, ${result.problems.length} skipped (see above)` : '';
    process.stderr.write(`hpaic predict: ${result.ids.length} sample(s) predicted${skipped}${out ? ` → ${out}` : ''}\n`);
    return result.ids.length === 0 ? 1 : 0;
  },
});
