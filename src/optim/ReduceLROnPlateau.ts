import { CheckpointError } from '../errors.js';
import { decodeNumber, encodeNumber, type JsonNumber } from './jsonNumber.js';
import type { MetricMode } from './EarlyStopping.js';

/** What the scheduler drives: an optimizer with one parameter group (all the seed's optimizers have one). */
export interface LrTarget {
  getLr(): number;
  setLr(lr: number): void;
}

export interface ReduceLROnPlateauOptions {
  mode?: MetricMode;
  /** New lr = lr × factor (must be < 1). Default 0.1, as torch. */
  factor?: number;
  /** Reduce on the (patience+1)-th consecutive bad epoch. Default 10. */
  patience?: number;
  threshold?: number;
  thresholdMode?: 'rel' | 'abs';
  cooldown?: number;
  minLr?: number;
  eps?: number;
  /** Print (true: console.log) or pass to a function the seed's message when the lr is reduced. */
  verbose?: boolean | ((message: string) => void);
}

/** The scheduler's state, with torch's state-dict key names (±Infinity encoded as strings). */
export interface ReduceLROnPlateauState {
  mode: MetricMode;
  factor: number;
  patience: number;
  threshold: number;
  threshold_mode: 'rel' | 'abs';
  cooldown: number;
  cooldown_counter: number;
  min_lrs: number[];
  eps: number;
  best: JsonNumber;
  mode_worse: JsonNumber;
  num_bad_epochs: number;
  last_epoch: number;
}

/**
 * torch.optim.lr_scheduler.ReduceLROnPlateau as of torch 0.4.1, which the seed used (seed-spec §9.2). The seed
 * builds it with mode max, relative threshold 1e-4, cooldown 0, eps 1e-8, its own factor, patience and min_lr.
 * The step counter `lastEpoch` starts at −1 (torch ≥ 1.x starts at 0), so the first `step` is "epoch 0" in the
 * verbose message `Epoch {n:5d}: reducing learning rate of group 0 to {lr:.4e}.`; the lr values are the same.
 */
export class ReduceLROnPlateau {
  readonly mode: MetricMode;
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: 'rel' | 'abs';
  readonly cooldown: number;
  readonly minLr: number;
  readonly eps: number;
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  lastEpoch = -1;
  private readonly log?: (message: string) => void;

  constructor(
    readonly target: LrTarget,
    options: ReduceLROnPlateauOptions = {},
  ) {
    this.mode = options.mode ?? 'min';
    this.factor = options.factor ?? 0.1;
    if (!(this.factor < 1)) throw new RangeError('ReduceLROnPlateau: factor should be < 1.0.');
    this.patience = options.patience ?? 10;
    this.threshold = options.threshold ?? 1e-4;
    this.thresholdMode = options.thresholdMode ?? 'rel';
    this.cooldown = options.cooldown ?? 0;
    this.minLr = options.minLr ?? 0;
    this.eps = options.eps ?? 1e-8;
    this.best = this.modeWorse;
    const v = options.verbose;
    this.log = typeof v === 'function' ? v : v ? (m: string) => console.log(m) : undefined;
  }

  private get modeWorse(): number {
    return this.mode === 'min' ? Infinity : -Infinity;
  }

  /** torch's `is_better`: relative mode compares with best·(1 ± threshold), absolute with best ± threshold. */
  isBetter(a: number, best: number): boolean {
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? a < best * (1 - this.threshold) : a < best - this.threshold;
    return this.thresholdMode === 'rel' ? a > best * (this.threshold + 1) : a > best + this.threshold;
  }

  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  /** Record one epoch's metric; returns true when the lr was reduced. */
  step(metric: number): boolean {
    const current = Number(metric);
    this.lastEpoch += 1;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.inCooldown) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0; // bad epochs in cooldown are ignored
    }
    let reduced = false;
    if (this.numBadEpochs > this.patience) {
      reduced = this.reduceLr(this.lastEpoch);
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    return reduced;
  }

  private reduceLr(epoch: number): boolean {
    const oldLr = this.target.getLr();
    const newLr = Math.max(oldLr * this.factor, this.minLr);
    if (oldLr - newLr > this.eps) {
      this.target.setLr(newLr);
      this.log?.(reduceLrMessage(epoch, 0, newLr));
      return true;
    }
    return false;
  }

  stateDict(): ReduceLROnPlateauState {
    return {
      mode: this.mode,
      factor: this.factor,
      patience: this.patience,
      threshold: this.threshold,
      threshold_mode: this.thresholdMode,
      cooldown: this.cooldown,
      cooldown_counter: this.cooldownCounter,
      min_lrs: [this.minLr],
      eps: this.eps,
      best: encodeNumber(this.best),
      mode_worse: encodeNumber(this.modeWorse),
      num_bad_epochs: this.numBadEpochs,
      last_epoch: this.lastEpoch,
    };
  }

  /**
   * Restore the counters and best value saved by `stateDict`. The hyper-parameters (factor, patience, ...) stay
   * those of the constructor, so a changed config takes effect on resume.
   */
  loadStateDict(state: ReduceLROnPlateauState): void {
    const ints = [state.num_bad_epochs, state.cooldown_counter, state.last_epoch];
    if (!ints.every((v) => Number.isInteger(v))) {
      throw new CheckpointError(`lr-scheduler state: expected integer num_bad_epochs, cooldown_counter, last_epoch but received ${JSON.stringify(state)}`);
    }
    try {
      this.best = decodeNumber(state.best, 'best');
    } catch (err) {
      throw new CheckpointError(`lr-scheduler state: ${(err as Error).message}`);
    }
    this.numBadEpochs = state.num_bad_epochs;
    this.cooldownCounter = state.cooldown_counter;
    this.lastEpoch = state.last_epoch;
  }
}

/** The seed's verbose line (torch 0.4.1 format): `Epoch {n:5d}: reducing learning rate of group {i} to {lr:.4e}.` */
export function reduceLrMessage(epoch: number, group: number, lr: number): string {
  return `Epoch ${String(epoch).padStart(5)}: reducing learning rate of group ${group} to ${formatExp4(lr)}.`;
}

/** Python's `'{:.4e}'.format(x)`: 4 decimals and an exponent of at least two digits (1.0000e-07). */
export function formatExp4(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  const [mant, exp] = x.toExponential(4).split('e') as [string, string];
  const sign = exp.startsWith('-') ? '-' : '+';
  return `${mant}e${sign}${exp.replace(/^[+-]/, '').padStart(2, '0')}`;
}
