import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { DataError, UsageError } from '../../errors.js';
import { Progress } from '../../io/text/progress.js';
import { temporaryPathFor, writeFileAtomic } from '../../io/text/writeFileAtomic.js';
import { removeStaleTemporaries } from '../../io/text/writeChunksAtomic.js';
import { withFsErrors } from '../../io/fs/fsError.js';
import { openChannelSource, isDir, type ChannelSource } from '../store/channelSource.js';
import { readCsvColumn, readLabelCsv } from '../tables/csv.js';
import { decodeChannelsRgby, decodeGrey } from '../image/decodeImage.js';
import { pilResizeLanczos } from '../image/pilResize.js';
import { Hdf5Store, type Hdf5Compression } from '../store/Hdf5Store.js';
import { createStoreWriter, openStoreWriter, type StoreWriter } from '../store/StoreWriter.js';
import type { EncodedChunk } from '../../native/loadIngestAddon.js';
import { decodeMultiHot, NUM_CLASSES } from '../tables/labels.js';
import { CHANNEL_COLORS } from '../store/PngFolderStore.js';

/** Options of {@link convertKaggle} (the `hpaic convert` flags). */
export interface ConvertOptions {
  /** Folder with train.csv, sample_submission.csv and train/ + test/ folders or train.zip + test.zip. */
  src: string;
  /** Output folder (created). May equal `src`. */
  dest: string;
  /** HPAv18 images to append: a folder (with HPAv18_train.csv) or the CSV itself (see docs/data-store.md). */
  hpav18?: string;
  /** Image side in pixels. Default 512. Without `resize`, every channel image must already have it. */
  size?: number;
  /**
   * Resize channel images of another size to `size` × `size` with Pillow's LANCZOS filter (pilResize.ts), so that
   * larger stored images (`--size 768`, `--size 1024`, bestfitting) can be made from full-size sources. Default false.
   */
  resize?: boolean;
  /** Samples decoded and compressed concurrently (4 PNG decodes each). Default 4. */
  workers?: number;
  compression?: Hdf5Compression;
  /** Leave out samples with bad input and list them in `<dest>/skipped.csv` instead of failing. */
  skipBad?: boolean;
  /** Keep only the first n rows of each source (Kaggle train, HPAv18, test). */
  numImages?: number;
  /** Keep rows whose target shares at least one class with this list (Kaggle train; HPAv18 too unless `selectionHpav18`). */
  selection?: number[];
  selectionHpav18?: number[];
  /** Which outputs to build. Default both. */
  splits?: ('train' | 'test')[];
  /** Rows between checkpoints of the resumable state. Default 64. */
  checkpointEvery?: number;
  quiet?: boolean;
  /** Receives the progress messages (default: nothing). */
  log?: (line: string) => void;
}

/** One sample left out with `skipBad`. */
export interface SkippedSample {
  split: 'train' | 'test';
  id: string;
  file: string;
  reason: string;
}

export interface ConvertResult {
  train?: { path: string; rows: number; csv: string };
  test?: { path: string; rows: number; csv: string };
  skipped: SkippedSample[];
  /** `<dest>/skipped.csv` when anything was skipped. */
  skippedCsv?: string;
  /** Images (4-channel samples) converted in this run, and the rate. */
  converted: number;
  seconds: number;
}

interface Row {
  id: string;
  source: ChannelSource;
}

interface StoreJob {
  split: 'train' | 'test';
  path: string;
  rows: Row[];
  sourcesKey: string[];
}

interface StoreState {
  fingerprint: string;
  /** Source rows consumed (written or skipped). */
  done: number;
  /** Rows in the HDF5 file at the checkpoint. */
  rows: number;
  skipped: SkippedSample[];
  complete?: boolean;
}

/** Locate the HPAv18 CSV and image source from the `--hpav18` argument. */
export function hpav18Locations(arg: string): { csv: string; images: string[] } {
  if (isDir(arg)) return { csv: join(arg, 'HPAv18_train.csv'), images: [join(arg, 'HPAv18_train.zip'), join(arg, 'images'), arg] };
  const dir = dirname(arg);
  return { csv: arg, images: [join(dir, 'HPAv18_train.zip'), join(dir, 'images'), dir] };
}

