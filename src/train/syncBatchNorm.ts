/**
 * `dist.sync_bn: true`: every BatchNorm of the model takes its training-mode statistics over all the ranks of the
 * group (torch.nn.SyncBatchNorm.convert_sync_batchnorm), so a W-rank run equals the single-process run with W× the
 * batch, up to float summation order. Evaluation mode keeps the running statistics, as SyncBatchNorm does.
 */
import { BatchNorm } from '../nn/BatchNorm.js';
import type { Module } from '../nn/Module.js';
import type { ProcessGroup } from '../dist/ProcessGroup.js';

/** Converts the model's BatchNorms in place; returns how many. */
export function convertSyncBatchNorm(model: Module, pg: ProcessGroup): number {
  let n = 0;
  for (const [, m] of model.namedModules()) {
    if (m instanceof BatchNorm) {
      m.syncStatistics = (bn, x) => pg.syncBatchNorm(x, bn.weight, bn.bias, bn.runningMean, bn.runningVar, bn.momentum, bn.eps);
      n++;
    }
  }
  return n;
}
