/**
 * The gallery's samples: a fold's validation samples (`fold_<k>/val_probabilities.csv`) or a test probability
 * file (`submission/*_probs.csv`), each with its true labels (from --data, when known) and probabilities; the
 * browser applies the thresholds, filters and sorts.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { foldPaths, RUN_FILES } from '../run/runFolder.js';
import { readProbabilityFile } from '../run/probabilityFile.js';
import { readThresholdFile } from '../predict/thresholdFile.js';
import { NUM_CLASSES } from '../data/tables/labels.js';
import type { DatasetLabels } from './datasetLabels.js';

export interface GallerySource {
  key: string;
  label: string;
}

/** The probability files of a run the gallery can show: `val:<k>` per fold, `test:<file>` per submission. */
export function gallerySources(runDir: string): GallerySource[] {
  const out: GallerySource[] = [];
  for (let k = 1; existsSync(foldPaths(runDir, k).dir); k++) if (existsSync(foldPaths(runDir, k).valProbabilities)) out.push({ key: `val:${k}`, label: `fold ${k} validation` });
  const sub = join(runDir, RUN_FILES.submission);
  if (existsSync(sub)) for (const f of readdirSync(sub).filter((n) => n.endsWith('_probs.csv')).sort()) out.push({ key: `test:${f}`, label: `test: ${f}` });
  return out;
}

export function gallery(runDir: string, source: string, labels: DatasetLabels | null) {
  const sources = gallerySources(runDir);
  const src = sources.find((s) => s.key === source) ?? sources[0];
  if (!src) return { sources, source: null, thresholds: {}, samples: [] };
  const [kind, rest] = [src.key.slice(0, src.key.indexOf(':')), src.key.slice(src.key.indexOf(':') + 1)];
  const file = kind === 'val' ? foldPaths(runDir, Number(rest)).valProbabilities : join(runDir, RUN_FILES.submission, rest);
  const table = readProbabilityFile(file);
  // Thresholds of the fold (validation) or the fold mean (test), by kind, as threshold.json has them.
  let thresholds: Record<string, number | number[]> = { default: 0.5 };
  const tf = join(runDir, RUN_FILES.threshold);
  if (existsSync(tf)) {
    try {
      const t = readThresholdFile(tf);
      const fold = t[`fold_${kind === 'val' ? rest : 1}`] ?? Object.values(t)[0];
      thresholds = Object.fromEntries(Object.entries(fold).map(([k, e]) => [k, e.threshold]));
    } catch {
      /* an unreadable threshold file: 0.5 only */
    }
  }
  const samples = table.ids.map((id, i) => ({
    id,
    truth: labels?.classes(id) ?? null,
    probs: Array.from(table.probs.subarray(i * NUM_CLASSES, (i + 1) * NUM_CLASSES)),
  }));
  return { sources, source: src.key, thresholds, samples };
}