/** The Kaggle label file: `train_kaggle.csv` is the original kept by an earlier in-place conversion. */
export function originalCsv(dir: string, name: string, backup: string): string {
  const b = join(dir, backup);
  return existsSync(b) ? b : join(dir, name);
}

function selectRows(table: { ids: string[]; labels: Uint8Array }, selection: number[] | undefined, limit: number | undefined): number[] {
  const keep: number[] = [];
  for (let r = 0; r < table.ids.length; r++) {
    if (selection && !selection.some((c) => table.labels[r * NUM_CLASSES + c])) continue;
    keep.push(r);
    if (limit !== undefined && keep.length >= limit) break;
  }
  return keep;
}

/**
 * Write `text` to `path`; when `path` already holds a different file that has no backup yet, keep it as `backup`
 * first (an in-place conversion must not destroy the Kaggle originals).
 */
function writeKeepingOriginal(path: string, text: string, backup: string): void {
  const b = join(dirname(path), backup);
  if (existsSync(path) && !existsSync(b) && readFileSync(path, 'utf8') !== text) renameSync(path, b);
  writeFileAtomic(path, text);
}

/**
 * The seed's `kaggle_hpav18_hdf5.py`: Kaggle train/test PNGs (folders or zips) and optionally the HPAv18 PNGs →
 * `<dest>/train.hdf5` (rows in train.csv order, then HPAv18 rows) and `<dest>/test.hdf5` (rows in
 * sample_submission.csv order). Also writes `<dest>/train.csv` with exactly the rows of train.hdf5 (the fix for
 * seed quirk 2: the dataset reads train.csv, so the merged labels are picked up), plus
 * `kaggle_HPAv18_train.csv` as the seed names it when HPAv18 is added, and `<dest>/sample_submission.csv`.
 *
 * Resumable: each HDF5 file is built as `.<name>.partial` with a checkpoint `.<name>.partial.json`; a rerun with
 * the same inputs continues from the last checkpoint and yields the same datasets as an uninterrupted run.
 * @throws DataError naming the file for bad input (unless `skipBad`), UsageError for bad options.
 */
