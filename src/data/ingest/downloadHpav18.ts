import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import sharp from 'sharp';
import { DataError, UsageError } from '../../errors.js';
import { Progress } from '../../io/text/progress.js';
import { writeFileAtomic } from '../../io/text/writeFileAtomic.js';
import { safeJoin, unsafeNameReason } from '../../io/fs/safeName.js';
import { withFsErrors } from '../../io/fs/fsError.js';
import { readCsvColumn } from '../tables/csv.js';
import { decodeRgb } from '../image/decodeImage.js';
import { ResizePool } from './ResizePool.js';
import { CHANNEL_COLORS, type ChannelColor } from '../store/PngFolderStore.js';

/** The seed's source of the HPAv18 images. */
export const HPAV18_BASE_URL = 'http://v18.proteinatlas.org/images/';

export interface DownloadHpav18Options {
  /** `HPAv18_train.csv` (an `Id` column). */
  csv: string;
  /** Output folder for `<Id>_<color>.png` (created). */
  out: string;
  baseUrl?: string;
  /** Requests in flight. Default 16. */
  concurrency?: number;
  /** Output side in pixels. Default 512. */
  size?: number;
  /** `luma` (the seed's: Lanczos resize, then ITU-R 601-2 luma) or `channel` (the named colour's channel). */
  mode?: 'luma' | 'channel';
  /** Retries after the first attempt. Default 5. */
  retries?: number;
  /** Per-request timeout in ms (headers and body). Default 60 000. */
  timeoutMs?: number;
  /** First backoff delay in ms, doubled per retry (with jitter). Default 1000. */
  backoffMs?: number;
  /** Only the first n Ids (testing aid). */
  numIds?: number;
  /** Worker threads for the resize. Default: one per core; 0 = on the main thread. */
  threads?: number;
  quiet?: boolean;
}

/** One file that could not be fetched. */
export interface FailedDownload {
  id: string;
  color: ChannelColor;
  url: string;
  error: string;
}

export interface DownloadHpav18Result {
  /** Files the CSV asks for (4 per Id). */
  total: number;
  downloaded: number;
  /** Already present from an earlier run. */
  present: number;
  failed: FailedDownload[];
  /** `<out>/failed.csv` when anything failed. */
  failedCsv?: string;
  seconds: number;
}

/**
 * The URL of one HPAv18 JPEG: the Id is split at its first underscore into `<dir>` and `<rest>`, and the file is
 * `<base>/<dir>/<rest>_<color>.jpg`; the base URL's own path is kept.
 */
export function hpav18Url(baseUrl: string, id: string, color: ChannelColor): string {
  const problem = hpav18IdProblem(id);
  if (problem) throw new DataError(`HPAv18 Id ${JSON.stringify(id)}: ${problem}`);
  const cut = id.indexOf('_');
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return `${base}${id.slice(0, cut)}/${id.slice(cut + 1)}_${color}.jpg`;
}

/**
 * Why `id` cannot name an HPAv18 image (it becomes a URL path and a file name), or null. The naming rule of
 * docs/security.md, plus the `_` that separates the server folder from the file.
 */
export function hpav18IdProblem(id: string): string | null {
  const reason = unsafeNameReason(id);
  if (reason) return `cannot be used in a URL or file name: ${reason}`;
  if (id.indexOf('_') <= 0) return 'has no "_"; expected <dir>_<plate>_<well>_<field>';
  return null;
}

/**
 * Convert one downloaded colour JPEG to the grey `size × size` pixels the seed stores. `luma`: Pillow's Lanczos
 * resize of the RGB image, then Pillow's `convert('L')` (bit-exact with the seed). `channel`: the named colour's
 * channel at full resolution (yellow = the rounded mean of red and green), then the same resize.
 * @throws DataError naming `file` when the bytes do not decode.
 */
