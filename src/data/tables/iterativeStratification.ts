import { DataError } from '../../errors.js';
import type { LegacyRandomState } from './legacyRandomState.js';

/**
 * Iterative multilabel stratification (Sechidis et al. 2011) exactly as iterative-stratification 0.1.6's
 * `IterativeStratification(labels, r, k, random_state)` computes it (seed-spec §4.3), including the order of
 * the random draws, so that the same labels and generator state give the same folds as the seed.
 *
 * @param labels row-major N×C 0/1 matrix (non-zero = has the label)
 * @param numClasses C
 * @param r the desired fraction of samples per fold (length F)
 * @param rng numpy-legacy generator used to break ties
 * @returns the fold (0..F−1) of each of the N samples
 */
export function iterativeStratification(labels: ArrayLike<number>, numClasses: number, r: readonly number[], rng: LegacyRandomState): Int32Array {
  const C = numClasses;
  if (!Number.isInteger(C) || C < 1 || labels.length % C !== 0) {
    throw new DataError(`iterativeStratification: labels must be an N×${C} matrix but have ${labels.length} values`);
  }
  const n = labels.length / C;
  const F = r.length;
  const testFolds = new Int32Array(n);

  // Per-sample label lists (CSR) and per-label sample lists, both ascending.
  const labelStart = new Int32Array(n + 1);
  const total = new Float64Array(C);
  let nnz = 0;
  for (let i = 0; i < n; i++) {
    labelStart[i] = nnz;
    for (let c = 0; c < C; c++) if (labels[i * C + c]) { nnz++; total[c]++; }
  }
  labelStart[n] = nnz;
  const sampleLabels = new Int32Array(nnz);
  const labelSampleStart = new Int32Array(C + 1);
  for (let c = 0; c < C; c++) labelSampleStart[c + 1] = labelSampleStart[c] + total[c];
  const labelSamples = new Int32Array(nnz);
  const fill = labelSampleStart.slice(0, C);
  for (let i = 0, k = 0; i < n; i++) {
    for (let c = 0; c < C; c++) {
      if (labels[i * C + c]) {
        sampleLabels[k++] = c;
        labelSamples[fill[c]++] = i;
      }
    }
  }

  // Desired counts: c_folds = r·N, c_folds_labels[f][c] = r[f]·count(c) (float64, as numpy computes them).
  const cFolds = new Float64Array(F);
  const cFoldsLabels = new Float64Array(F * C);
  for (let f = 0; f < F; f++) {
    cFolds[f] = r[f] * n;
    for (let c = 0; c < C; c++) cFoldsLabels[f * C + c] = r[f] * total[c];
  }

  const remaining = Float64Array.from(total); // label counts among unassigned samples
  const processed = new Uint8Array(n);
  let unassigned = n;
  const ties = new Int32Array(Math.max(F, C));
  const ties2 = new Int32Array(F);

  while (unassigned > 0) {
    // The label with the fewest (but at least one) remaining samples; ties broken by rng.choice.
    let min = Infinity;
    for (let c = 0; c < C; c++) if (remaining[c] > 0 && remaining[c] < min) min = remaining[c];
    if (min === Infinity) {
      // Only label-less samples remain: spread them over the folds with the most room.
      for (let i = 0; i < n; i++) {
        if (processed[i]) continue;
        const f = pickMax(cFolds, 0, 1, F, ties, rng);
        testFolds[i] = f;
        cFolds[f] -= 1;
        processed[i] = 1;
      }
      break;
    }
    let nt = 0;
    for (let c = 0; c < C; c++) if (remaining[c] === min) ties[nt++] = c;
    const label = nt > 1 ? ties[rng.choice(nt)] : ties[0];

    for (let p = labelSampleStart[label]; p < labelSampleStart[label + 1]; p++) {
      const i = labelSamples[p];
      if (processed[i]) continue;
      // Folds wanting this label most; then the folds wanting samples most; then random.
      let best = -Infinity;
      for (let f = 0; f < F; f++) if (cFoldsLabels[f * C + label] > best) best = cFoldsLabels[f * C + label];
      let nf = 0;
      for (let f = 0; f < F; f++) if (cFoldsLabels[f * C + label] === best) ties[nf++] = f;
      let fold: number;
      if (nf === 1) fold = ties[0];
      else {
        let bestF = -Infinity;
        for (let t = 0; t < nf; t++) if (cFolds[ties[t]] > bestF) bestF = cFolds[ties[t]];
        let n2 = 0;
        for (let t = 0; t < nf; t++) if (cFolds[ties[t]] === bestF) ties2[n2++] = ties[t];
        fold = n2 > 1 ? ties2[rng.choice(n2)] : ties2[0];
      }
      testFolds[i] = fold;
      processed[i] = 1;
      unassigned--;
      for (let q = labelStart[i]; q < labelStart[i + 1]; q++) {
        const c = sampleLabels[q];
        cFoldsLabels[fold * C + c] -= 1;
        remaining[c] -= 1;
      }
      cFolds[fold] -= 1;
    }
  }
  return testFolds;
}

/** Index (into 0..len−1) of the maximum of `v`, ties broken with `rng.choice(#ties)` in ascending order. */
function pickMax(v: Float64Array, start: number, stride: number, len: number, ties: Int32Array, rng: LegacyRandomState): number {
  let best = -Infinity;
  for (let f = 0; f < len; f++) if (v[start + f * stride] > best) best = v[start + f * stride];
  let nt = 0;
  for (let f = 0; f < len; f++) if (v[start + f * stride] === best) ties[nt++] = f;
  return nt > 1 ? ties[rng.choice(nt)] : ties[0];
}
