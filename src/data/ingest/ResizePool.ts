import { Worker } from 'node:worker_threads';
import { startWorker } from '../../workers/startWorker.js';
import { pilResizeLanczos, pilRgbToL } from '../image/pilResize.js';
import { pilResizeLanczosNative } from '../image/pilResizeNative.js';
import { loadIngestAddon } from '../../native/loadIngestAddon.js';

/** One resize: interleaved 8-bit `width × height × channels` → `size × size` (then luma when `luma`). */
export interface ResizeJob {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
  size: number;
  /** Convert the resized RGB to Pillow's `L` afterwards. */
  luma: boolean;
}

type Pending = { resolve: (b: Uint8Array) => void; reject: (e: Error) => void };

/**
 * A pool of worker threads for the CPU-heavy Pillow-exact resize of the HPAv18 downloader (≈0.1–0.3 s per 2048²
 * image in JavaScript), so that all cores work while downloads continue. With `threads = 0` jobs run inline.
 */
export class ResizePool {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly queue: { id: number; job: ResizeJob }[] = [];
  private readonly pending = new Map<number, Pending & { worker?: Worker }>();
  private nextId = 0;
  private failure: Error | undefined;

  constructor(readonly threads: number) {
    // With the ingest addon the resizes run on libuv's threads (2.7× the JavaScript's speed, about Pillow's): no workers.
    const workers = loadIngestAddon().addon ? 0 : threads;
    for (let i = 0; i < workers; i++) {
      const w = startWorker(import.meta.url, 'resizeWorker');
      w.on('message', (m: { id: number; out?: Uint8Array; error?: string }) => {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (p) {
          if (m.out) p.resolve(m.out);
          else p.reject(new Error(m.error ?? 'resize failed'));
        }
        this.release(w);
      });
      w.on('error', (err) => this.fail(err));
      w.unref();
      this.all.push(w);
      this.idle.push(w);
    }
  }

  /** Resize one image (the input buffer is transferred to the worker: do not use it afterwards). */
  run(job: ResizeJob): Promise<Uint8Array> {
    if (this.threads > 0) {
      const native = pilResizeLanczosNative(job.data, job.width, job.height, job.channels, job.size, job.size, job.luma);
      if (native) return native;
    }
    if (this.all.length === 0) {
      const out = pilResizeLanczos(job.data, job.width, job.height, job.channels, job.size, job.size);
      return Promise.resolve(job.luma ? pilRgbToL(out) : out);
    }
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<Uint8Array>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.queue.push({ id, job });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.terminate()));
  }

  private dispatch(): void {
    while (this.idle.length && this.queue.length) {
      const w = this.idle.pop()!;
      const item = this.queue.shift()!;
      const data = item.job.data;
      // Transfer when the view covers its whole buffer; otherwise copy (a view into a shared pool buffer).
      const own = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice();
      w.ref();
      w.postMessage({ id: item.id, job: { ...item.job, data: own } }, [own.buffer as ArrayBuffer]);
    }
  }

  private release(w: Worker): void {
    w.unref();
    this.idle.push(w);
    this.dispatch();
  }

  private fail(err: Error): void {
    this.failure = err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

