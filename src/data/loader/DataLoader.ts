/**
 * The data loader: batches of float32 images (N × C × H × W), multi-hot targets (N × classes) and ids, read
 * from an image store in a given index order, with the channel filter and a per-sample transform applied.
 *
 * With `workers > 0`, worker threads (each with its own store handle, opened from a {@link StoreDescriptor})
 * read, decode and augment whole batches into SharedArrayBuffers while the consumer computes (the main thread
 * copies each into a plain ArrayBuffer when it arrives); at most `prefetch` batches are being prepared ahead of
 * the one the consumer holds. Each sample's augmentation is drawn from (seed, epoch,
 * position in the epoch), so the bytes are identical for any worker count.
 */
import { Worker } from 'node:worker_threads';
import { startWorker } from '../../workers/startWorker.js';
import { DataError, HpaicError, UsageError } from '../../errors.js';
import type { ImageStore } from '../store/ImageStore.js';
import { NUM_CLASSES } from '../tables/labels.js';
import type { LoaderRequest, LoaderResponse, LoaderWorkerData, SerializedError } from './loaderWorker.js';
import { type StoreDescriptor, openStore } from '../store/openStore.js';
import { type SamplePipeline, type SampleRequest, type SampleTransform, loadSamples, sampleShape, takeBuffer } from './sampleTransform.js';
import { type Rng, seededRandom, shuffleInPlace } from '../tables/seededRandom.js';

/** Options of a {@link DataLoader}. */
export interface DataLoaderOptions {
  /** Where the images are; each worker opens its own handle. */
  store: StoreDescriptor;
  /** Store row of each dataset item (a subset's `subset_idx`); default: item i is row i. */
  rows?: ArrayLike<number>;
  /** Expected id of each dataset item: checked against the store's name at its row, and returned as `ids`. Default: the store's names. */
  names?: readonly string[];
  /** Targets, item-major (items × numClasses); default all zero (test mode). */
  targets?: ArrayLike<number>;
  /** Default 28. */
  numClasses?: number;
  /** Channel filter letters (config `filters`), default `rgb`. */
  filter?: string;
  /** Per-sample transform: plain resize, training augmentation, or a TTA op list. */
  transform: SampleTransform;
  batchSize: number;
  /** Drop the last incomplete batch (the seed's training loaders). Default false. */
  dropLast?: boolean;
  /** Worker threads (config `dataloader.workers`); 0 loads in the calling thread. Default 0. */
  workers?: number;
  /** Batches prepared ahead of the one being consumed (memory bound: prefetch + 1 batches). Default 2 × workers. */
  prefetch?: number;
  /** Seed of the augmentation draws. Default 0. */
  seed?: number;
}

/** One batch. `images[i·C·H·W ...]` and `targets[i·classes ...]` belong to `ids[i]` / dataset item `indices[i]`. */
export interface Batch {
  readonly images: Float32Array;
  /** [N, C, H, W]. */
  readonly shape: [number, number, number, number];
  readonly targets: Float32Array;
  readonly ids: string[];
  /** Dataset item indices (positions in `names` / `rows`). */
  readonly indices: Int32Array;
}

/** Options of one pass over the data. */
export interface EpochOptions {
  /** Epoch number: seeds the augmentation together with `seed`. Default: the number of earlier passes. */
  epoch?: number;
  /**
   * A transform for this pass only (e.g. one TTA pipeline per pass), instead of the loader's `transform`; the
   * worker threads are reused.
   */
  transform?: SampleTransform;
}

interface Pending {
  buffer: SharedArrayBuffer;
  resolve: (images: Float32Array) => void;
  reject: (err: Error) => void;
  worker: number;
}

function deserializeError(e: SerializedError): Error {
  const err = e.code === 'ERR_DATA' ? new DataError(e.message) : e.code === 'ERR_USAGE' ? new UsageError(e.message) : e.code?.startsWith('ERR_') && e.code !== 'ERR_HPAIC' ? new HpaicError(e.message) : new Error(e.message);
  if (e.hint && err instanceof HpaicError) err.hint = e.hint;
  if (!(err instanceof HpaicError)) err.name = e.name;
  return err;
}

