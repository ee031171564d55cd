import { classWeights } from './classWeights.js';
import type { FrequencyScaling } from './classWeights.js';
import { CLASS_NAMES, NUM_CLASSES } from './labels.js';
import { WeightedSampler, sampleWeights } from './sampler.js';
import type { SampleWeightMode } from './sampler.js';

/** One run of the sampler analysis: what a full epoch of draws looks like. */
export interface SamplerVariant {
  /** The seed's header, e.g. `Scaling: median | Mode: meanmax`. */
  name: string;
  group: 'none' | 'scaling' | 'damping';
  scaling: FrequencyScaling | 'no sampler';
  mode: SampleWeightMode | null;
  dampingR: number | null;
  /** Label occurrences per class among the drawn samples. */
  classCounts: number[];
  /** Entry j: number of drawn samples with j labels. */
  labelHistogram: number[];
  /** Set when the variant cannot be drawn (e.g. negative sample weights, which torch's sampler refuses). */
  skipped?: string;
}

/** numpy's `linspace(start, stop, num)`: start + i·step, the last value exactly `stop`. */
function linspace(start: number, stop: number, num: number): number[] {
  const step = (stop - start) / (num - 1);
  return Array.from({ length: num }, (_, i) => (i === num - 1 ? stop : i * step + start));
}

/**
 * The seed's `sampler_analysis.py` (seed-spec §2.7) on labels only: no sampler (each sample once, in order);
 * scaling none/median/log(r = 1) × mode mean/meanmax; and a log-damping sweep r = 0.2, 0.4, …, 2.0 with mode
 * meanmax. Each weighted variant draws N samples with replacement from a generator seeded with `seed`.
 * Class weights and sample weights both use the full label set, as the seed does.
 */
export function samplerAnalysis(labels: ArrayLike<number>, opts: { seed?: number; numClasses?: number } = {}): SamplerVariant[] {
  const C = opts.numClasses ?? NUM_CLASSES;
  const n = labels.length / C;
  const seed = opts.seed ?? 92;
  const perRow = new Int32Array(n);
  let maxLabels = 0;
  for (let i = 0; i < n; i++) {
    let k = 0;
    for (let c = 0; c < C; c++) if (labels[i * C + c]) k++;
    perRow[i] = k;
    if (k > maxLabels) maxLabels = k;
  }
  const tally = (indices: Iterable<number>) => {
    const classCounts = new Array<number>(C).fill(0);
    const labelHistogram = new Array<number>(maxLabels + 1).fill(0);
    for (const i of indices) {
      for (let c = 0; c < C; c++) if (labels[i * C + c]) classCounts[c]++;
      labelHistogram[perRow[i]]++;
    }
    return { classCounts, labelHistogram };
  };
  const weighted = (name: string, group: SamplerVariant['group'], scaling: FrequencyScaling, mode: SampleWeightMode, dampingR: number | null): SamplerVariant => {
    const w = classWeights(labels, C, { scaling, dampingR: dampingR ?? 1 });
    const s = sampleWeights(labels, C, w, mode);
    const negative = s.filter((v) => v < 0).length;
    const missing = s.filter((v) => Number.isNaN(v)).length;
    const base = { name, group, scaling, mode, dampingR };
    if (negative > 0 || missing > 0) {
      const why = negative > 0 ? `${negative} samples have a negative weight` : `${missing} samples have no labels (NaN weight)`;
      return { ...base, classCounts: new Array<number>(C).fill(0), labelHistogram: new Array<number>(maxLabels + 1).fill(0), skipped: `${why}; torch's sampler refuses such weights` };
    }
    return { ...base, ...tally(new WeightedSampler(s, { seed }).sample()) };
  };
  const out: SamplerVariant[] = [];
  out.push({ name: 'No sampler', group: 'none', scaling: 'no sampler', mode: null, dampingR: null, ...tally(Array.from({ length: n }, (_, i) => i)) });
  for (const scaling of ['none', 'median', 'log'] as const) {
    for (const mode of ['mean', 'meanmax'] as const) {
      out.push(weighted(`Scaling: ${scaling} | Mode: ${mode}`, 'scaling', scaling, mode, scaling === 'log' ? 1 : null));
    }
  }
  for (const r of linspace(0.2, 2.0, 10)) {
    out.push(weighted(`Scaling: log | Damping ratio: ${Number(r.toFixed(6))} | Mode: meanmax`, 'damping', 'log', 'meanmax', r));
  }
  return out;
}

/** The analysis as CSV: one row per variant, class counts (one column per class name) then `labels_<j>` columns. */
export function formatSamplerAnalysisCsv(variants: readonly SamplerVariant[], numClasses = NUM_CLASSES): string {
  const names = numClasses === NUM_CLASSES ? CLASS_NAMES : Array.from({ length: numClasses }, (_, c) => String(c));
  const hist = Math.max(...variants.map((v) => v.labelHistogram.length));
  const header = ['variant', 'scaling', 'mode', 'damping_r', 'skipped', ...names.map((n) => `class_${n}`), ...Array.from({ length: hist }, (_, j) => `labels_${j}`)];
  const rows = [header.join(',')];
  for (const v of variants) {
    rows.push([`"${v.name}"`, v.scaling ?? '', v.mode ?? '', v.dampingR === null ? '' : Number(v.dampingR.toFixed(6)), v.skipped ? `"${v.skipped}"` : '', ...v.classCounts, ...Array.from({ length: hist }, (_, j) => v.labelHistogram[j] ?? 0)].join(','));
  }
  return rows.join('\n') + '\n';
}
