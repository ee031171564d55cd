import { defineCommand, requiredString } from '../defineCommand.js';
import { UsageError } from '../../errors.js';
import { applyLeak } from '../../predict/applyLeak.js';

export const command = defineCommand({
  name: 'apply-leak',
  summary: "Overwrite a submission's rows with known labels from leak CSVs (one output per leak)",
  examples: [
    'hpaic apply-leak --sub final/ensemble_fill25.csv --leak ../dataset/leak126.csv --leak ../dataset/leak259.csv',
  ],
  options: {
    sub: { type: 'string', description: 'the submission CSV (Id,Predicted)' },
    leak: { type: 'string', multiple: true, description: 'a leak CSV (Id,Target); repeat for several; each writes <sub dir>/<sub base>_<leak base>.csv' },
  },
  async run(args) {
    const leaks = (args.values.leak as string[] | undefined) ?? [];
    if (leaks.length === 0) throw new UsageError('missing required option --leak');
    applyLeak({ sub: requiredString(args, 'sub'), leaks, log: (line) => console.log(line) });
    return 0;
  },
});
