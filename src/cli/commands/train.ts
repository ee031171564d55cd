import { defineCommand, booleanArg } from '../defineCommand.js';
import { NPROC_OPTION, runWithNproc } from '../nproc.js';
import { CONFIG_OPTIONS, configFromArgs } from '../configArgs.js';

export const command = defineCommand({
  name: 'train',
  summary: 'train a model on every fold of a config (k-fold or one validation split); rerun to resume',
  examples: [
    'hpaic train -c configs/ensemble/r18_512.json',
    'hpaic train -c configs/demo.json --set dataset.root_dir=demo-data/ --set epochs=2',
    'hpaic train -c configs/demo.json --nproc 2',
    'torchrun --no_python --redirects 1 --tee 1 --nproc_per_node=2 hpaic train -c configs/demo.json',
  ],
  options: { ...CONFIG_OPTIONS, ...NPROC_OPTION },
  async run(args) {
    const config = configFromArgs(args);
    const code = await runWithNproc(args);
    if (code !== null) return code;
    const { train } = await import('../../train/train.js');
    await train(config, { quiet: booleanArg(args, 'quiet') });
  },
});