export async function convertKaggle(opts: ConvertOptions): Promise<ConvertResult> {
  const t0 = Date.now();
  const log = opts.log ?? (() => {});
  const size = opts.size ?? 512;
  const workers = opts.workers ?? 4;
  const compression = opts.compression ?? 'lzf';
  const splits = opts.splits ?? ['train', 'test'];
  if (!Number.isInteger(size) || size < 1) throw new UsageError(`--size expects a positive integer but received ${size}`);
  if (!Number.isInteger(workers) || workers < 1) throw new UsageError(`--workers expects a positive integer but received ${workers}`);
  const src = resolve(opts.src);
  const dest = resolve(opts.dest);
  if (!isDir(src)) throw new DataError(`--src ${src}: no such folder`);
  withFsErrors(dest, 'create the folder', () => mkdirSync(dest, { recursive: true }));
  // HDF5 reports a refused create in its own words: ask the file system first, for a message naming --dest.
  withFsErrors(dest, 'write into', () => accessSync(dest, constants.W_OK));
  removeStaleTemporaries(dest);
  const skipped: SkippedSample[] = [];
  const result: ConvertResult = { skipped, converted: 0, seconds: 0 };
  const sources: ChannelSource[] = [];
  try {
    if (splits.includes('train')) {
      const kaggleCsv = originalCsv(src, 'train.csv', 'train_kaggle.csv');
      const kaggle = readLabelCsv(kaggleCsv);
      if (kaggle.ids.length === 0) throw new DataError(`${kaggleCsv}: no rows after the header; expected one Id,Target row per training sample`);
      const kRows = selectRows(kaggle, opts.selection, opts.numImages);
      if (opts.selection) log(`Class selection (Kaggle): ${opts.selection.join(', ')}`);
      log('Creating an HDF5 file for the training set');
      const trainSrc = await openChannelSource([join(src, 'train'), join(src, 'train.zip')], `the Kaggle training set (${kaggleCsv})`);
      sources.push(trainSrc);
      log(`Loading from ${trainSrc.location}`);
      const rows: Row[] = kRows.map((r) => ({ id: kaggle.ids[r], source: trainSrc }));
      const labelRows: { ids: string[]; labels: Uint8Array; rows: number[] }[] = [{ ...kaggle, rows: kRows }];
      const sourcesKey = [trainSrc.location];
      if (opts.hpav18) {
        const loc = hpav18Locations(resolve(opts.hpav18));
        const hpa = readLabelCsv(loc.csv);
        const sel = opts.selectionHpav18 ?? opts.selection;
        const hRows = selectRows(hpa, sel, opts.numImages);
        if (sel) log(`Class selection (HPAv18): ${sel.join(', ')}`);
        const hpaSrc = await openChannelSource(loc.images, `HPAv18 (${loc.csv})`);
        sources.push(hpaSrc);
        log(`Adding extra data from ${hpaSrc.location}`);
        for (const r of hRows) rows.push({ id: hpa.ids[r], source: hpaSrc });
        labelRows.push({ ...hpa, rows: hRows });
        sourcesKey.push(hpaSrc.location);
      }
      const dup = firstDuplicate(rows.map((r) => r.id));
      if (dup) throw new DataError(`Id "${dup}" appears in both the Kaggle and the HPAv18 label files; train.hdf5 names must be unique`);
      const path = join(dest, 'train.hdf5');
      log(`HDF5 file will be stored at ${path}`);
      const out = await buildStore({ split: 'train', path, rows, sourcesKey }, { size, resize: !!opts.resize, workers, compression, skipBad: !!opts.skipBad, every: opts.checkpointEvery ?? 64, quiet: opts.quiet });
      skipped.push(...out.skipped);
      result.converted += out.converted;
      const skippedIds = new Set(out.skipped.map((s) => s.id));
      // train.csv = the labels of exactly the stored rows, so the dataset's name check lines up.
      const lines = ['Id,Target'];
      for (const t of labelRows) for (const r of t.rows) if (!skippedIds.has(t.ids[r])) lines.push(`${t.ids[r]},${decodeMultiHot(t.labels, r).join(' ')}`);
      const text = lines.join('\n') + '\n';
      const csv = join(dest, 'train.csv');
      writeKeepingOriginal(csv, text, 'train_kaggle.csv');
      if (opts.hpav18) writeFileAtomic(join(dest, 'kaggle_HPAv18_train.csv'), text);
      result.train = { path, rows: out.rows, csv };
    }
    if (splits.includes('test')) {
      const subCsv = originalCsv(src, 'sample_submission.csv', 'sample_submission_kaggle.csv');
      let ids = readCsvColumn(subCsv, 'Id');
      if (ids.length === 0) throw new DataError(`${subCsv}: no rows after the header; expected one Id row per test sample`);
      if (opts.numImages !== undefined) ids = ids.slice(0, opts.numImages);
      log('Creating an HDF5 file for the test set');
      const testSrc = await openChannelSource([join(src, 'test'), join(src, 'test.zip')], `the Kaggle test set (${subCsv})`);
      sources.push(testSrc);
      log(`Loading from ${testSrc.location}`);
      const path = join(dest, 'test.hdf5');
      log(`HDF5 file will be stored at ${path}`);
      const out = await buildStore({ split: 'test', path, rows: ids.map((id) => ({ id, source: testSrc })), sourcesKey: [testSrc.location] }, { size, resize: !!opts.resize, workers, compression, skipBad: !!opts.skipBad, every: opts.checkpointEvery ?? 64, quiet: opts.quiet });
      skipped.push(...out.skipped);
      result.converted += out.converted;
      const skippedIds = new Set(out.skipped.map((s) => s.id));
      const text = ['Id,Predicted', ...ids.filter((id) => !skippedIds.has(id)).map((id) => `${id},0`)].join('\n') + '\n';
      const csv = join(dest, 'sample_submission.csv');
      writeKeepingOriginal(csv, text, 'sample_submission_kaggle.csv');
      result.test = { path, rows: out.rows, csv };
    }
  } finally {
    for (const s of sources) await s.close();
  }
  if (skipped.length) {
    const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
    const text = ['split,Id,file,reason', ...skipped.map((s) => [s.split, s.id, s.file, s.reason].map(quote).join(','))].join('\n') + '\n';
    result.skippedCsv = join(dest, 'skipped.csv');
    writeFileAtomic(result.skippedCsv, text);
  }
  result.seconds = (Date.now() - t0) / 1000;
  return result;
}

