import { defineCommand, booleanArg, stringArg } from '../defineCommand.js';
import { UsageError } from '../../errors.js';
import { CONFIG_OPTIONS, configFromArgs } from '../configArgs.js';
import { NPROC_OPTION, runWithNproc } from '../nproc.js';

export const command = defineCommand({
  name: 'find-thresholds',
  summary: "search the best single and per-class decision thresholds on each fold's validation split → threshold.json",
  examples: ['hpaic find-thresholds -c configs/ensemble/r18_512.json', 'hpaic find-thresholds -c configs/ensemble/r18_512.json --nproc 2', 'hpaic find-thresholds -c configs/winners/bestfitting_densenet121_rgby.json --method label-ratio'],
  options: {
    ...CONFIG_OPTIONS,
    ...NPROC_OPTION,
    method: { type: 'string', default: 'search', description: '"search" (the seed\'s four kinds) or "label-ratio" (also label_ratio: per class the threshold giving the target share of positives, argmax always on; bestfitting)' },
    ratios: { type: 'string', description: 'label-ratio targets: a JSON list of 28 shares (default: each fold\'s training-split label ratios)' },
  },
  async run(args) {
    const config = configFromArgs(args);
    const method = stringArg(args, 'method') ?? 'search';
    if (method !== 'search' && method !== 'label-ratio') throw new UsageError(`--method expects "search" or "label-ratio" but received "${method}"`);
    const ratiosFile = stringArg(args, 'ratios');
    if (ratiosFile && method !== 'label-ratio') throw new UsageError('--ratios needs --method label-ratio');
    const code = await runWithNproc(args);
    if (code !== null) return code;
    const { findThresholds } = await import('../../predict/findThresholds.js');
    await findThresholds(config, { quiet: booleanArg(args, 'quiet'), method, ratiosFile });
  },
});
