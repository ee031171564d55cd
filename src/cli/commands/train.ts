import { defineCommand, booleanArg } from '../defineCommand.js';
import { CONFIG_OPTIONS, configFromArgs } from '../configArgs.js';

export const command = defineCommand({
  name: 'train',
  summary: 'train a model on every fold of a config (k-fold or one validation split); rerun to resume',
  examples: ['hpaic train -c configs/ensemble/r18_512.json', 'hpaic train -c configs/demo.json --set dataset.root_dir=demo-data/ --set epochs=2'],
  options: CONFIG_OPTIONS,
  async run(args) {
    const config = configFromArgs(args);
    const { train } = await import('../../train/train.js');
    await train(config, { quiet: booleanArg(args, 'quiet') });
  },
});