function firstDuplicate(ids: string[]): string | undefined {
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) return id;
    seen.add(id);
  }
  return undefined;
}

interface BuildOptions {
  size: number;
  resize?: boolean;
  workers: number;
  compression: Hdf5Compression;
  skipBad: boolean;
  every: number;
  quiet?: boolean;
}

type Loaded = { ok: true; chunk: EncodedChunk } | { ok: false; error: DataError; file: string };

/** Decode each channel at whatever size it has and resize it to size × size (Pillow LANCZOS), interleaved RGBY. */
async function decodeResizedRgby(inputs: readonly Uint8Array[], files: readonly string[], size: number): Promise<Uint8Array> {
  const out = new Uint8Array(size * size * 4);
  for (let c = 0; c < 4; c++) {
    const g = await decodeGrey(inputs[c], { file: files[c] });
    const px = g.width === size && g.height === size ? g.data : pilResizeLanczos(g.data, g.width, g.height, 1, size, size);
    for (let i = 0; i < size * size; i++) out[i * 4 + c] = px[i];
  }
  return out;
}

/** Read and decode the four channels of one sample as H×W×4 RGBY and encode it for the store. Never rejects for bad data. */
async function loadSample(row: Row, writer: StoreWriter, size: number, resize = false): Promise<Loaded> {
  const files = CHANNEL_COLORS.map((color) => row.source.describe(row.id, color));
  try {
    const bytes = await Promise.allSettled(CHANNEL_COLORS.map((color) => row.source.read(row.id, color)));
    // Report the first bad channel in colour order, so the message does not depend on timing.
    const c = bytes.findIndex((b) => b.status === 'rejected');
    if (c >= 0) throw (bytes[c] as PromiseRejectedResult).reason;
    const values = bytes.map((b) => (b as PromiseFulfilledResult<Uint8Array>).value);
    const image = resize ? await decodeResizedRgby(values, files, size) : await decodeChannelsRgby(values, { files, width: size, height: size });
    return { ok: true, chunk: await writer.encode(image, row.id) };
  } catch (err) {
    if (!(err instanceof DataError)) throw err;
    const file = files.find((f) => err.message.startsWith(f)) ?? files[0];
    return { ok: false, error: err, file };
  }
}

