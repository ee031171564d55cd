/**
 * Everything about one synthetic sample that is decided from (seed, split, index) alone: its Id, its labels and
 * its pixels. Each uses its own Rng stream, so that labels can be drawn without rendering (fast statistics) and
 * the result does not depend on how samples are shared among worker threads.
 */
import sharp from 'sharp';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/text/writeFileAtomic.js';
import { Rng } from './Rng.js';
import { LabelSampler } from './LabelSampler.js';
import { renderSample, type SynthChannels } from './renderSample.js';

export type SynthSplit = 'train' | 'test';

const SPLIT_STREAM: Record<SynthSplit, number> = { train: 1, test: 2 };
const PURPOSE = { id: 11, labels: 12, image: 13 } as const;

/** One sample to generate. */
export interface SynthJob {
  split: SynthSplit;
  index: number;
  id: string;
  labels: number[];
}

/**
 * A 36-character Id shaped like Kaggle's (which are time-based UUIDs ending in the same node):
 * `xxxxxxxx-xxxx-11e8-xxxx-ac1f6bxxxxxx`. `salt` > 0 only if a collision has to be resolved.
 */
export function synthId(seed: number, split: SynthSplit, index: number, salt = 0): string {
  const h = new Rng(seed, SPLIT_STREAM[split], index, PURPOSE.id, salt).hex(22);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-11e8-${h.slice(12, 16)}-ac1f6b${h.slice(16, 22)}`;
}

/** The label set of a sample. */
export function synthLabels(sampler: LabelSampler, seed: number, split: SynthSplit, index: number): number[] {
  return sampler.sample(new Rng(seed, SPLIT_STREAM[split], index, PURPOSE.labels));
}

/** The pixels of a sample. */
export function synthImage(seed: number, job: Pick<SynthJob, 'split' | 'index' | 'labels'>, size: number, zoom = 1): SynthChannels {
  return renderSample(new Rng(seed, SPLIT_STREAM[job.split], job.index, PURPOSE.image), job.labels, size, zoom);
}

export const CHANNELS = ['red', 'green', 'blue', 'yellow'] as const;

/** What every sample of one dataset shares: `writeSynthSample`'s arguments besides the job (also a worker's workerData). */
export interface SynthRender {
  out: string;
  seed: number;
  size: number;
  zoom: number;
}

/** Renders a sample and writes its four 8-bit grey PNGs `<out>/<split>/<Id>_<colour>.png`. */
export async function writeSynthSample(out: string, seed: number, size: number, job: SynthJob, zoom = 1): Promise<void> {
  const img = synthImage(seed, job, size, zoom);
  const pngs = await Promise.all(
    // toColourspace('b-w'): without it sharp stores a one-channel raw buffer as an RGB PNG.
    CHANNELS.map((c) =>
      sharp(img[c], { raw: { width: size, height: size, channels: 1 } }).toColourspace('b-w').png({ compressionLevel: 3 }).toBuffer(),
    ),
  );
  CHANNELS.forEach((c, i) => writeFileAtomic(join(out, job.split, `${job.id}_${c}.png`), pngs[i]));
}
