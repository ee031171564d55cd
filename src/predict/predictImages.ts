/**
 * `hpaic predict`: a trained run on new images (sampleImages.ts reads them). The same path as `hpaic submit`:
 * the images are put in the stored RGBY layout, read by the same loader (resize to img_h × img_w, the run's
 * channel filter), predicted by each chosen fold with the same TTA and weights, the fold logits averaged, then
 * σ and the threshold (the folds' mean threshold of one threshold.json kind, or a number). Samples are
 * processed in chunks so that memory stays bounded for large folders.
 */
import type { HpaicConfig } from '../config/schema.js';
import { DataLoader } from '../data/loader/DataLoader.js';
import type { AugOp } from '../data/image/augOps.js';
import { buildTtaList, takeTta, ttaWeights, type TtaOptions } from '../data/image/tta.js';
import { fillEmpty as fillEmptyRows } from '../data/tables/csv.js';
import { NUM_CLASSES } from '../data/tables/labels.js';
import { CheckpointError, UsageError } from '../errors.js';
import { inputNormFor } from '../models/inputNorm.js';
import { describePrecision, resolvePrecision } from '../run/precision.js';
import { resolveDevice } from '../run/resolveDevice.js';
import { RunFolder } from '../run/runFolder.js';
import { setNumThreads } from '../tensor/runtime.js';
import { Progress } from '../io/text/progress.js';
import { binarize, type Thresholds } from './binarize.js';
import { forEachFoldModel } from './loadFoldModels.js';
import { predictLogits, torchSigmoid } from './predict.js';
import { groupSampleFiles, loadSampleRgby, type Depth16Mode, type SampleFiles, type SampleProblem } from './sampleImages.js';
import { meanLogits, meanThresholds } from './submissionFiles.js';
import { foldThresholdList, readThresholdFile } from './thresholdFile.js';

export interface PredictImagesOptions extends TtaOptions {
  /** Folders (listed, not recursed) and image files. */
  images: readonly string[];
  /** Fold numbers to ensemble (default: every fold of the run). */
  folds?: readonly number[];
  /** false = no TTA (`--no-tta`). */
  tta?: boolean;
  numAug?: number;
  ttaWeight?: number;
  ttaSeed?: number;
  /** A threshold.json kind (`class_best`, `single_best`, `lb`, `default`, …) or a number. Default `class_best`. */
  threshold?: string | number;
  /** Class written into rows without predictions; null (default) leaves them empty. */
  fillEmpty?: number | null;
  /** Side of the stored square images (the seed's 512): channels of another size are Lanczos-resized to it. */
  storeSize?: number;
  depth16?: Depth16Mode;
  /** Samples decoded and predicted at a time (memory: storeSize² × 4 bytes each). Default 256. */
  chunkSize?: number;
  quiet?: boolean;
  /** One line per event (default: stderr unless quiet). */
  log?: (line: string) => void;
}

export interface ImagePredictions {
  /** Sample Ids predicted, in input order. */
  ids: string[];
  /** Row-major ids × 28 float32 probabilities: σ of the mean of the folds' (TTA-combined) logits. */
  probs: Float32Array;
  /** The predicted classes of each sample, ascending. */
  labels: number[][];
  /** The per-class thresholds applied. */
  thresholds: number[];
  /** Where they came from: `class_best (mean of folds 1, 2)` or `0.3`. */
  thresholdSource: string;
  folds: number[];
  /** Samples skipped, with the reason. */
  problems: SampleProblem[];
}

