import { defineCommand, requiredString, booleanArg } from '../defineCommand.js';
import { loadConfig, parseOverride } from '../../config/loadConfig.js';

export const command = defineCommand({
  name: 'train',
  summary: 'train a model on every fold of a config (k-fold or one validation split), resumable',
  examples: [
    'hpaic train -c configs/ensemble/r18_512.json',
    'hpaic train -c configs/demo.json --set dataset.root_dir=demo-data/ --set epochs=2',
  ],
  options: {
    config: { type: 'string', short: 'c', description: 'the JSON config (the seed\'s schema, see docs/config.md)' },
    set: { type: 'string', multiple: true, description: 'override a config key, e.g. --set optim.lr=3e-4 (repeatable)' },
    quiet: { type: 'boolean', short: 'q', description: 'no progress bars or per-epoch lines (the log file is still written)' },
  },
  async run(args) {
    const path = requiredString(args, 'config');
    const sets = (args.values.set as string[] | undefined) ?? [];
    const overrides: Record<string, unknown> = {};
    for (const s of sets) {
      const [key, value] = parseOverride(s);
      overrides[key] = value;
    }
    const config = loadConfig(path, overrides);
    const { train } = await import('../../train/train.js');
    await train(config, { quiet: booleanArg(args, 'quiet') });
  },
});