/** 0..n−1. */
export function sequentialOrder(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

/** A random permutation of 0..n−1 (the seed's `shuffle=True` loaders, drawn from `rng`). */
export function shuffledOrder(n: number, rng: Rng | number): Int32Array {
  const r = typeof rng === 'number' ? seededRandom(rng) : rng;
  return Int32Array.from(shuffleInPlace(Array.from({ length: n }, (_, i) => i), r));
}

/** Loads batches; see the module comment. Call {@link close} when done (an idle loader never keeps the process alive). */
export class DataLoader {
  readonly batchSize: number;
  readonly dropLast: boolean;
  readonly workers: number;
  readonly prefetch: number;
  readonly numClasses: number;
  /** [C, H, W] of one sample with the loader's transform. */
  readonly sampleShape: [number, number, number];
  private readonly pipeline: SamplePipeline;
  private readonly opts: DataLoaderOptions;
  private store: ImageStore | undefined;
  private storeOpening: Promise<ImageStore> | undefined;
  private pool: Worker[] | undefined;
  private readonly outstanding: number[] = [];
  private readonly dead: (Error | undefined)[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private readonly free: ArrayBuffer[] = []; // batch buffers handed back by recycle()
  private readonly freeShared: SharedArrayBuffer[] = []; // worker → main buffers, reused once copied out
  private passes = 0;
  private closed = false;

  constructor(options: DataLoaderOptions) {
    const { batchSize } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new UsageError(`DataLoader: batchSize must be an integer ≥ 1, received ${batchSize}`);
    const workers = options.workers ?? 0;
    if (!Number.isInteger(workers) || workers < 0) throw new UsageError(`DataLoader: workers (dataloader.workers) must be an integer ≥ 0, received ${workers}`);
    const prefetch = options.prefetch ?? Math.max(1, 2 * workers);
    if (!Number.isInteger(prefetch) || prefetch < 1) throw new UsageError(`DataLoader: prefetch must be an integer ≥ 1, received ${prefetch}`);
    this.opts = options;
    this.batchSize = batchSize;
    this.dropLast = options.dropLast ?? false;
    this.workers = workers;
    this.prefetch = prefetch;
    this.numClasses = options.numClasses ?? NUM_CLASSES;
    this.pipeline = { filter: options.filter ?? 'rgb', transform: options.transform, seed: options.seed ?? 0 };
    this.sampleShape = sampleShape(this.pipeline);
    const n = this.length;
    if (options.rows && options.names && options.rows.length !== options.names.length) {
      throw new UsageError(`DataLoader: rows has ${options.rows.length} entries but names has ${options.names.length}`);
    }
    if (options.targets && n !== undefined && options.targets.length !== n * this.numClasses) {
      throw new UsageError(`DataLoader: targets must hold ${n} × ${this.numClasses} values, received ${options.targets.length}`);
    }
  }

  /** Dataset items, when known without opening the store (from `names` or `rows`). */
  get length(): number | undefined {
    return this.opts.names?.length ?? this.opts.rows?.length;
  }

  /** Number of batches a pass over `n` indices yields. */
  numBatches(n: number): number {
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The number of dataset items (opens the store when neither `names` nor `rows` was given). */
  async size(): Promise<number> {
    return this.length ?? (await this.mainStore()).length;
  }

  /**
   * One pass: batches over `order` (dataset item indices: a sampler's draws, a shuffle, or the default
   * sequential order). Breaking out of the loop cancels the batches still being prepared.
   */
  async *batches(order?: ArrayLike<number>, options: EpochOptions = {}): AsyncGenerator<Batch, void, undefined> {
    if (this.closed) throw new UsageError('DataLoader: batches() called after close()');
    const epoch = options.epoch ?? this.passes;
    this.passes++;
    const n = await this.size();
    const ord = order ?? sequentialOrder(n);
    for (let i = 0; i < ord.length; i++) {
      const v = ord[i];
      if (!Number.isInteger(v) || v < 0 || v >= n) throw new UsageError(`DataLoader: order[${i}] = ${v} is not a dataset index in 0..${n - 1}`);
    }
    const nb = this.numBatches(ord.length);
    const ids = this.opts.names ?? (await this.storeNames());
    const pipeline: SamplePipeline = options.transform ? { ...this.pipeline, transform: options.transform } : this.pipeline;
    const shape = sampleShape(pipeline);
    const floats = shape[0] * shape[1] * shape[2];
    if (this.workers === 0) {
      const store = await this.mainStore();
      for (let b = 0; b < nb; b++) {
        const items = this.batchItems(ord, b);
        const images = loadSamples(store, this.requests(ord, b, items), pipeline, epoch, takeBuffer(this.free, items.length * floats), this.where());
        yield this.assemble(items, images, ids, shape);
      }
      return;
    }
    const pool = this.startPool();
    const inFlight = new Map<number, { id: number; promise: Promise<Float32Array> }>();
    let next = 0;
    const issue = (upTo: number) => {
      for (; next < nb && next <= upTo; next++) {
        const items = this.batchItems(ord, next);
        const buffer = this.sharedBuffer(items.length * floats * 4);
        inFlight.set(next, this.request(pool, next % pool.length, { type: 'batch', id: this.nextId++, epoch, samples: this.requests(ord, next, items), transform: options.transform, buffer }));
      }
    };
    try {
      issue(this.prefetch - 1);
      for (let b = 0; b < nb; b++) {
        const job = inFlight.get(b) as { id: number; promise: Promise<Float32Array> };
        const images = await job.promise;
        inFlight.delete(b);
        issue(b + this.prefetch);
        yield this.assemble(this.batchItems(ord, b), images, ids, shape);
      }
    } finally {
      if (inFlight.size > 0) this.cancel([...inFlight.values()].map((j) => j.id));
    }
  }

  /**
   * Hand a consumed batch's image buffer back for reuse by a later batch (optional: saves allocating, zeroing
   * and garbage-collecting N·C·H·W floats per batch). `batch.images` must not be used afterwards: a later batch
   * overwrites it.
   */
  recycle(batch: Batch): void {
    const buf = batch.images.buffer;
    if (this.closed || !(buf instanceof ArrayBuffer) || batch.images.byteOffset !== 0 || batch.images.byteLength !== buf.byteLength) return;
    if (this.free.length < 2 && !this.free.includes(buf)) this.free.push(buf);
  }

  /** Stop the worker threads and close the store. Safe to call more than once. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const pool = this.pool;
    this.pool = undefined;
    for (const [id, p] of this.pending) {
      p.reject(new UsageError('DataLoader: closed while a batch was loading'));
      this.pending.delete(id);
    }
    if (pool) await Promise.all(pool.map((w) => w.terminate()));
    const store = this.store ?? (this.storeOpening ? await this.storeOpening.catch(() => undefined) : undefined);
    store?.close();
    this.store = undefined;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** A batch buffer shared with the workers: a recycled one of the right size, or a new one. */
  private sharedBuffer(bytes: number): SharedArrayBuffer {
    const i = this.freeShared.findIndex((b) => b.byteLength === bytes);
    return i < 0 ? new SharedArrayBuffer(bytes) : this.freeShared.splice(i, 1)[0];
  }

  private where(): string {
    const s = this.opts.store;
    return s.kind === 'hdf5' ? s.path : s.kind === 'png' ? s.root : 'memory store';
  }

  private async mainStore(): Promise<ImageStore> {
    if (this.store) return this.store;
    this.storeOpening ??= openStore(this.opts.store);
    this.store = await this.storeOpening;
    return this.store;
  }

  private async storeNames(): Promise<string[]> {
    const store = await this.mainStore();
    const rows = this.opts.rows;
    const n = rows?.length ?? store.length;
    return Array.from({ length: n }, (_, i) => store.nameAt(rows ? rows[i] : i));
  }

  private batchItems(order: ArrayLike<number>, b: number): Int32Array {
    const start = b * this.batchSize;
    const end = Math.min(order.length, start + this.batchSize);
    const items = new Int32Array(end - start);
    for (let i = start; i < end; i++) items[i - start] = order[i];
    return items;
  }

  private requests(order: ArrayLike<number>, b: number, items: Int32Array): SampleRequest[] {
    const { rows, names } = this.opts;
    return Array.from(items, (item, i) => ({ row: rows ? rows[item] : item, position: b * this.batchSize + i, name: names?.[item] }));
  }

  private assemble(items: Int32Array, images: Float32Array, ids: readonly string[], shape: [number, number, number]): Batch {
    const k = this.numClasses;
    const targets = new Float32Array(items.length * k);
    const src = this.opts.targets;
    if (src) items.forEach((item, i) => {
      for (let c = 0; c < k; c++) targets[i * k + c] = src[item * k + c];
    });
    const [C, H, W] = shape;
    return { images, shape: [items.length, C, H, W], targets, ids: Array.from(items, (i) => ids[i]), indices: items };
  }

  private startPool(): Worker[] {
    if (this.pool) return this.pool;
    const workerData: LoaderWorkerData = { kind: 'hpaic-loader', store: this.opts.store, pipeline: this.pipeline, where: this.where() };
    this.pool = Array.from({ length: this.workers }, (_, w) => {
      const worker = startWorker(import.meta.url, 'loaderWorker', { workerData, name: `hpaic-loader-${w}` });
      this.outstanding[w] = 0;
      worker.unref(); // idle workers never keep the process alive; ref'd while a batch is outstanding
      worker.on('message', (msg: LoaderResponse) => this.onMessage(w, msg));
      worker.on('error', (err) => this.failWorker(w, err));
      worker.on('exit', (code) => {
        if (!this.closed) this.failWorker(w, new Error(`DataLoader worker ${w} exited (code ${code})`));
      });
      return worker;
    });
    return this.pool;
  }

  private request(pool: Worker[], w: number, req: Extract<LoaderRequest, { type: 'batch' }>): { id: number; promise: Promise<Float32Array> } {
    const promise = new Promise<Float32Array>((resolve, reject) => {
      this.pending.set(req.id, { buffer: req.buffer, resolve, reject, worker: w });
    });
    promise.catch(() => {}); // a cancelled batch's failure must not become an unhandled rejection
    const dead = this.dead[w];
    if (dead) {
      this.settle(req.id, false)?.reject(dead);
      return { id: req.id, promise };
    }
    if (this.outstanding[w]++ === 0) pool[w].ref();
    pool[w].postMessage(req);
    return { id: req.id, promise };
  }

  private settle(id: number, counted = true): Pending | undefined {
    const p = this.pending.get(id);
    if (!p) return undefined;
    this.pending.delete(id);
    if (counted && --this.outstanding[p.worker] === 0) this.pool?.[p.worker].unref();
    return p;
  }

  private onMessage(_w: number, msg: LoaderResponse): void {
    const p = this.settle(msg.id);
    if (!p) return; // cancelled
    if (msg.type === 'batch') {
      // Hand out a plain ArrayBuffer (the engine's tensor() reads only those) and reuse the shared one at once.
      const shared = new Float32Array(p.buffer);
      const images = takeBuffer(this.free, shared.length) ?? new Float32Array(shared.length);
      images.set(shared);
      if (this.freeShared.length < this.prefetch + 2) this.freeShared.push(p.buffer);
      p.resolve(images);
    }
    else p.reject(deserializeError(msg.error));
  }

  private cancel(ids: number[]): void {
    const byWorker = new Map<number, number[]>();
    for (const id of ids) {
      const p = this.settle(id);
      if (!p) continue;
      p.reject(new UsageError('DataLoader: batch cancelled'));
      byWorker.set(p.worker, [...(byWorker.get(p.worker) ?? []), id]);
    }
    for (const [w, list] of byWorker) this.pool?.[w].postMessage({ type: 'cancel', ids: list } satisfies LoaderRequest);
  }

  private failWorker(w: number, err: Error): void {
    this.dead[w] ??= err;
    for (const [id, p] of [...this.pending]) {
      if (p.worker === w) {
        this.settle(id);
        p.reject(err);
      }
    }
  }
}
