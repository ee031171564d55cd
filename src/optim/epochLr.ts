/**
 * Learning rates that are a pure function of the epoch (so a resumed run trains every epoch at the same lr):
 * - `lr_schedule: "step"`: optim.lr × factors[j] from 0-based epoch milestones[j] on (torch's MultiStepLR
 *   milestones; the factors are relative to optim.lr, not chained), e.g. bestfitting's [30, 15, 7.5, 3, 1]e-5
 *   for [25, 5, 5, 5, 5] epochs = lr 3e-4, milestones [25, 30, 35, 40], factors [0.5, 0.25, 0.1, 1/30];
 * - `warmup_epochs` W > 0: the lr of 0-based epoch i < W is multiplied by f + (1 − f)·i/W, f = warmup_factor
 *   (torch's LinearLR with start_factor f and total_iters W), on top of the step or cosine lr.
 * Checked against torch's ChainedScheduler(LinearLR, MultiStepLR…) in test/unit/train.schedulers.test.ts.
 */
import { cosineLr } from './cosineLr.js';

export interface EpochLrOptions {
  schedule: 'plateau' | 'cosine' | 'step';
  epochs: number;
  baseLr: number;
  minLr: number;
  milestones: readonly number[];
  factors: readonly number[];
  warmupEpochs: number;
  warmupFactor: number;
}

/** The step schedule's multiplier of 0-based epoch i. */
export function stepFactor(i: number, milestones: readonly number[], factors: readonly number[]): number {
  let f = 1;
  milestones.forEach((m, j) => {
    if (i >= m) f = factors[j];
  });
  return f;
}

/** The warm-up multiplier of 0-based epoch i (1 from epoch W on). */
export function warmupFactor(i: number, warmupEpochs: number, startFactor: number): number {
  if (warmupEpochs <= 0 || i >= warmupEpochs) return 1;
  return startFactor + ((1 - startFactor) * i) / warmupEpochs;
}

/** The lr of 1-based `epoch`, or null for "plateau" (ReduceLROnPlateau owns the lr). */
export function epochLr(epoch: number, o: EpochLrOptions): number | null {
  const i = epoch - 1;
  const warm = warmupFactor(i, o.warmupEpochs, o.warmupFactor);
  if (o.schedule === 'cosine') return cosineLr(epoch, o.epochs, o.baseLr, o.minLr) * warm;
  if (o.schedule === 'step') return o.baseLr * stepFactor(i, o.milestones, o.factors) * warm;
  return null;
}
