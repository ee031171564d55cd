/**
 * `hpaic predict`'s output: a CSV with `Id`, `Predicted` (class numbers, space-separated, as in a submission),
 * `Names` (their class names, `;`-separated) and the 28 probabilities `p0` … `p27` (shortest float32 text);
 * or one JSON document with the same content plus the thresholds, folds and skipped samples.
 */
import { CLASS_NAMES, NUM_CLASSES } from '../data/tables/labels.js';
import { float32Repr } from '../run/probabilityFile.js';
import type { ImagePredictions } from './predictImages.js';

export const PREDICTION_HEADER = ['Id', 'Predicted', 'Names', ...Array.from({ length: NUM_CLASSES }, (_, c) => `p${c}`)].join(',');

/** The CSV text (names hold spaces and commas-free words; a `;` separates them). */
export function formatPredictionCsv(p: ImagePredictions): string {
  const lines = [PREDICTION_HEADER];
  p.ids.forEach((id, i) => {
    const probs = Array.from(p.probs.subarray(i * NUM_CLASSES, (i + 1) * NUM_CLASSES), float32Repr);
    const names = p.labels[i].map((c) => CLASS_NAMES[c]).join(';');
    lines.push([id, p.labels[i].join(' '), names.includes(',') ? JSON.stringify(names) : names, ...probs].join(','));
  });
  return lines.join('\n') + '\n';
}

/** The JSON document (`--json`). Probabilities are the float32 values written as the shortest decimal. */
export function formatPredictionJson(p: ImagePredictions): string {
  return JSON.stringify(
    {
      threshold: { source: p.thresholdSource, perClass: p.thresholds.map((t) => Number(float32Repr(Math.fround(t)))) },
      folds: p.folds,
      classNames: CLASS_NAMES,
      samples: p.ids.map((id, i) => ({
        id,
        labels: p.labels[i],
        names: p.labels[i].map((c) => CLASS_NAMES[c]),
        probabilities: Array.from(p.probs.subarray(i * NUM_CLASSES, (i + 1) * NUM_CLASSES), (v) => Number(float32Repr(v))),
      })),
      skipped: p.problems,
    },
    null,
    1,
  ) + '\n';
}
