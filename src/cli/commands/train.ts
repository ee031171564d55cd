import { defineCommand, booleanArg, numberArg } from '../defineCommand.js';
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
  options: {
    ...CONFIG_OPTIONS,
    nproc: { type: 'string', description: 'start N local ranks (data-parallel, or fold-parallel with dist.mode "folds"); see docs/distributed.md' },
  },
  async run(args) {
    const config = configFromArgs(args);
    const nproc = numberArg(args, 'nproc', { integer: true, min: 1 });
    if (nproc !== undefined && nproc > 1) {
      const { launchLocal } = await import('../../dist/launchLocal.js');
      // Each rank runs this same command line without --nproc.
      const argv = process.argv.slice(1);
      const i = argv.findIndex((a) => a === '--nproc' || a.startsWith('--nproc='));
      argv.splice(i, argv[i] === '--nproc' ? 2 : 1);
      return launchLocal({ nproc, args: argv });
    }
    const { train } = await import('../../train/train.js');
    await train(config, { quiet: booleanArg(args, 'quiet') });
  },
});
