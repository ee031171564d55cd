import type { CommandSpec } from './defineCommand.js';

/**
 * Every CLI command, loaded lazily so that `hpaic --help` and pure-TypeScript commands never load libtorch.
 * Add one line per command (file `commands/<name>.ts` exporting `command`).
 */
export const COMMANDS: Record<string, () => Promise<{ command: CommandSpec }>> = {
  convert: () => import('./commands/convert.js'),
};
