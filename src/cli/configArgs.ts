import type { OptionSpec, ParsedArgs } from './defineCommand.js';
import { requiredString } from './defineCommand.js';
import { loadConfig, parseOverride } from '../config/loadConfig.js';
import type { HpaicConfig } from '../config/schema.js';

/** The options every config-driven command takes. */
export const CONFIG_OPTIONS: Record<string, OptionSpec> = {
  config: { type: 'string', short: 'c', description: "the JSON config (the seed's schema, see docs/config.md)" },
  set: { type: 'string', multiple: true, description: 'override a config key, e.g. --set optim.lr=3e-4 (repeatable)' },
  quiet: { type: 'boolean', short: 'q', description: 'no progress bars (the run log is still written)' },
};

/** Loads `--config` with the `--set key=value` overrides applied. */
export function configFromArgs(args: ParsedArgs): HpaicConfig {
  const overrides: Record<string, unknown> = {};
  for (const s of (args.values.set as string[] | undefined) ?? []) {
    const [key, value] = parseOverride(s);
    overrides[key] = value;
  }
  return loadConfig(requiredString(args, 'config'), overrides);
}
