import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';

/** One CLI option: a kebab-case flag, its type, a short alias and the text shown by `--help`. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  default?: string | boolean;
  description: string;
}

export interface CommandSpec {
  /** The verb, e.g. `train`. */
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Real examples, shown by `hpaic <name> --help`. */
  examples: string[];
  options: Record<string, OptionSpec>;
  /** Names of positional arguments, for the help text. */
  positionals?: string[];
  /** Runs the command; returns the process exit code (0 when omitted). */
  run(args: ParsedArgs): Promise<number | void>;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export function defineCommand(spec: CommandSpec): CommandSpec {
  return spec;
}

export function parseCommandArgs(spec: CommandSpec, argv: string[]): ParsedArgs {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, o] of Object.entries(spec.options)) {
    options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  }
  try {
    const parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    const values = { ...parsed.values } as ParsedArgs["values"];
    for (const [name, o] of Object.entries(spec.options)) {
      if (values[name] === undefined && o.default !== undefined) values[name] = o.default;
    }
    return { values, positionals: parsed.positionals };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function commandHelp(spec: CommandSpec): string {
  const lines = [`hpaic ${spec.name}${spec.positionals?.length ? ' ' + spec.positionals.map((p) => `<${p}>`).join(' ') : ''} [options]`, '', spec.summary, '', 'Options:'];
  for (const [name, o] of Object.entries(spec.options)) {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ' <value>' : ''}`;
    const def = o.default !== undefined && o.default !== false ? ` (default: ${String(o.default)})` : '';
    lines.push(`  ${flag.padEnd(30)} ${o.description}${def}`);
  }
  lines.push(`  ${'-h, --help'.padEnd(30)} show this help`);
  if (spec.examples.length) lines.push('', 'Examples:', ...spec.examples.map((e) => `  ${e}`));
  return lines.join('\n');
}

/** Typed getters that turn a bad flag value into a UsageError naming the flag. */
export function stringArg(args: ParsedArgs, name: string, required = false): string | undefined {
  const v = args.values[name];
  if (v === undefined || v === '') {
    if (required) throw new UsageError(`missing required option --${name}`);
    return undefined;
  }
  if (typeof v !== 'string') throw new UsageError(`--${name} expects a value`);
  return v;
}

export function requiredString(args: ParsedArgs, name: string): string {
  return stringArg(args, name, true) as string;
}

export function numberArg(args: ParsedArgs, name: string, opts: { integer?: boolean; min?: number; max?: number } = {}): number | undefined {
  const s = stringArg(args, name);
  if (s === undefined) return undefined;
  const v = Number(s);
  const kind = opts.integer ? 'an integer' : 'a number';
  if (!Number.isFinite(v) || (opts.integer && !Number.isInteger(v))) {
    throw new UsageError(`--${name} expects ${kind} but received "${s}"`);
  }
  if (opts.min !== undefined && v < opts.min) throw new UsageError(`--${name} expects ${kind} >= ${opts.min} but received ${s}`);
  if (opts.max !== undefined && v > opts.max) throw new UsageError(`--${name} expects ${kind} <= ${opts.max} but received ${s}`);
  return v;
}

export function booleanArg(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}