export async function hpav18ToGrey(
  jpeg: Uint8Array,
  opts: { size: number; mode: 'luma' | 'channel'; color: ChannelColor; file: string; pool?: ResizePool },
): Promise<Uint8Array> {
  const { data, width, height } = await decodeRgb(jpeg, opts.file);
  const { size } = opts;
  const pool = opts.pool ?? INLINE;
  if (opts.mode === 'luma') return pool.run({ data, width, height, channels: 3, size, luma: true });
  const n = width * height;
  const one = new Uint8Array(n);
  if (opts.color === 'yellow') for (let i = 0, j = 0; i < n; i++, j += 3) one[i] = (data[j] + data[j + 1] + 1) >> 1;
  else {
    const c = opts.color === 'red' ? 0 : opts.color === 'green' ? 1 : 2;
    for (let i = 0, j = c; i < n; i++, j += 3) one[i] = data[j];
  }
  return pool.run({ data: one, width, height, channels: 1, size, luma: false });
}

const INLINE = new ResizePool(0);

/** An error worth retrying (server trouble, network, timeout, truncated or undecodable body). */
class RetryableError extends Error {}

async function fetchJpeg(url: string, timeoutMs: number): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new RetryableError(describeFetchError(err, timeoutMs));
  }
  if (res.status >= 500 || res.status === 429 || res.status === 408) {
    await res.body?.cancel().catch(() => {});
    throw new RetryableError(`HTTP ${res.status}`);
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => {});
    throw new Error(`HTTP ${res.status}`);
  }
  let body: Uint8Array;
  try {
    body = new Uint8Array(await res.arrayBuffer());
  } catch (err) {
    throw new RetryableError(`body: ${describeFetchError(err, timeoutMs)}`);
  }
  const declared = res.headers.get('content-length');
  if (declared !== null && Number(declared) !== body.length) {
    throw new RetryableError(`truncated body: ${body.length} of ${declared} bytes`);
  }
  return body;
}

