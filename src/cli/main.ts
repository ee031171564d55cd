#!/usr/bin/env node
import { COMMANDS } from './commands.js';
import { commandHelp, parseCommandArgs } from './defineCommand.js';
import { HpaicError, UsageError } from '../errors.js';
import { fileSystemError } from '../io/fs/fsError.js';

async function listCommands(): Promise<string> {
  const lines = ['hpaic: train, evaluate and ensemble HPA protein-localisation classifiers', '', 'Commands:'];
  for (const name of Object.keys(COMMANDS).sort()) {
    const { command } = await COMMANDS[name]();
    lines.push(`  ${name.padEnd(18)} ${command.summary}`);
  }
  lines.push('', 'Run `hpaic <command> --help` for the options of a command. Set HPAIC_DEBUG=1 for stack traces.');
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(await listCommands());
    return name ? 0 : 1;
  }
  if (name === '--version') {
    const { createRequire } = await import('node:module');
    console.log(createRequire(import.meta.url)('../../package.json').version);
    return 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    console.error(`hpaic: unknown command "${name}"\n`);
    console.error(await listCommands());
    return 2;
  }
  const { command } = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(commandHelp(command));
    return 0;
  }
  try {
    const args = parseCommandArgs(command, rest);
    const code = await command.run(args);
    return code ?? 0;
  } catch (caught) {
    // A file-system refusal that no layer wrapped still becomes one line naming the path (permissions, space).
    const err = fileSystemError(caught);
    if (err instanceof UsageError) {
      console.error(`hpaic ${name}: ${err.message}\n`);
      console.error(commandHelp(command));
      return 2;
    }
    if (err instanceof HpaicError && process.env.HPAIC_DEBUG !== '1') {
      console.error(`hpaic ${name}: ${err.message}`);
      if (err.hint) console.error(`hint: ${err.hint}`);
      return 1;
    }
    console.error(err);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
