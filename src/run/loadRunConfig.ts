import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { HpaicConfig } from '../config/schema.js';
import { parseConfig, parseJsonText, type ConfigOverrides } from '../config/loadConfig.js';
import { CheckpointError } from '../errors.js';
import { RUN_FILES } from './runFolder.js';

/**
 * The config a run was trained with, from `<run>/config.resolved.json`, pointed at the run folder where it is
 * now (`checkpoint_dir` and `name` follow `runDir`, so a copied or moved run still works). `overrides` are
 * `--set` style keys (`device`, `precision`, …).
 * @throws CheckpointError when the folder holds no resolved config
 */
export function loadRunConfig(runDir: string, overrides: ConfigOverrides = {}): HpaicConfig {
  const root = resolve(runDir);
  const file = resolve(root, RUN_FILES.resolvedConfig);
  if (!existsSync(file)) throw new CheckpointError(`${root}: not a run folder (no ${RUN_FILES.resolvedConfig}); pass --run checkpoint/<name> of a trained run`);
  const raw = parseJsonText(readFileSync(file, 'utf8'), file);
  return parseConfig(raw, { source: file, overrides: { ...overrides, checkpoint_dir: dirname(root), name: basename(root) } });
}