function describeFetchError(err: unknown, timeoutMs: number): string {
  const e = err as Error & { cause?: Error & { code?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `timed out after ${timeoutMs / 1000} s`;
  const cause = e?.cause ? `: ${e.cause.code ?? e.cause.message}` : '';
  return `${e?.message ?? String(err)}${cause}`;
}

/** A counting semaphore: bounds how many decodes (the memory-heavy part) run at once. */
class Semaphore {
  private waiters: (() => void)[] = [];
  constructor(private free: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((r) => this.waiters.push(r));
    try {
      return await fn();
    } finally {
      const next = this.waiters.shift();
      if (next) next();
      else this.free++;
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The seed's `download_hpav18.py`, made robust: for each Id of the CSV and each colour, download the JPEG, convert
 * it ({@link hpav18ToGrey}) and save `<out>/<Id>_<color>.png`. Retries with exponential backoff on 5xx, 408, 429,
 * network errors, timeouts, truncated or undecodable bodies; 4xx fails at once. Files already present are skipped
 * (they only appear complete: each is written under `.<name>.<pid>.part` and renamed). Memory is bounded by
 * `concurrency` bodies plus one decoded image per core. Failures are listed in `<out>/failed.csv`. The CSV (its
 * first `numIds` rows) is copied to `<out>/HPAv18_train.csv`, so `hpaic convert --hpav18 <out>` finds both.
 */
export async function downloadHpav18(opts: DownloadHpav18Options): Promise<DownloadHpav18Result> {
  const t0 = Date.now();
  const baseUrl = opts.baseUrl ?? HPAV18_BASE_URL;
  const concurrency = opts.concurrency ?? 16;
  const size = opts.size ?? 512;
  const mode = opts.mode ?? 'luma';
  const retries = opts.retries ?? 5;
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const backoffMs = opts.backoffMs ?? 1000;
  if (mode !== 'luma' && mode !== 'channel') throw new UsageError(`--mode expects luma or channel but received "${String(mode)}"`);
  if (!(concurrency >= 1)) throw new UsageError(`--concurrency expects a positive integer but received ${concurrency}`);
  const out = resolve(opts.out);
  withFsErrors(out, 'create the folder', () => mkdirSync(out, { recursive: true }));
  // Leftovers of a killed run are never kept.
  for (const f of readdirSync(out)) if (f.startsWith('.') && f.endsWith('.part')) rmSync(join(out, f), { force: true });
  failedCsvCleanup(out);

  // Ids are checked one by one below: a bad Id is listed in failed.csv and the others are still downloaded.
  let ids = readCsvColumn(opts.csv, 'Id', { ids: false });
  if (opts.numIds !== undefined) ids = ids.slice(0, opts.numIds);
  // Keep the label file next to the images, so that `hpaic convert --hpav18 <out>` finds both.
  const csvCopy = join(out, 'HPAv18_train.csv');
  if (resolve(opts.csv) !== csvCopy) {
    const lines = readFileSync(opts.csv, 'utf8').split(/\r?\n/);
    writeFileAtomic(csvCopy, lines.slice(0, opts.numIds === undefined ? lines.length : opts.numIds + 1).join('\n').replace(/\n*$/, '\n'));
  }
  const tasks: { id: string; color: ChannelColor }[] = [];
  const failed: FailedDownload[] = [];
  let present = 0;
  for (const [i, id] of ids.entries()) {
    const problem = hpav18IdProblem(id);
    if (problem) {
      // Nothing is requested or written for it: its four files are failures of this run.
      for (const color of CHANNEL_COLORS) failed.push({ id, color, url: '', error: `${opts.csv} line ${i + 2}: Id ${problem}` });
      continue;
    }
    for (const color of CHANNEL_COLORS) {
      if (existsSync(safeJoin(out, `${id}_${color}.png`, opts.csv))) present++;
      else tasks.push({ id, color });
    }
  }
  const total = ids.length * 4;
  const progress = new Progress({ total, label: 'download', unit: 'img', quiet: opts.quiet });
  if (present) progress.tick(present, `${present} already present`);
  if (failed.length) progress.tick(failed.length, `${failed.length / 4} bad Id(s)`);
  // Resizes run in worker threads (one per core); at most one decoded image more than there are threads waits.
  const threads = opts.threads ?? Math.max(1, availableParallelism());
  const pool = new ResizePool(threads);
  const decodeSlots = new Semaphore(threads + 1);
  let downloaded = 0;
  let next = 0;

  const one = async (id: string, color: ChannelColor): Promise<void> => {
    const name = `${id}_${color}.png`;
    const url = hpav18Url(baseUrl, id, color);
    let lastError = '';
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await sleep(backoffMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2));
      try {
        const jpeg = await fetchJpeg(url, timeoutMs);
        let grey: Uint8Array;
        try {
          grey = await decodeSlots.run(() => hpav18ToGrey(jpeg, { size, mode, color, file: url, pool }));
        } catch (err) {
          // A body that does not decode was most likely cut short: fetch it again.
          throw new RetryableError((err as Error).message);
        }
        const png = await sharp(grey, { raw: { width: size, height: size, channels: 1 } }).toColourspace('b-w').png().toBuffer();
        const target = safeJoin(out, name, opts.csv);
        const tmp = `${dirname(target)}/.${name}.${process.pid}.part`;
        try {
          await writeFile(tmp, png);
          await rename(tmp, target);
        } catch (err) {
          rmSync(tmp, { force: true });
          throw err;
        }
        downloaded++;
        return;
      } catch (err) {
        lastError = (err as Error).message;
        if (!(err instanceof RetryableError)) break;
      }
    }
    failed.push({ id, color, url, error: lastError });
  };

  const worker = async () => {
    while (next < tasks.length) {
      const t = tasks[next++];
      await one(t.id, t.color);
      progress.tick(1, failed.length ? `${failed.length} failed` : undefined);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, tasks.length)) }, worker));
  } finally {
    await pool.close();
  }
  progress.finish(failed.length ? `${failed.length} failed` : undefined);

  const result: DownloadHpav18Result = { total, downloaded, present, failed, seconds: (Date.now() - t0) / 1000 };
  if (failed.length) {
    const order = new Map(ids.map((id, i) => [id, i]));
    failed.sort((a, b) => order.get(a.id)! - order.get(b.id)! || CHANNEL_COLORS.indexOf(a.color) - CHANNEL_COLORS.indexOf(b.color));
    const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
    result.failedCsv = join(out, 'failed.csv');
    writeFileAtomic(result.failedCsv, ['Id,color,url,error', ...failed.map((f) => [f.id, f.color, f.url, f.error].map(q).join(','))].join('\n') + '\n');
  }
  return result;
}

/** A failed.csv from an earlier run is stale once we try again. */
function failedCsvCleanup(out: string): void {
  rmSync(join(out, 'failed.csv'), { force: true });
}
