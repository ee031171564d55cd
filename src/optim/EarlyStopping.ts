import { CheckpointError } from '../errors.js';
import { decodeNumber, encodeNumber, type JsonNumber } from './jsonNumber.js';

/** Whether larger (`max`, e.g. macro F1) or smaller (`min`, e.g. a loss) values are better. */
export type MetricMode = 'max' | 'min';

/**
 * The seed's improvement rule with an **absolute** threshold (seed-spec §9.2, §9.3): in max mode `value` improves
 * on `best` when value − threshold > best. Early stopping and the "save a checkpoint" decision both use it.
 * NaN never improves.
 */
export function improvesOn(value: number, best: number, mode: MetricMode = 'max', threshold = 1e-4): boolean {
  return mode === 'max' ? value - threshold > best : value + threshold < best;
}

export interface EarlyStoppingOptions {
  /** Stop on the `patience`-th consecutive epoch without improvement (counter ≥ patience). */
  patience: number;
  mode?: MetricMode;
  /** Absolute improvement threshold (default 1e-4). */
  threshold?: number;
}

/** The seed's early-stop state (its checkpoints store `{stop, num_bad_epochs, best_metric}`). */
export interface EarlyStoppingState {
  stop: boolean;
  num_bad_epochs: number;
  best_metric: JsonNumber;
}

/**
 * Early stopping exactly as the seed's (seed-spec §9.2): best starts at −∞ (max mode); an improvement resets the
 * bad-epoch counter, anything else increments it; the stop flag is set once the counter reaches `patience` and
 * stays set. Note the asymmetry with ReduceLROnPlateau, which fires at counter > patience (seed quirk 15, kept).
 */
export class EarlyStopping {
  readonly patience: number;
  readonly mode: MetricMode;
  readonly threshold: number;
  stop = false;
  numBadEpochs = 0;
  best: number;

  constructor(options: EarlyStoppingOptions) {
    if (!Number.isInteger(options.patience) || options.patience < 0) throw new RangeError(`EarlyStopping: patience must be an integer >= 0, got ${options.patience}`);
    this.patience = options.patience;
    this.mode = options.mode ?? 'max';
    this.threshold = options.threshold ?? 1e-4;
    this.best = this.mode === 'max' ? -Infinity : Infinity;
  }

  /** Whether `value` would count as an improvement now. */
  isImprovement(value: number): boolean {
    return improvesOn(value, this.best, this.mode, this.threshold);
  }

  /** Record one epoch's monitored value; returns true when training should stop. */
  step(value: number): boolean {
    if (this.isImprovement(value)) {
      this.best = value;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.numBadEpochs >= this.patience) this.stop = true;
    return this.stop;
  }

  stateDict(): EarlyStoppingState {
    return { stop: this.stop, num_bad_epochs: this.numBadEpochs, best_metric: encodeNumber(this.best) };
  }

  loadStateDict(state: EarlyStoppingState): void {
    try {
      if (typeof state.stop !== 'boolean' || !Number.isInteger(state.num_bad_epochs)) throw new TypeError('expected {stop: boolean, num_bad_epochs: integer, best_metric: number}');
      this.best = decodeNumber(state.best_metric, 'best_metric');
    } catch (err) {
      throw new CheckpointError(`early-stopping state: ${(err as Error).message} but received ${JSON.stringify(state)}`);
    }
    this.stop = state.stop;
    this.numBadEpochs = state.num_bad_epochs;
  }
}
