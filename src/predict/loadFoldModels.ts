import type { HpaicConfig } from '../config/schema.js';
import type { Module } from '../nn/Module.js';
import { RunFolder, type FoldPaths } from '../run/runFolder.js';
import { buildModel } from '../run/buildModel.js';
import { loadWeights } from '../models/weights.js';
import { CheckpointError } from '../errors.js';

/**
 * The seed's `load_kfold_models` (seed-spec §9.7): `fold_1/model.pth`, `fold_2/…` until one is missing, each
 * loaded strictly into the config's architecture, in eval mode on `device`. One at a time (`each`), so only one
 * model is in memory. `only` keeps the listed fold numbers (`hpaic predict --folds 1,3`).
 */
export async function forEachFoldModel(config: HpaicConfig, device: string, each: (model: Module, fold: FoldPaths, count: number) => Promise<void>, only?: readonly number[]): Promise<number> {
  const run = RunFolder.of(config);
  const all = run.folds();
  if (all.length === 0) throw new CheckpointError(`fold checkpoint not found: ${run.fold(1).model} (train the config first: hpaic train -c <config>)`);
  for (const k of only ?? []) if (!all.some((f) => f.fold === k)) throw new CheckpointError(`fold ${k} not found: ${run.fold(k).model} (the run has folds 1-${all.length})`);
  const folds = only ? all.filter((f) => only.includes(f.fold)) : all;
  for (const f of folds) {
    const model = await buildModel({ ...config, model: { ...config.model, pretrained: null } });
    try {
      await loadWeights(model, f.model);
      if (device !== 'cpu') model.to(device);
      if (config.channels_last) model.channelsLast();
      model.eval();
      await each(model, f, folds.length);
    } finally {
      model.dispose();
    }
  }
  return folds.length;
}
