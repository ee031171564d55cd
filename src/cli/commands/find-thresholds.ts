import { defineCommand, booleanArg } from '../defineCommand.js';
import { CONFIG_OPTIONS, configFromArgs } from '../configArgs.js';
import { NPROC_OPTION, runWithNproc } from '../nproc.js';

export const command = defineCommand({
  name: 'find-thresholds',
  summary: "search the best single and per-class decision thresholds on each fold's validation split → threshold.json",
  examples: ['hpaic find-thresholds -c configs/ensemble/r18_512.json', 'hpaic find-thresholds -c configs/ensemble/r18_512.json --nproc 2'],
  options: { ...CONFIG_OPTIONS, ...NPROC_OPTION },
  async run(args) {
    const config = configFromArgs(args);
    const code = await runWithNproc(args);
    if (code !== null) return code;
    const { findThresholds } = await import('../../predict/findThresholds.js');
    await findThresholds(config, { quiet: booleanArg(args, 'quiet') });
  },
});
