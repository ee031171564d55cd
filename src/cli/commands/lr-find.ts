import { defineCommand, booleanArg, numberArg, stringArg } from '../defineCommand.js';
import { CONFIG_OPTIONS, configFromArgs } from '../configArgs.js';
import { UsageError } from '../../errors.js';

export const command = defineCommand({
  name: 'lr-find',
  summary: 'LR range test from optim.lr to --end-lr: writes lr_finder.csv and a plot, prints a suggested lr',
  examples: ['hpaic lr-find -c configs/ensemble/r18_512.json --end-lr 10 --iterations 100'],
  options: {
    ...CONFIG_OPTIONS,
    'end-lr': { type: 'string', default: '10', description: 'the largest learning rate tried' },
    iterations: { type: 'string', default: '100', description: 'number of batches (one per learning rate)' },
    'step-mode': { type: 'string', default: 'exp', description: 'exp or linear spacing of the learning rates' },
  },
  async run(args) {
    const stepMode = stringArg(args, 'step-mode');
    if (stepMode !== 'exp' && stepMode !== 'linear') throw new UsageError(`--step-mode expects exp or linear but received "${stepMode}"`);
    const config = configFromArgs(args);
    const { lrFind } = await import('../../train/lrFind.js');
    await lrFind(config, { endLr: numberArg(args, 'end-lr', { min: 0 }), iterations: numberArg(args, 'iterations', { integer: true, min: 1 }), stepMode, quiet: booleanArg(args, 'quiet') });
  },
});
