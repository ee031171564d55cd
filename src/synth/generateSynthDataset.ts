/**
 * `hpaic synth`: a synthetic HPA-like dataset in the Kaggle layout, deterministic for a seed.
 */
import { startWorker } from '../workers/startWorker.js';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import { writeFileAtomic } from '../io/text/writeFileAtomic.js';
import { Progress } from '../io/text/progress.js';
import { LabelSampler, MAX_MIN_CLASS_FRAC } from './LabelSampler.js';
import { synthId, synthLabels, writeSynthSample, type SynthJob, type SynthRender, type SynthSplit } from './synthSample.js';

export interface SynthOptions {
  /** Output folder (created if missing). */
  out: string;
  /** Training samples (default 2000). */
  train?: number;
  /** Test samples (default 500). */
  test?: number;
  /** Image side in pixels (default 128; the real data is 512). */
  size?: number;
  /** Seed: the same seed gives byte-identical files (default 1). */
  seed?: number;
  /** Floor on every class's per-sample frequency so rare classes appear (default 0.01; 0 = the real statistics). */
  minClassFrac?: number;
  /** Field-of-view magnification in [1, 4]: bigger, fewer cells, for small images (default 1). */
  zoom?: number;
  /** Worker threads (default: available cores, at most 8; 0 or 1 renders on the calling thread). */
  workers?: number;
  /** No progress bar. */
  quiet?: boolean;
}

export interface SynthResult {
  out: string;
  train: number;
  test: number;
  size: number;
  seed: number;
  minClassFrac: number;
  workers: number;
  seconds: number;
}

/** Samples per message to a worker thread. */
const BATCH = 8;

export const SYNTH_DEFAULTS = { train: 2000, test: 500, size: 128, seed: 1, minClassFrac: 0.01 } as const;

function checkInt(name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) throw new ConfigError(`synth option ${name} must be an integer in [${min}, ${max}] but received ${v}`);
}

/** Ids and labels of a split (cheap: nothing is rendered). Ids are unique across both splits. */
export function synthJobs(split: SynthSplit, count: number, seed: number, minClassFrac: number, taken = new Set<string>()): SynthJob[] {
  const sampler = LabelSampler.create(minClassFrac);
  const jobs: SynthJob[] = [];
  for (let index = 0; index < count; index++) {
    let id = synthId(seed, split, index);
    for (let salt = 1; taken.has(id); salt++) id = synthId(seed, split, index, salt);
    taken.add(id);
    jobs.push({ split, index, id, labels: synthLabels(sampler, seed, split, index) });
  }
  return jobs;
}

function csv(header: string, rows: string[]): string {
  return [header, ...rows].join('\n') + '\n';
}

const byId = (a: SynthJob, b: SynthJob): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Writes `<out>/train/`, `<out>/test/` (four `<Id>_<colour>.png` per sample), `train.csv` (Id,Target),
 * `sample_submission.csv` (Id,Predicted, every Predicted = 0) and `test_truth.csv` (the hidden test labels).
 * The CSVs are sorted by Id like Kaggle's and written last, so their presence means the images are complete.
 */
export async function generateSynthDataset(opts: SynthOptions): Promise<SynthResult> {
  const train = opts.train ?? SYNTH_DEFAULTS.train;
  const test = opts.test ?? SYNTH_DEFAULTS.test;
  const size = opts.size ?? SYNTH_DEFAULTS.size;
  const seed = opts.seed ?? SYNTH_DEFAULTS.seed;
  const minClassFrac = opts.minClassFrac ?? SYNTH_DEFAULTS.minClassFrac;
  const zoom = opts.zoom ?? 1;
  if (!(zoom >= 1 && zoom <= 4)) throw new ConfigError(`synth option zoom must be in [1, 4] but received ${zoom}`);
  checkInt('train', train, 0, 10_000_000);
  checkInt('test', test, 0, 10_000_000);
  checkInt('size', size, 32, 4096);
  checkInt('seed', seed, 0, 2 ** 31 - 1);
  if (!(minClassFrac >= 0 && minClassFrac <= MAX_MIN_CLASS_FRAC)) {
    throw new ConfigError(`synth option minClassFrac must be in [0, ${MAX_MIN_CLASS_FRAC}] but received ${minClassFrac}`);
  }
  const requested = opts.workers ?? Math.min(8, availableParallelism());
  checkInt('workers', requested, 0, 64);
  // No more workers than batches to hand out.
  const workers = Math.min(requested, Math.ceil((train + test) / BATCH));

  const start = Date.now();
  const taken = new Set<string>();
  const trainJobs = synthJobs('train', train, seed, minClassFrac, taken);
  const testJobs = synthJobs('test', test, seed, minClassFrac, taken);
  mkdirSync(join(opts.out, 'train'), { recursive: true });
  mkdirSync(join(opts.out, 'test'), { recursive: true });

  const all = [...trainJobs, ...testJobs];
  const progress = new Progress({ total: all.length, label: 'synth', unit: 'samples', quiet: opts.quiet });
  if (workers <= 1) {
    for (const job of all) {
      await writeSynthSample(opts.out, seed, size, job, zoom);
      progress.tick();
    }
  } else {
    await runInWorkers(all, workers, { out: opts.out, seed, size, zoom }, (n) => progress.tick(n));
  }
  progress.finish();

  const trainRows = [...trainJobs].sort(byId).map((j) => `${j.id},${j.labels.join(' ')}`);
  const testSorted = [...testJobs].sort(byId);
  writeFileAtomic(join(opts.out, 'train.csv'), csv('Id,Target', trainRows));
  writeFileAtomic(join(opts.out, 'sample_submission.csv'), csv('Id,Predicted', testSorted.map((j) => `${j.id},0`)));
  writeFileAtomic(join(opts.out, 'test_truth.csv'), csv('Id,Target', testSorted.map((j) => `${j.id},${j.labels.join(' ')}`)));
  return { out: opts.out, train, test, size, seed, minClassFrac, workers: Math.max(1, workers), seconds: (Date.now() - start) / 1000 };
}

async function runInWorkers(jobs: SynthJob[], n: number, data: SynthRender, onDone: (k: number) => void): Promise<void> {
  let next = 0;
  const pool = Array.from({ length: n }, () => startWorker(import.meta.url, 'synthWorker', { workerData: data }));
  try {
    await Promise.all(
      pool.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const feed = (): void => {
              if (next >= jobs.length) {
                resolve();
                return;
              }
              const chunk = jobs.slice(next, next + BATCH);
              next += chunk.length;
              w.postMessage(chunk);
            };
            w.on('message', (m: { done?: number; error?: string }) => {
              if (m.error) reject(new Error(`synth worker failed: ${m.error}`));
              else {
                onDone(m.done ?? 0);
                feed();
              }
            });
            w.on('error', reject);
            w.on('exit', (code) => {
              if (code !== 0) reject(new Error(`synth worker exited with code ${code}`));
            });
            feed();
          }),
      ),
    );
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
}
