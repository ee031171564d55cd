/**
 * The loader's worker threads: each opens its own store handle (from a StoreDescriptor) and fills batch requests
 * into SharedArrayBuffers. The pool tracks which requests are outstanding per worker (a worker is ref'd only while
 * it has work, so an idle loader never keeps the process alive), cancels requests a consumer abandoned, reuses the
 * shared buffers, and turns a worker's death or error into a rejection of exactly its pending requests.
 */
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../../workers/startWorker.js';
import { DataError, HpaicError, UsageError } from '../../errors.js';
import type { LoaderRequest, LoaderResponse, LoaderWorkerData, SerializedError } from './loaderWorker.js';

type BatchRequest = Omit<Extract<LoaderRequest, { type: 'batch' }>, 'type' | 'id' | 'buffer'>;

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

export class LoaderWorkerPool {
  private readonly workers: Worker[];
  private readonly outstanding: number[];
  private readonly dead: (Error | undefined)[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly freeShared: SharedArrayBuffer[] = [];
  private nextId = 1;
  private closed = false;

  /**
   * @param plainBuffer the Float32Array a finished batch is copied into (the engine's tensor() reads plain
   *   ArrayBuffers only); the loader hands out recycled ones.
   * @param keepShared how many shared buffers to keep for reuse.
   */
  constructor(
    size: number,
    workerData: LoaderWorkerData,
    private readonly plainBuffer: (floats: number) => Float32Array,
    private readonly keepShared: number,
  ) {
    this.outstanding = new Array<number>(size).fill(0);
    this.workers = Array.from({ length: size }, (_, w) => {
      const worker = startWorker(import.meta.url, 'loaderWorker', { workerData, name: `hpaic-loader-${w}` });
      worker.unref(); // idle workers never keep the process alive; ref'd while a batch is outstanding
      worker.on('message', (msg: LoaderResponse) => this.onMessage(msg));
      worker.on('error', (err) => this.failWorker(w, err));
      worker.on('exit', (code) => {
        if (!this.closed) this.failWorker(w, new Error(`DataLoader worker ${w} exited (code ${code})`));
      });
      return worker;
    });
  }

  get size(): number {
    return this.workers.length;
  }

  /** Ask worker `w` for one batch of `bytes` bytes; the promise gives the batch's floats in a plain buffer. */
  request(w: number, req: BatchRequest, bytes: number): { id: number; promise: Promise<Float32Array> } {
    const id = this.nextId++;
    const buffer = this.sharedBuffer(bytes);
    const promise = new Promise<Float32Array>((resolve, reject) => {
      this.pending.set(id, { buffer, resolve, reject, worker: w });
    });
    promise.catch(() => {}); // a cancelled batch's failure must not become an unhandled rejection
    const dead = this.dead[w];
    if (dead) {
      this.settle(id, false)?.reject(dead);
      return { id, promise };
    }
    if (this.outstanding[w]++ === 0) this.workers[w].ref();
    this.workers[w].postMessage({ type: 'batch', id, buffer, ...req } satisfies LoaderRequest);
    return { id, promise };
  }

  /** Reject these requests and tell their workers to drop them. */
  cancel(ids: number[]): void {
    const byWorker = new Map<number, number[]>();
    for (const id of ids) {
      const p = this.settle(id);
      if (!p) continue;
      p.reject(new UsageError('DataLoader: batch cancelled'));
      byWorker.set(p.worker, [...(byWorker.get(p.worker) ?? []), id]);
    }
    for (const [w, list] of byWorker) this.workers[w].postMessage({ type: 'cancel', ids: list } satisfies LoaderRequest);
  }

  /** Reject what is pending and stop the threads. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const [id, p] of this.pending) {
      p.reject(new UsageError('DataLoader: closed while a batch was loading'));
      this.pending.delete(id);
    }
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  /** A buffer shared with the workers: a recycled one of the right size, or a new one. */
  private sharedBuffer(bytes: number): SharedArrayBuffer {
    const i = this.freeShared.findIndex((b) => b.byteLength === bytes);
    return i < 0 ? new SharedArrayBuffer(bytes) : this.freeShared.splice(i, 1)[0];
  }

  private settle(id: number, counted = true): Pending | undefined {
    const p = this.pending.get(id);
    if (!p) return undefined;
    this.pending.delete(id);
    if (counted && --this.outstanding[p.worker] === 0 && !this.closed) this.workers[p.worker].unref();
    return p;
  }

  private onMessage(msg: LoaderResponse): void {
    const p = this.settle(msg.id);
    if (!p) return; // cancelled
    if (msg.type === 'batch') {
      // Copy out into a plain buffer and reuse the shared one at once.
      const shared = new Float32Array(p.buffer);
      const images = this.plainBuffer(shared.length);
      images.set(shared);
      if (this.freeShared.length < this.keepShared) this.freeShared.push(p.buffer);
      p.resolve(images);
    } else p.reject(deserializeError(msg.error));
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
