import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { formatConfigIssues } from './formatConfigIssues.js';
import { jsonErrorPosition } from './jsonErrorPosition.js';
import { HpaicConfigSchema, type HpaicConfig } from './schema.js';

/**
 * Values that replace config keys before validation, keyed by dotted path (`{"optim.lr": 1e-4}`); the CLI's
 * `--set optim.lr=1e-4` produces these with `parseOverride`.
 */
export type ConfigOverrides = Record<string, unknown>;

export interface ParseConfigOptions {
  /** Named in error messages (the config file path). */
  source?: string;
  /** Relative paths in the config are resolved against this folder (default: the current directory). */
  cwd?: string;
  overrides?: ConfigOverrides;
}

/**
 * Read, validate and resolve a config file. Relative paths (`dataset.root_dir`, `checkpoint_dir`, `load.path`,
 * `model.pretrained`) are resolved against the **current directory**, as the seed does (its configs say
 * `../dataset/` and `checkpoint/`); `dataset.train_csv` is resolved against `dataset.root_dir`.
 * Throws ConfigError naming the file, and the line and column for invalid JSON.
 */
export function loadConfig(path: string, overrides?: ConfigOverrides, options: { cwd?: string } = {}): HpaicConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(`${path}: cannot read the config file (${code === 'ENOENT' ? 'no such file' : (err as Error).message})`, {
      cause: err,
      hint: 'pass an existing JSON config with -c, e.g. configs/demo.json',
    });
  }
  return parseConfig(parseJsonText(text, path), { source: path, cwd: options.cwd, overrides });
}

/** Parse JSON text, throwing ConfigError with `<source>:<line>:<column>` on a syntax error. */
export function parseJsonText(text: string, source: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (err) {
    const pos = jsonErrorPosition(body);
    const where = pos ? `${source}:${pos.line}:${pos.column}` : source;
    const near = pos ? ` near ${JSON.stringify(body.slice(pos.offset, pos.offset + 20) || '<end of file>')}` : '';
    // V8 appends the whole text to some messages ('Unexpected token '}', "{..." is not valid JSON'): drop it.
    const reason = (err as Error).message.split('\n')[0]!.replace(/, ".*$/, '');
    throw new ConfigError(`${where}: invalid JSON${near} (${reason})`, { cause: err });
  }
}

/** Validate an already-parsed config object (e.g. built in code) and resolve its paths. */
export function parseConfig(raw: unknown, options: ParseConfigOptions = {}): HpaicConfig {
  const source = options.source ?? 'config';
  const overrides = options.overrides ?? {};
  const merged = applyOverrides(raw, overrides);
  const result = HpaicConfigSchema.safeParse(merged);
  if (!result.success) {
    const overridden = Object.keys(overrides).map((k) => k.split('.'));
    const sourceFor = (path: string[]) => {
      const o = overridden.find((keys) => keys.every((k, i) => path[i] === k));
      return o ? `${source} (override ${o.join('.')})` : source;
    };
    const lines = formatConfigIssues(result.error.issues, merged, sourceFor, HpaicConfigSchema);
    throw new ConfigError(lines.join('\n'), { hint: 'see docs/config.md for every key, its meaning and its default' });
  }
  return resolveConfigPaths(result.data, options.cwd ?? process.cwd());
}

/** Make the config's relative paths absolute (see `loadConfig`). Absolute paths are kept. */
export function resolveConfigPaths(config: HpaicConfig, cwd: string): HpaicConfig {
  const abs = (p: string) => resolve(cwd, p);
  const rootDir = abs(config.dataset.root_dir);
  return {
    ...config,
    checkpoint_dir: abs(config.checkpoint_dir),
    dataset: {
      ...config.dataset,
      root_dir: rootDir,
      train_csv: isAbsolute(config.dataset.train_csv) ? config.dataset.train_csv : join(rootDir, config.dataset.train_csv),
    },
    model: { ...config.model, pretrained: config.model.pretrained === null ? null : abs(config.model.pretrained) },
    load: { ...config.load, path: config.load.path === null ? null : abs(config.load.path) },
  };
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Copy `raw` with each dotted-path override set (missing intermediate objects are created). */
export function applyOverrides(raw: unknown, overrides: ConfigOverrides): unknown {
  if (Object.keys(overrides).length === 0) return raw;
  const out = structuredClone(raw) as Record<string, unknown>;
  if (out === null || typeof out !== 'object' || Array.isArray(out)) return raw;
  for (const [dotted, value] of Object.entries(overrides)) {
    const keys = dotted.split('.');
    if (keys.some((k) => k === '')) throw new ConfigError(`override ${dotted}: expected a dotted key path like "optim.lr" but received ${JSON.stringify(dotted)}`);
    // These would reach Object.prototype (every object of the process), not a config key.
    const bad = keys.find((k) => FORBIDDEN_KEYS.has(k));
    if (bad !== undefined) throw new ConfigError(`override ${dotted}: "${bad}" is not a config key (it would change every object of the process, not the config)`);
    let node = out;
    for (const k of keys.slice(0, -1)) {
      const next = node[k];
      if (next === null || typeof next !== 'object' || Array.isArray(next)) node[k] = {};
      node = node[k] as Record<string, unknown>;
    }
    node[keys[keys.length - 1]!] = value;
  }
  return out;
}

/**
 * Parse a `key.path=value` override. The value is read as JSON when it parses (`1e-4`, `true`, `null`,
 * `"x"`), otherwise it is taken as a plain string (`model.name=resnet18`).
 */
export function parseOverride(arg: string): [string, unknown] {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new ConfigError(`override ${JSON.stringify(arg)}: expected key.path=value, e.g. optim.lr=1e-4`);
  const key = arg.slice(0, eq).trim();
  const text = arg.slice(eq + 1);
  try {
    return [key, JSON.parse(text)];
  } catch {
    return [key, text];
  }
}
