/**
 * The data loader: batches of float32 images (N × C × H × W), multi-hot targets (N × classes) and ids, read
 * from an image store in a given index order, with the channel filter and a per-sample transform applied.
 *
 * With `workers > 0`, worker threads (LoaderWorkerPool.ts: each with its own store handle, opened from a
 * {@link StoreDescriptor}) read, decode and augment whole batches into SharedArrayBuffers while the consumer computes
 * (the main thread copies each into a plain ArrayBuffer when it arrives); at most `prefetch` batches are being prepared ahead of
 * the one the consumer holds. Each sample's augmentation is drawn from (seed, epoch,
 * position in the epoch), so the bytes are identical for any worker count.
 */
import { UsageError } from '../../errors.js';
import type { ImageStore } from '../store/ImageStore.js';
import { NUM_CLASSES } from '../tables/labels.js';
import type { LoaderWorkerData } from './loaderWorker.js';
import { LoaderWorkerPool } from './LoaderWorkerPool.js';
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
  /**
   * The position of each `order` entry in the whole epoch's draw, when this pass is one rank's share of it
   * (src/dist/shard.ts): the augmentation is seeded by that position, so a sample is augmented as in one process.
   * Default: its index in `order`.
   */
  positions?: ArrayLike<number>;
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
  private pool: LoaderWorkerPool | undefined;
  private readonly free: ArrayBuffer[] = []; // batch buffers handed back by recycle()
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
        const images = loadSamples(store, this.requests(ord, b, items, options.positions), pipeline, epoch, takeBuffer(this.free, items.length * floats), this.where());
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
        inFlight.set(next, pool.request(next % pool.size, { epoch, samples: this.requests(ord, next, items, options.positions), transform: options.transform }, items.length * floats * 4));
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
      if (inFlight.size > 0) pool.cancel([...inFlight.values()].map((j) => j.id));
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
    await pool?.close();
    const store = this.store ?? (this.storeOpening ? await this.storeOpening.catch(() => undefined) : undefined);
    store?.close();
    this.store = undefined;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
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

  private requests(order: ArrayLike<number>, b: number, items: Int32Array, positions?: ArrayLike<number>): SampleRequest[] {
    const { rows, names } = this.opts;
    return Array.from(items, (item, i) => ({ row: rows ? rows[item] : item, position: positions ? positions[b * this.batchSize + i] : b * this.batchSize + i, name: names?.[item] }));
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

  private startPool(): LoaderWorkerPool {
    if (this.pool) return this.pool;
    const workerData: LoaderWorkerData = { kind: 'hpaic-loader', store: this.opts.store, pipeline: this.pipeline, where: this.where() };
    this.pool = new LoaderWorkerPool(this.workers, workerData, (floats) => takeBuffer(this.free, floats) ?? new Float32Array(floats), this.prefetch + 2);
    return this.pool;
  }
}
