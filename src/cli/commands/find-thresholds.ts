import { defineCommand, booleanArg } from '../defineCommand.js';
import { CONFIG_OPTIONS, configFromArgs } from '../configArgs.js';

export const command = defineCommand({
  name: 'find-thresholds',
  summary: "search the best single and per-class decision thresholds on each fold's validation split → threshold.json",
  examples: ['hpaic find-thresholds -c configs/ensemble/r18_512.json'],
  options: CONFIG_OPTIONS,
  async run(args) {
    const config = configFromArgs(args);
    const { findThresholds } = await import('../../predict/findThresholds.js');
    await findThresholds(config, { quiet: booleanArg(args, 'quiet') });
  },
});
