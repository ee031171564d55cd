import { ConfigError } from '../errors.js';
import { Rng } from './Rng.js';
import { NUM_CLASSES, REAL_CLASS_COUNTS, REAL_LABELS_PER_ROW, REAL_PAIR_COUNTS, REAL_ROWS } from './labelStats.js';

/** What the sampler aims for: per-row frequencies of each class, of 1..5 labels, and of the listed pairs. */
export interface LabelTargets {
  /** P(class in row), index = class. Sums to the mean number of labels per row. */
  classFreq: number[];
  /** P(row has k labels) for k = 1..5 (index 0 = one label). */
  labelsPerRow: number[];
  /** [a, b, P(row holds a and b)]. */
  pairFreq: [number, number, number][];
}

/** Largest allowed `minClassFrac`: 28 floors must stay below the mean number of labels per row. */
export const MAX_MIN_CLASS_FRAC = 0.05;

/**
 * The real statistics, with every class's frequency floored at `minClassFrac` (so that rare classes such as
 * 27 "Rods & rings", 11 of 31072 rows, still appear in a 2000-sample set). The other classes (and the pairs)
 * are scaled down together so that the frequencies still sum to the real mean number of labels per row.
 */
export function labelTargets(minClassFrac: number): LabelTargets {
  if (!(minClassFrac >= 0 && minClassFrac <= MAX_MIN_CLASS_FRAC)) {
    throw new ConfigError(`minClassFrac must be in [0, ${MAX_MIN_CLASS_FRAC}] but received ${minClassFrac}`);
  }
  const labelsPerRow = REAL_LABELS_PER_ROW.map((n) => n / REAL_ROWS);
  const meanK = labelsPerRow.reduce((s, p, i) => s + p * (i + 1), 0);
  const real = REAL_CLASS_COUNTS.map((n) => n / REAL_ROWS);
  const floored = new Array<boolean>(NUM_CLASSES).fill(false);
  let scale = 1;
  // Floor, rescale the rest, repeat: rescaling may push another class under the floor.
  for (let iter = 0; iter < NUM_CLASSES; iter++) {
    let freeSum = 0;
    let nFloored = 0;
    for (let c = 0; c < NUM_CLASSES; c++) {
      if (floored[c]) nFloored++;
      else freeSum += real[c];
    }
    scale = (meanK - nFloored * minClassFrac) / freeSum;
    let changed = false;
    for (let c = 0; c < NUM_CLASSES; c++) {
      if (!floored[c] && real[c] * scale < minClassFrac) {
        floored[c] = true;
        changed = true;
      }
    }
    if (!changed) break;
  }
  const classFreq = real.map((f, c) => (floored[c] ? minClassFrac : f * scale));
  const pairFreq = REAL_PAIR_COUNTS.map(([a, b, n]) => [a, b, (n / REAL_ROWS) * scale] as [number, number, number]);
  return { classFreq, labelsPerRow, pairFreq };
}

/**
 * Draws label sets that follow {@link labelTargets}: the number of labels k from the real labels-per-row
 * distribution, then k distinct classes one after the other, each with weight w[c] · Π A[s][c] over the classes s
 * already drawn. The weights w and the pair affinities A (1 except for the listed pairs) are fitted once by
 * iterative proportional fitting on a fixed-seed Monte-Carlo run, so the sampler is deterministic.
 */
export class LabelSampler {
  private static readonly cache = new Map<number, LabelSampler>();
  readonly targets: LabelTargets;
  private readonly w = new Float64Array(NUM_CLASSES);
  private readonly affinity = new Float64Array(NUM_CLASSES * NUM_CLASSES);
  private readonly kCdf: number[];
  private readonly prod = new Float64Array(NUM_CLASSES);

  private constructor(minClassFrac: number) {
    this.targets = labelTargets(minClassFrac);
    let acc = 0;
    this.kCdf = this.targets.labelsPerRow.map((p) => (acc += p));
    this.kCdf[this.kCdf.length - 1] = 1;
    this.calibrate();
  }

  /** The (cached) sampler for a floor; fitting takes about a tenth of a second. */
  static create(minClassFrac: number): LabelSampler {
    let s = LabelSampler.cache.get(minClassFrac);
    if (!s) {
      s = new LabelSampler(minClassFrac);
      LabelSampler.cache.set(minClassFrac, s);
    }
    return s;
  }

  /** One label set, classes in the order drawn (the real train.csv is not sorted within a row either). */
  sample(rng: Rng): number[] {
    const u = rng.next();
    let k = 1;
    while (k < this.kCdf.length && u >= this.kCdf[k - 1]) k++;
    return this.draw(rng, k);
  }

  private draw(rng: Rng, k: number): number[] {
    const prod = this.prod;
    prod.fill(1);
    const out: number[] = [];
    for (let step = 0; step < k; step++) {
      let total = 0;
      for (let c = 0; c < NUM_CLASSES; c++) total += this.w[c] * prod[c];
      let r = rng.next() * total;
      let pick = -1;
      for (let c = 0; c < NUM_CLASSES; c++) {
        const v = this.w[c] * prod[c];
        if (v <= 0) continue;
        pick = c;
        r -= v;
        if (r < 0) break;
      }
      out.push(pick);
      prod[pick] = 0;
      const row = pick * NUM_CLASSES;
      for (let c = 0; c < NUM_CLASSES; c++) prod[c] *= this.affinity[row + c];
    }
    return out;
  }

  private calibrate(): void {
    const { classFreq, pairFreq } = this.targets;
    for (let c = 0; c < NUM_CLASSES; c++) this.w[c] = classFreq[c];
    this.affinity.fill(1);
    const draws = 20000;
    const counts = new Float64Array(NUM_CLASSES);
    const pairCounts = new Float64Array(pairFreq.length);
    const pairIndex = new Int32Array(NUM_CLASSES * NUM_CLASSES).fill(-1);
    pairFreq.forEach(([a, b], i) => {
      pairIndex[a * NUM_CLASSES + b] = i;
      pairIndex[b * NUM_CLASSES + a] = i;
    });
    const rng = new Rng(0x5eed, 0xca1b);
    for (let iter = 0; iter < 40; iter++) {
      counts.fill(0);
      pairCounts.fill(0);
      for (let n = 0; n < draws; n++) {
        const labels = this.sample(rng);
        for (let i = 0; i < labels.length; i++) {
          counts[labels[i]]++;
          for (let j = i + 1; j < labels.length; j++) {
            const p = pairIndex[labels[i] * NUM_CLASSES + labels[j]];
            if (p >= 0) pairCounts[p]++;
          }
        }
      }
      // Damped multiplicative updates; the +0.5 keeps a class that was not drawn from blowing up.
      for (let c = 0; c < NUM_CLASSES; c++) {
        this.w[c] *= Math.pow((classFreq[c] * draws + 0.5) / (counts[c] + 0.5), 0.7);
      }
      pairFreq.forEach(([a, b, f], i) => {
        const ratio = Math.pow((f * draws + 0.5) / (pairCounts[i] + 0.5), 0.5);
        const v = Math.min(20, Math.max(0.05, this.affinity[a * NUM_CLASSES + b] * ratio));
        this.affinity[a * NUM_CLASSES + b] = v;
        this.affinity[b * NUM_CLASSES + a] = v;
      });
    }
  }
}
