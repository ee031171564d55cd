/**
 * `hpaic dedupe`: HPAv18 images that duplicate Kaggle training images, found as bestfitting did
 * (data_process/s5_train_match_external.py): the pHash (imagehash's, src/data/image/phash.ts) of the red, green
 * and blue channel of every image; a pair matches when the Hamming distance is ≤ threshold (12) in all three.
 * Writes, atomically, into `out` (default: the HPAv18 folder):
 * - `hpav18_duplicates.csv`: `Train,Extra,SimR,SimG,SimB`, one row per matching pair (Kaggle Id, HPAv18 Id, distances);
 * - `HPAv18_train_dedup.csv`: the HPAv18 label file without the matched HPAv18 Ids. Give it to
 *   `hpaic convert --hpav18 <out>/HPAv18_train_dedup.csv` (images are looked up next to it, so `out` should be
 *   the HPAv18 folder, the default) to build train.hdf5 without the duplicates.
 */
import { dirname, join, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import { DataError, UsageError } from '../../errors.js';
import { writeFileAtomic } from '../../io/text/writeFileAtomic.js';
import { withFsErrors } from '../../io/fs/fsError.js';
import { Progress } from '../../io/text/progress.js';
import { openChannelSource, isDir, type ChannelSource } from '../store/channelSource.js';
import { readLabelCsv } from '../tables/csv.js';
import { decodeMultiHot } from '../tables/labels.js';
import { decodeGrey } from '../image/decodeImage.js';
import { hammingDistance, packHash, phash } from '../image/phash.js';
import { hpav18Locations, originalCsv } from './convertKaggle.js';

export const DEDUPE_COLORS = ['red', 'green', 'blue'] as const;
export const DUPLICATES_CSV = 'hpav18_duplicates.csv';
export const DEDUP_LABELS_CSV = 'HPAv18_train_dedup.csv';

export interface DedupeOptions {
  /** The Kaggle folder (train.csv + train/ or train.zip). */
  kaggle: string;
  /** The HPAv18 folder (HPAv18_train.csv + images) or its CSV. */
  hpav18: string;
  /** Output folder; default the HPAv18 folder. */
  out?: string;
  /** Largest Hamming distance of a match, in every channel. Default 12 (bestfitting). */
  threshold?: number;
  /** Images decoded at once. Default 4. */
  workers?: number;
  quiet?: boolean;
}

export interface DuplicatePair {
  train: string;
  extra: string;
  distances: [number, number, number];
}

export interface DedupeResult {
  pairs: DuplicatePair[];
  duplicatesCsv: string;
  labelsCsv: string;
  kept: number;
  removed: number;
}

type PackedHashes = [number, number][][]; // [colour][row]

/** The packed R, G, B pHashes of every id, decoding `workers` images at once. */
async function hashAll(source: ChannelSource, ids: readonly string[], workers: number, label: string, quiet: boolean): Promise<PackedHashes> {
  const out: PackedHashes = DEDUPE_COLORS.map(() => new Array<[number, number]>(ids.length));
  const progress = new Progress({ total: ids.length, label, unit: 'image', quiet });
  let next = 0;
  const work = async (): Promise<void> => {
    while (next < ids.length) {
      const i = next++;
      for (let c = 0; c < DEDUPE_COLORS.length; c++) {
        const color = DEDUPE_COLORS[c];
        const img = await decodeGrey(await source.read(ids[i], color), { file: source.describe(ids[i], color), strictGrey: false });
        out[c][i] = packHash(phash(img.data, img.width, img.height));
      }
      progress.tick();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, workers) }, work));
  progress.finish();
  return out;
}

/** Every (Kaggle, HPAv18) pair within `threshold` in all three channels, in Kaggle then HPAv18 row order. */
export function matchHashes(train: PackedHashes, extra: PackedHashes, trainIds: readonly string[], extraIds: readonly string[], threshold: number): DuplicatePair[] {
  const pairs: DuplicatePair[] = [];
  for (let t = 0; t < trainIds.length; t++) {
    for (let e = 0; e < extraIds.length; e++) {
      const r = hammingDistance(train[0][t], extra[0][e]);
      if (r > threshold) continue;
      const g = hammingDistance(train[1][t], extra[1][e]);
      if (g > threshold) continue;
      const b = hammingDistance(train[2][t], extra[2][e]);
      if (b > threshold) continue;
      pairs.push({ train: trainIds[t], extra: extraIds[e], distances: [r, g, b] });
    }
  }
  return pairs;
}

export async function dedupeHpav18(opts: DedupeOptions): Promise<DedupeResult> {
  const threshold = opts.threshold ?? 12;
  if (!Number.isInteger(threshold) || threshold < 0 || threshold > 64) throw new UsageError(`--threshold expects an integer from 0 to 64 but received ${threshold}`);
  const kaggleDir = resolve(opts.kaggle);
  if (!isDir(kaggleDir)) throw new DataError(`--kaggle ${kaggleDir}: no such folder`);
  const loc = hpav18Locations(resolve(opts.hpav18));
  const outDir = resolve(opts.out ?? (isDir(resolve(opts.hpav18)) ? opts.hpav18 : dirname(loc.csv)));
  withFsErrors(outDir, 'create the folder', () => mkdirSync(outDir, { recursive: true }));
  const kaggleCsv = originalCsv(kaggleDir, 'train.csv', 'train_kaggle.csv');
  const kaggle = readLabelCsv(kaggleCsv);
  const hpa = readLabelCsv(loc.csv);
  if (kaggle.ids.length === 0) throw new DataError(`${kaggleCsv}: no rows after the header; expected one Id,Target row per training sample`);
  if (hpa.ids.length === 0) throw new DataError(`${loc.csv}: no rows after the header; expected one Id,Target row per HPAv18 sample`);
  const kaggleSrc = await openChannelSource([join(kaggleDir, 'train'), join(kaggleDir, 'train.zip')], `the Kaggle training set (${kaggleCsv})`);
  const hpaSrc = await openChannelSource(loc.images, `HPAv18 (${loc.csv})`);
  const quiet = opts.quiet ?? false;
  let pairs: DuplicatePair[];
  try {
    const trainHashes = await hashAll(kaggleSrc, kaggle.ids, opts.workers ?? 4, 'pHash Kaggle', quiet);
    const extraHashes = await hashAll(hpaSrc, hpa.ids, opts.workers ?? 4, 'pHash HPAv18', quiet);
    pairs = matchHashes(trainHashes, extraHashes, kaggle.ids, hpa.ids, threshold);
  } finally {
    await kaggleSrc.close();
    await hpaSrc.close();
  }
  const duplicatesCsv = join(outDir, DUPLICATES_CSV);
  writeFileAtomic(duplicatesCsv, ['Train,Extra,SimR,SimG,SimB', ...pairs.map((p) => [p.train, p.extra, ...p.distances].join(','))].join('\n') + '\n');
  const dup = new Set(pairs.map((p) => p.extra));
  const lines = ['Id,Target'];
  for (let r = 0; r < hpa.ids.length; r++) if (!dup.has(hpa.ids[r])) lines.push(`${hpa.ids[r]},${decodeMultiHot(hpa.labels, r).join(' ')}`);
  const labelsCsv = join(outDir, DEDUP_LABELS_CSV);
  writeFileAtomic(labelsCsv, lines.join('\n') + '\n');
  return { pairs, duplicatesCsv, labelsCsv, kept: lines.length - 1, removed: hpa.ids.length - (lines.length - 1) };
}
