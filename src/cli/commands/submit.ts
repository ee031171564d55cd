import { defineCommand, booleanArg, numberArg, stringArg } from '../defineCommand.js';
import { CONFIG_OPTIONS, configFromArgs } from '../configArgs.js';
import { NPROC_OPTION, runWithNproc } from '../nproc.js';
import { parseFillEmpty } from '../../predict/submissionFiles.js';
import { TTA_COMBINES, type TtaCombine } from '../../data/image/tta.js';
import { UsageError } from '../../errors.js';

export const command = defineCommand({
  name: 'submit',
  summary: 'predict the test set with every fold (with TTA) and write the seed\'s submission CSVs',
  examples: ['hpaic submit -c configs/ensemble/r18_512.json', 'hpaic submit -c configs/demo.json --no-tta --fill-empty none', 'hpaic submit -c configs/winners/bestfitting_densenet121_rgby.json --tta d8 --tta-combine max'],
  options: {
    ...CONFIG_OPTIONS,
    ...NPROC_OPTION,
    'no-tta': { type: 'boolean', description: 'disable test-time augmentation' },
    tta: { type: 'string', default: 'seed', description: '"seed" (the seed\'s 15 pipelines) or "d8" (the 7 rotations/flips of the dihedral group; bestfitting)' },
    'tta-combine': { type: 'string', default: 'logit-mean', description: '"logit-mean" (the seed: weighted mean of logits), "mean" (weighted mean of probabilities) or "max" (largest probability; bestfitting)' },
    'num-aug': { type: 'string', description: 'keep only the first N TTA pipelines (default: all 15)' },
    brightness: { type: 'string', default: '0.1', description: 'TTA brightness delta (0 disables)' },
    contrast: { type: 'string', default: '0', description: 'TTA contrast delta' },
    saturation: { type: 'string', default: '0', description: 'TTA saturation delta' },
    hue: { type: 'string', default: '0', description: 'TTA hue shift in [0, 0.5] (the seed crashed on any value; fixed)' },
    degrees: { type: 'string', default: '0', description: 'TTA rotation ± degrees' },
    'tta-weight': { type: 'string', default: '0.6', description: 'total weight of the TTA logits; the plain prediction gets 1 − w' },
    'fill-empty': { type: 'string', default: '25', description: 'class written into empty rows, or "none" to write no _fill files' },
  },
  async run(args) {
    const config = configFromArgs(args);
    const ttaSet = stringArg(args, 'tta') ?? 'seed';
    if (ttaSet !== 'seed' && ttaSet !== 'd8') throw new UsageError(`--tta expects "seed" or "d8" but received "${ttaSet}"`);
    const ttaCombine = stringArg(args, 'tta-combine') ?? 'logit-mean';
    if (!(TTA_COMBINES as readonly string[]).includes(ttaCombine)) throw new UsageError(`--tta-combine expects one of ${TTA_COMBINES.map((c) => `"${c}"`).join(', ')} but received "${ttaCombine}"`);
    const code = await runWithNproc(args);
    if (code !== null) return code;
    const { submit } = await import('../../predict/submit.js');
    await submit(config, {
      tta: !booleanArg(args, 'no-tta'),
      ttaSet,
      ttaCombine: ttaCombine as TtaCombine,
      numAug: numberArg(args, 'num-aug', { integer: true, min: 1 }),
      brightness: numberArg(args, 'brightness', { min: 0 }),
      contrast: numberArg(args, 'contrast', { min: 0 }),
      saturation: numberArg(args, 'saturation', { min: 0 }),
      hue: numberArg(args, 'hue', { min: 0, max: 0.5 }),
      degrees: numberArg(args, 'degrees', { min: 0 }),
      ttaWeight: numberArg(args, 'tta-weight', { min: 0, max: 1 }),
      fillEmpty: parseFillEmpty(stringArg(args, 'fill-empty'), '--fill-empty'),
      quiet: booleanArg(args, 'quiet'),
    });
  },
});