async function buildStore(job: StoreJob, o: BuildOptions): Promise<{ rows: number; skipped: SkippedSample[]; converted: number }> {
  const ids = job.rows.map((r) => r.id);
  const fingerprint = createHash('sha256')
    .update(JSON.stringify({ v: 1, ids, sources: job.sourcesKey, size: o.size, compression: o.compression, skipBad: o.skipBad, ...(o.resize ? { resize: 'lanczos' } : {}) }))
    .digest('hex');
  const partial = temporaryPathFor(job.path);
  const statePath = `${partial}.json`;
  const doneRecord = join(dirname(job.path), `.${basename(job.path)}.json`);
  const nameLength = Math.max(1, ...ids.map((id) => Buffer.byteLength(id, 'utf8')));

  // Already complete from an earlier run with the same inputs?
  const previous = readState(doneRecord);
  if (previous?.complete && previous.fingerprint === fingerprint && existsSync(job.path)) {
    // Trust the file, not only the record: it must open, hold the recorded rows and names, and read its last image.
    const problem = await completeStoreProblem(job.path, expectedNames(ids, previous));
    if (problem === null) {
      if (!o.quiet) process.stderr.write(`${job.path} is complete (${previous.rows} rows); skipping\n`);
      return { rows: previous.rows, skipped: previous.skipped, converted: 0 };
    }
    process.stderr.write(`warning: ${job.path} was recorded as complete but ${problem}; converting it again\n`);
    rmSync(doneRecord, { force: true });
  }

  let writer: StoreWriter | undefined;
  let state: StoreState = { fingerprint, done: 0, rows: 0, skipped: [] };
  const saved = readState(statePath);
  if (saved && saved.fingerprint === fingerprint && existsSync(partial)) {
    // HDF5 is not crash-safe: after a kill, the partial file's metadata may be half-updated past the last flush,
    // so appending to it in place can fail. Copy the checkpointed rows (already decoded; no PNG work) into a
    // fresh file instead, and continue there. Any doubt (unreadable row, wrong name) restarts from scratch.
    const fresh = `${partial}.resume`;
    let old: Hdf5Store | undefined;
    try {
      old = await Hdf5Store.open(partial);
      const expected = expectedNames(ids, saved);
      if (old.length < saved.rows) throw new Error('short');
      rmSync(fresh, { force: true });
      writer = await createStoreWriter(fresh, { height: o.size, width: o.size, nameLength, compression: o.compression });
      for (let i = 0; i < saved.rows; i++) {
        if (old.nameAt(i) !== expected[i]) throw new Error('stale');
        writer.appendEncoded(await writer.encode(old.read(i), expected[i]), expected[i]);
      }
      writer.close();
      old.close();
      old = undefined;
      renameSync(fresh, partial);
      writer = await openStoreWriter(partial);
      state = { ...saved, skipped: [...saved.skipped] };
      if (!o.quiet) process.stderr.write(`resuming ${job.path} at row ${state.done} of ${ids.length}\n`);
    } catch {
      old?.close();
      writer?.close();
      writer = undefined;
      rmSync(fresh, { force: true });
    }
  }
  if (!writer) {
    rmSync(partial, { force: true });
    rmSync(statePath, { force: true });
    writer = await createStoreWriter(partial, { height: o.size, width: o.size, nameLength, compression: o.compression });
    writeFileAtomic(statePath, JSON.stringify(state));
  }

  const progress = new Progress({ total: ids.length, label: job.split, unit: 'img', quiet: o.quiet });
  const startDone = state.done;
  if (startDone) progress.tick(0, `resumed at ${startDone}`);
  const checkpoint = () => {
    writer!.flush();
    writeFileAtomic(statePath, JSON.stringify(state));
  };
  const inflight = new Map<number, Promise<Loaded>>();
  let next = state.done;
  try {
    for (let j = state.done; j < ids.length; j++) {
      while (next < ids.length && next < j + o.workers) {
        inflight.set(next, loadSample(job.rows[next], writer, o.size, o.resize));
        next++;
      }
      const r = await inflight.get(j)!;
      inflight.delete(j);
      if (r.ok) writer.appendEncoded(r.chunk, ids[j]);
      else if (o.skipBad) state.skipped.push({ split: job.split, id: ids[j], file: r.file, reason: r.error.message });
      else throw r.error;
      state.done = j + 1;
      state.rows = writer.length;
      progress.tick(1);
      if (state.done % o.every === 0) checkpoint();
    }
  } catch (err) {
    // Keep what is done for a rerun; settle loads still in flight so none rejects unobserved.
    await Promise.allSettled(inflight.values());
    try {
      checkpoint();
    } finally {
      writer.close();
    }
    throw err;
  }
  progress.finish(state.skipped.length ? `${state.skipped.length} skipped` : undefined);
  writer.close();
  renameSync(partial, job.path);
  writeFileAtomic(doneRecord, JSON.stringify({ ...state, complete: true }));
  rmSync(statePath, { force: true });
  return { rows: state.rows, skipped: state.skipped, converted: state.done - startDone };
}

/** Why a store recorded as complete cannot be trusted, or null when it opens with the expected names and its last row reads. */
async function completeStoreProblem(path: string, names: string[]): Promise<string | null> {
  let store: Hdf5Store | undefined;
  try {
    store = await Hdf5Store.open(path);
    if (store.length !== names.length) return `it holds ${store.length} rows instead of ${names.length}`;
    const stored = store.allNames();
    const i = stored.findIndex((n, k) => n !== names[k]);
    if (i >= 0) return `row ${i} holds "${stored[i]}" instead of "${names[i]}"`;
    if (store.length > 0) store.read(store.length - 1);
    return null;
  } catch (err) {
    return `it does not read (${(err as Error).message.split('\n')[0]})`;
  } finally {
    store?.close();
  }
}

function expectedNames(ids: string[], s: StoreState): string[] {
  const skipped = new Set(s.skipped.map((k) => k.id));
  return ids.slice(0, s.done).filter((id) => !skipped.has(id));
}

function readState(path: string): StoreState | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as StoreState;
  } catch {
    return undefined;
  }
}