/** Predict new images with a run (see the module comment). */
export async function predictImages(config: HpaicConfig, opts: PredictImagesOptions): Promise<ImagePredictions> {
  if (config.threads) setNumThreads(config.threads);
  const quiet = opts.quiet ?? process.env.HPAIC_QUIET === '1';
  const log = opts.log ?? ((line: string) => (quiet ? undefined : process.stderr.write(`${line}\n`)));
  const device = resolveDevice(config.device);
  const precision = resolvePrecision(config.precision, device);
  const run = RunFolder.of(config);
  const folds = (opts.folds ?? run.folds().map((f) => f.fold)).slice();
  if (folds.length === 0) throw new CheckpointError(`${run.root}: no fold checkpoint (fold_1/model.pth); train the run first`);
  const threshold = pickThreshold(run, folds, opts.threshold ?? 'class_best');
  const { samples, problems } = groupSampleFiles(opts.images);
  const tta = opts.tta === false ? [] : takeTta(buildTtaList(opts, opts.ttaSeed ?? config.seed), opts.numAug);
  const weights = ttaWeights(tta.length, opts.ttaWeight ?? 0.6);
  log(`Forward pass: ${describePrecision(precision)}; folds ${folds.join(', ')}; TTA ${tta.length ? tta.map((p) => p.name).join(', ') : 'none'}`);
  const storeSize = opts.storeSize ?? 512;
  const chunkSize = opts.chunkSize ?? 256;
  if (!(Number.isInteger(storeSize) && storeSize > 0)) throw new UsageError(`--store-size expects a positive integer but received ${storeSize}`);

  const ids: string[] = [];
  const chunks: Float32Array[] = [];
  for (let start = 0; start < samples.length; start += chunkSize) {
    const part = samples.slice(start, start + chunkSize);
    const { names, pixels } = await decodeChunk(part, { storeSize, filters: config.dataset.filters, depth16: opts.depth16, quiet, label: `decode ${start + 1}-${start + part.length}/${samples.length}` }, problems);
    if (names.length === 0) continue;
    log(`Samples ${start + 1}-${start + part.length} of ${samples.length}: ${names.length} readable`);
    // As submit: at most one loader worker (it resizes the next batch while the model runs); the pixels sit in a
    // SharedArrayBuffer, so the worker reads them without a copy.
    const workers = Math.min(1, config.dataloader.workers);
    const common = { store: { kind: 'memory' as const, names, data: pixels, height: storeSize, width: storeSize }, filter: config.dataset.filters, batchSize: config.dataloader.batch_size, workers };
    const size = { height: config.img_h, width: config.img_w };
    const loader = new DataLoader({ ...common, transform: { kind: 'plain', ...size } });
    const opsLoader = (ops: readonly AugOp[]): DataLoader => new DataLoader({ ...common, transform: { kind: 'ops', ...size, ops } });
    const foldLogits: Float32Array[] = [];
    try {
      await forEachFoldModel(
        config,
        device,
        async (model, fold) => {
          const label = `fold ${fold.fold} ${names.length} sample(s)${tta.length ? ` + ${tta.length} TTA` : ''}`;
          foldLogits.push(await predictLogits({ model, loader, device, channelsLast: config.channels_last, precision, inputNorm: inputNormFor(config), tta, weights, opsLoader, label, quiet }));
        },
        folds,
      );
    } finally {
      await loader.close();
    }
    ids.push(...names);
    chunks.push(foldLogits.length === 1 ? foldLogits[0] : meanLogits(foldLogits));
  }
  const logits = new Float32Array(ids.length * NUM_CLASSES);
  let offset = 0;
  for (const c of chunks) {
    logits.set(c, offset);
    offset += c.length;
  }
  const probs = ids.length ? torchSigmoid(logits) : new Float32Array(0);
  let pred = binarize(probs, threshold.value);
  if (opts.fillEmpty !== undefined && opts.fillEmpty !== null) pred = fillEmptyRows(pred, opts.fillEmpty);
  const labels = ids.map((_, i) => {
    const l: number[] = [];
    for (let c = 0; c < NUM_CLASSES; c++) if (pred[i * NUM_CLASSES + c]) l.push(c);
    return l;
  });
  for (const p of problems) log(`skipped ${p.id}: ${p.problem}`);
  const thresholds = typeof threshold.value === 'number' ? new Array<number>(NUM_CLASSES).fill(threshold.value) : [...threshold.value];
  return { ids, probs, labels, thresholds, thresholdSource: threshold.source, folds, problems };
}

/** Files decoded at a time: sharp decodes in libvips' threads, so a few in flight keep the cores busy. */
const DECODES_IN_FLIGHT = 4;

/** Decode a chunk's samples (a few at a time, in order); a sample that fails becomes a problem and is left out. */
async function decodeChunk(part: readonly SampleFiles[], o: { storeSize: number; filters: string; depth16?: Depth16Mode; quiet: boolean; label: string }, problems: SampleProblem[]): Promise<{ names: string[]; pixels: Uint8Array }> {
  const one = o.storeSize * o.storeSize * 4;
  const decoded: (Uint8Array | Error)[] = new Array(part.length);
  const progress = new Progress({ total: part.length, label: o.label, unit: 'sample', quiet: o.quiet });
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < part.length; i = next++) {
      decoded[i] = await loadSampleRgby(part[i], o).catch((err: Error) => err);
      progress.tick();
    }
  };
  await Promise.all(Array.from({ length: Math.min(DECODES_IN_FLIGHT, part.length) }, worker));
  progress.finish();
  const pixels = new Uint8Array(new SharedArrayBuffer(part.length * one));
  const names: string[] = [];
  part.forEach((s, i) => {
    const d = decoded[i];
    if (d instanceof Error) problems.push({ id: s.id, problem: d.message });
    else {
      pixels.set(d, names.length * one);
      names.push(s.id);
    }
  });
  return { names, pixels: pixels.subarray(0, names.length * one) };
}

/**
 * The threshold to apply: a number, or a threshold.json kind averaged over the chosen folds (as `hpaic submit`'s
 * fold ensemble does; one fold uses its own).
 * @throws UsageError for an unknown kind; CheckpointError when threshold.json is missing a fold
 */
export function pickThreshold(run: RunFolder, folds: readonly number[], kind: string | number): { value: Thresholds; source: string } {
  const n = typeof kind === 'number' ? kind : /^(0|1|0?\.\d+|1\.0*)$/.test(kind) ? Number(kind) : NaN;
  if (!Number.isNaN(n)) {
    if (!(n >= 0 && n <= 1)) throw new UsageError(`--threshold expects a number in [0, 1] or a threshold.json kind but received ${kind}`);
    return { value: n, source: String(n) };
  }
  const perFold = foldThresholdList(readThresholdFile(run.thresholdJson));
  const list = folds.map((k) => {
    const entries = perFold[k - 1];
    if (!entries) throw new CheckpointError(`${run.thresholdJson} has no fold_${k} entry: rerun hpaic find-thresholds`);
    const e = entries.find((t) => t.key === kind);
    if (!e) throw new UsageError(`--threshold: ${run.thresholdJson} fold_${k} has no kind "${kind}"; it has ${entries.map((t) => t.key).join(', ')} (or give a number such as 0.3)`);
    return e.threshold;
  });
  return { value: list.length === 1 ? list[0] : meanThresholds(list), source: `${kind} (${list.length === 1 ? 'fold' : 'mean of folds'} ${folds.join(', ')})` };
}
