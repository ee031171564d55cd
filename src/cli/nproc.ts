import { numberArg, type OptionSpec, type ParsedArgs } from './defineCommand.js';

export const NPROC_OPTION: Record<string, OptionSpec> = {
  nproc: { type: 'string', description: 'start N local ranks of this command (torch\'s env:// contract, no torchrun needed); see docs/distributed.md' },
};

/** With `--nproc N` (N > 1): runs N ranks of this same command line without --nproc and returns the job's exit code; else null. */
export async function runWithNproc(args: ParsedArgs): Promise<number | null> {
  const nproc = numberArg(args, 'nproc', { integer: true, min: 1 });
  if (nproc === undefined || nproc === 1) return null;
  const { launchLocal } = await import('../dist/launchLocal.js');
  const argv = process.argv.slice(1);
  const i = argv.findIndex((a) => a === '--nproc' || a.startsWith('--nproc='));
  argv.splice(i, argv[i] === '--nproc' ? 2 : 1);
  return launchLocal({ nproc, args: argv });
}
