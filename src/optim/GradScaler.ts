/**
 * Dynamic loss scaling for float16 training, following torch.cuda.amp.GradScaler (1.13) step for step:
 * `scale(loss)` multiplies the loss by the scale (initially 2^16) before backward; `step(optimizer)` unscales
 * the gradients (once: call `unscale_(optimizer)` yourself first to clip or inspect them) and skips the
 * optimizer step when any gradient holds inf/NaN; `update()` then halves the scale after a skipped step, or
 * doubles it after `growthInterval` (2000) finite steps in a row. The scale lives in float32 like torch's
 * scale tensor (every product is rounded to float32), and `stateDict()` has torch's five keys so resumed runs
 * continue exactly. bfloat16 needs no scaler (its exponent range is fp32's); a disabled scaler passes
 * everything through, so one training loop serves every precision.
 */
import type { Tensor } from '../tensor/Tensor.js';
import { addon } from '../tensor/Tensor.js';
import { HpaicError } from '../errors.js';
import type { Optimizer } from './Optimizer.js';

export interface GradScalerOptions {
  initScale?: number;
  growthFactor?: number;
  backoffFactor?: number;
  growthInterval?: number;
  enabled?: boolean;
}

/** torch's GradScaler.state_dict(): empty when the scaler is disabled. */
export type GradScalerState =
  | { scale: number; growth_factor: number; backoff_factor: number; growth_interval: number; _growth_tracker: number }
  | Record<string, never>;

type Stage = 'unscaled' | 'stepped';

export class GradScaler {
  readonly enabled: boolean;
  #scale: number;
  #growthTracker = 0;
  #growthFactor: number;
  #backoffFactor: number;
  #growthInterval: number;
  /** Per optimizer since the last update(): its stage and whether its gradients held inf/NaN. */
  readonly #perOptimizer = new Map<Optimizer, { stage: Stage; foundInf: boolean }>();

  constructor(opts: GradScalerOptions = {}) {
    this.enabled = opts.enabled ?? true;
    this.#scale = Math.fround(opts.initScale ?? 2 ** 16);
    this.#growthFactor = opts.growthFactor ?? 2;
    this.#backoffFactor = opts.backoffFactor ?? 0.5;
    this.#growthInterval = opts.growthInterval ?? 2000;
    if (this.enabled) {
      if (!(this.#growthFactor > 1)) throw new RangeError(`GradScaler: growthFactor must be > 1.0 but received ${this.#growthFactor}`);
      if (!(this.#backoffFactor < 1)) throw new RangeError(`GradScaler: backoffFactor must be < 1.0 but received ${this.#backoffFactor}`);
      if (!Number.isInteger(this.#growthInterval) || this.#growthInterval < 1) {
        throw new RangeError(`GradScaler: growthInterval must be a positive integer but received ${this.#growthInterval}`);
      }
      if (!(this.#scale > 0) || !Number.isFinite(this.#scale)) throw new RangeError(`GradScaler: initScale must be a finite number > 0 but received ${opts.initScale}`);
    }
  }

  /** The current scale (1 when disabled, as torch's get_scale). */
  getScale(): number {
    return this.enabled ? this.#scale : 1;
  }

  /** Consecutive finite steps since the last growth or backoff. */
  getGrowthTracker(): number {
    return this.enabled ? this.#growthTracker : 0;
  }

  /** `loss × scale` (a new tensor), or `loss` itself when disabled. */
  scale(loss: Tensor): Tensor {
    return this.enabled ? loss.mul(this.#scale) : loss;
  }

  /** Divides the optimizer's gradients by the scale in place (at most once per optimizer between updates). */
  unscale_(optimizer: Optimizer): void {
    if (!this.enabled) return;
    const state = this.#perOptimizer.get(optimizer);
    if (state?.stage === 'unscaled') throw new HpaicError('GradScaler.unscale_() has already been called on this optimizer since the last update()');
    if (state?.stage === 'stepped') throw new HpaicError('GradScaler.unscale_() is being called after step()');
    const grads = optimizer.params.map((p) => p.grad).filter((g): g is Tensor => g !== null);
    if (grads.length === 0) throw new HpaicError('GradScaler: no gradients to unscale (call backward() on scaler.scale(loss) first)');
    try {
      // torch takes the reciprocal in float64 and rounds it to float32.
      const foundInf = addon().unscaleGrads(grads.map((g) => g.handle), Math.fround(1 / this.#scale));
      this.#perOptimizer.set(optimizer, { stage: 'unscaled', foundInf });
    } finally {
      for (const g of grads) g.dispose();
    }
  }

  /** Unscales (unless done already) and runs `optimizer.step()` unless a gradient was inf/NaN; true if it stepped. */
  step(optimizer: Optimizer): boolean {
    if (!this.enabled) {
      optimizer.step();
      return true;
    }
    if (this.#perOptimizer.get(optimizer)?.stage === 'stepped') throw new HpaicError('GradScaler.step() has already been called since the last update()');
    if (!this.#perOptimizer.has(optimizer)) this.unscale_(optimizer);
    const state = this.#perOptimizer.get(optimizer)!;
    const stepped = !state.foundInf;
    if (stepped) optimizer.step();
    state.stage = 'stepped';
    return stepped;
  }

  /**
   * Updates the scale from this iteration's steps (torch's _amp_update_scale_), or sets it to `newScale`.
   * Call once per iteration, after step() for every optimizer.
   */
  update(newScale?: number): void {
    if (!this.enabled) return;
    if (newScale !== undefined) {
      this.#scale = Math.fround(newScale);
    } else {
      if (this.#perOptimizer.size === 0) throw new HpaicError('GradScaler.update(): no inf checks were recorded (call step() first)');
      const foundInf = [...this.#perOptimizer.values()].some((s) => s.foundInf);
      if (foundInf) {
        this.#scale = Math.fround(this.#scale * this.#backoffFactor);
        this.#growthTracker = 0;
      } else if (this.#growthTracker + 1 === this.#growthInterval) {
        // Never grow past float32's range to inf.
        const grown = Math.fround(this.#scale * this.#growthFactor);
        if (Number.isFinite(grown)) this.#scale = grown;
        this.#growthTracker = 0;
      } else {
        this.#growthTracker += 1;
      }
    }
    this.#perOptimizer.clear();
  }

  /** torch's state_dict keys and values (call after update()); `{}` when disabled. */
  stateDict(): GradScalerState {
    if (!this.enabled) return {};
    return {
      scale: this.#scale,
      growth_factor: this.#growthFactor,
      backoff_factor: this.#backoffFactor,
      growth_interval: this.#growthInterval,
      _growth_tracker: this.#growthTracker,
    };
  }

  /** Restores `stateDict()` output (a no-op when disabled, as torch). */
  loadStateDict(state: GradScalerState): void {
    if (!this.enabled) return;
    if (Object.keys(state).length === 0) {
      throw new HpaicError('GradScaler.loadStateDict: the state is empty, possibly because it was saved from a disabled GradScaler');
    }
    const s = state as Exclude<GradScalerState, Record<string, never>>;
    for (const k of ['scale', 'growth_factor', 'backoff_factor', 'growth_interval', '_growth_tracker'] as const) {
      if (typeof s[k] !== 'number') throw new HpaicError(`GradScaler.loadStateDict: "${k}" must be a number but is ${JSON.stringify(s[k])}`);
    }
    this.#scale = Math.fround(s.scale);
    this.#growthFactor = s.growth_factor;
    this.#backoffFactor = s.backoff_factor;
    this.#growthInterval = s.growth_interval;
    this.#growthTracker = s._growth_tracker;
  }
}
