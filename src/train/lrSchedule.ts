/**
 * The LR range test of the seed's `lr_finder.py` (seed-spec §14.1, fastai-style) as pure functions and a small
 * state machine: the caller trains one batch at `currentLr`, reports the loss with `record`, and stops when `done`.
 *
 * The seed ran on torch 0.4.1, whose scheduler constructor sets lr_1 and then rewinds its counter, so batches 0 and
 * 1 both train at lr_1, batch i ≥ 1 trains at lr_i, and the lr *recorded* with batch i's loss is lr_{i+1}. This
 * off-by-one is kept so plots and suggestions line up with the seed's.
 */

export type LrStepMode = 'exp' | 'linear';

export interface LrRangeTestOptions {
  /** The optimizer's starting lr (the seed takes `optim.lr` from the config; `--initial-lr` is ignored, quirk 5). */
  startLr: number;
  /** Default 10. */
  endLr?: number;
  /** Default 100. */
  numIter?: number;
  /** Default 'exp'. */
  stepMode?: LrStepMode;
  /** Exponential smoothing of the loss, in [0, 1); 0 disables it. Default 0.05. */
  smoothF?: number;
  /** Stop when the smoothed loss exceeds divergeTh × the best loss. Default 5. */
  divergeTh?: number;
}

/** What the seed records: parallel arrays of lr and (smoothed) loss. */
export interface LrHistory {
  lr: number[];
  loss: number[];
}

/** lr_k of the schedule: exp: start·(end/start)^(k/n); linear: start + (k/n)·(end − start). */
export function scheduledLr(k: number, o: { startLr: number; endLr: number; numIter: number; stepMode: LrStepMode }): number {
  const r = k / o.numIter;
  return o.stepMode === 'exp' ? o.startLr * (o.endLr / o.startLr) ** r : o.startLr + r * (o.endLr - o.startLr);
}

/** The message the seed prints when the loss diverges. */
export const LR_FINDER_DIVERGED = 'Stopping early, the loss has diverged';
/** The message the seed prints at the end (the braces are printed literally, as in the seed). */
export const LR_FINDER_FINISHED = 'Learning rate search finished. See the graph with {finder_name}.plot()';

export class LrRangeTest {
  readonly startLr: number;
  readonly endLr: number;
  readonly numIter: number;
  readonly stepMode: LrStepMode;
  readonly smoothF: number;
  readonly divergeTh: number;
  readonly history: LrHistory = { lr: [], loss: [] };
  /** Index of the next batch to train. */
  iteration = 0;
  bestLoss = Infinity;
  diverged = false;

  constructor(options: LrRangeTestOptions) {
    this.startLr = options.startLr;
    this.endLr = options.endLr ?? 10;
    this.numIter = options.numIter ?? 100;
    this.stepMode = options.stepMode ?? 'exp';
    this.smoothF = options.smoothF ?? 0.05;
    this.divergeTh = options.divergeTh ?? 5;
    if (!(this.startLr > 0)) throw new RangeError(`LR range test: the start lr must be > 0, got ${this.startLr}`);
    if (!(this.endLr > 0)) throw new RangeError(`LR range test: end_lr must be > 0, got ${this.endLr}`);
    if (!Number.isInteger(this.numIter) || this.numIter < 1) throw new RangeError(`LR range test: the number of iterations must be an integer >= 1, got ${this.numIter}`);
    if (!(this.smoothF >= 0 && this.smoothF < 1)) throw new RangeError(`LR range test: smooth_f must lie in [0, 1), got ${this.smoothF}`);
  }

  /** lr_k of this test's schedule. */
  lrAt(k: number): number {
    return scheduledLr(k, this);
  }

  /** True once `numIter` batches were recorded or the loss diverged. */
  get done(): boolean {
    return this.diverged || this.iteration >= this.numIter;
  }

  /** The lr to train the next batch at: lr_1 for batches 0 and 1, then lr_i (torch 0.4.1 behaviour). */
  get currentLr(): number {
    return this.lrAt(Math.max(this.iteration, 1));
  }

  /**
   * Record the loss of the batch just trained at `currentLr`. Returns the recorded (lr, smoothed loss) and whether
   * the loss has now diverged (the divergent point is kept, as in the seed).
   */
  record(loss: number): { lr: number; loss: number; diverged: boolean } {
    if (this.done) throw new Error('LR range test: record() called after the test finished');
    const i = this.iteration;
    let value = loss;
    if (i === 0) {
      this.bestLoss = value;
    } else {
      if (this.smoothF > 0) value = this.smoothF * value + (1 - this.smoothF) * this.history.loss[this.history.loss.length - 1]!;
      if (value < this.bestLoss) this.bestLoss = value;
    }
    const lr = this.lrAt(i + 1);
    this.history.lr.push(lr);
    this.history.loss.push(value);
    this.iteration = i + 1;
    if (value > this.divergeTh * this.bestLoss) this.diverged = true;
    return { lr, loss: value, diverged: this.diverged };
  }
}

/** The points the seed plots: skip `skipStart` first and `skipEnd` last points (0 at the end keeps all). */
export function plotSlice(history: LrHistory, skipStart = 10, skipEnd = 5): LrHistory {
  if (skipStart < 0 || skipEnd < 0 || !Number.isInteger(skipStart) || !Number.isInteger(skipEnd)) {
    throw new RangeError(`LR finder plot: skip_start and skip_end must be integers >= 0, got ${skipStart} and ${skipEnd}`);
  }
  const end = history.lr.length - skipEnd;
  return { lr: history.lr.slice(skipStart, Math.max(skipStart, end)), loss: history.loss.slice(skipStart, Math.max(skipStart, end)) };
}

/** numpy.gradient of a 1-D array with unit spacing: central differences inside, one-sided at the ends. */
export function gradient(y: readonly number[]): number[] {
  const n = y.length;
  if (n < 2) throw new RangeError('gradient needs at least 2 points');
  return y.map((_, i) => (i === 0 ? y[1]! - y[0]! : i === n - 1 ? y[n - 1]! - y[n - 2]! : (y[i + 1]! - y[i - 1]!) / 2));
}

export interface LrSuggestion {
  lr: number;
  /** Index into the full history. */
  index: number;
}

/**
 * Suggest an lr: the point of steepest descent of the smoothed loss (the minimum of numpy.gradient over the
 * plotted points, as pytorch-lr-finder suggests). Uses the seed's plot window (skip 10 first, 5 last); with too
 * few points for that it uses all of them. Returns null with fewer than 2 points. This is a starting point, not
 * a rule: the seed's configs were tuned by eye from the plot.
 */
export function suggestLr(history: LrHistory, skipStart = 10, skipEnd = 5): LrSuggestion | null {
  let start = skipStart;
  let view = plotSlice(history, skipStart, skipEnd);
  if (view.loss.length < 3) {
    start = 0;
    view = history;
  }
  if (view.loss.length < 2) return null;
  const g = gradient(view.loss);
  let best = 0;
  for (let i = 1; i < g.length; i++) if (g[i]! < g[best]!) best = i;
  return { lr: view.lr[best]!, index: start + best };
}

/** The LR finder's CSV: a `lr,loss` header, then one row per recorded point (round-trip precision). */
export function lrHistoryCsv(history: LrHistory): string {
  const rows = history.lr.map((lr, i) => `${lr},${history.loss[i]}`);
  return ['lr,loss', ...rows].join('\n') + '\n';
}
