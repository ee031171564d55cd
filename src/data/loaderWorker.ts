/**
 * Entry point of a DataLoader worker thread: opens its own store from the descriptor in `workerData`, then
 * loads the batches the main thread asks for, one at a time, and transfers each float32 image buffer back.
 * Requests are queued and handled one per macrotask, so a `cancel` sent after an early `break` is seen before
 * the next queued batch starts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ImageStore } from './ImageStore.js';
import { type StoreDescriptor, openStore } from './openStore.js';
import { type SamplePipeline, type SampleRequest, type SampleTransform, loadSamples, sampleShape, takeBuffer } from './sampleTransform.js';

/** Main → worker. */
export type LoaderRequest =
  | { type: 'batch'; id: number; epoch: number; samples: SampleRequest[]; transform?: SampleTransform }
  | { type: 'cancel'; ids: number[] }
  /** A consumed batch's image buffer, handed back for reuse (see `DataLoader.recycle`). */
  | { type: 'recycle'; buffer: ArrayBuffer };

/** Worker → main. */
export type LoaderResponse =
  | { type: 'batch'; id: number; images: Float32Array }
  | { type: 'error'; id: number; error: SerializedError };

/** An error as it crosses the thread boundary (class name, message, hint, code). */
export interface SerializedError {
  name: string;
  message: string;
  hint?: string;
  code?: string;
}

/** What the worker is started with. */
export interface LoaderWorkerData {
  kind: 'hpaic-loader';
  store: StoreDescriptor;
  pipeline: SamplePipeline;
  where: string;
}

export function serializeError(err: unknown): SerializedError {
  const e = err as { name?: string; message?: string; hint?: string; code?: string };
  return { name: e?.name ?? 'Error', message: e?.message ?? String(err), hint: e?.hint, code: typeof e?.code === 'string' ? e.code : undefined };
}

// Runs only as a loader worker (importing this module elsewhere, even in another worker, does nothing).
if (parentPort && (workerData as Partial<LoaderWorkerData> | null)?.kind === 'hpaic-loader') {
  const port = parentPort;
  const { store: descriptor, pipeline, where } = workerData as LoaderWorkerData;
  let store: ImageStore | undefined;
  let openError: unknown;
  const opening = openStore(descriptor).then(
    (s) => {
      store = s;
    },
    (err: unknown) => {
      openError = err;
    },
  );
  const queue: Extract<LoaderRequest, { type: 'batch' }>[] = [];
  const cancelled = new Set<number>();
  const free: ArrayBuffer[] = []; // recycled image buffers (at most 2 kept)
  let pumping = false;

  const pump = (): void => {
    const req = queue.shift();
    if (!req) {
      pumping = false;
      return;
    }
    if (cancelled.delete(req.id)) {
      setImmediate(pump);
      return;
    }
    try {
      if (openError !== undefined) throw openError;
      const p = req.transform ? { ...pipeline, transform: req.transform } : pipeline;
      const floats = sampleShape(p).reduce((a, b) => a * b, 1);
      const images = loadSamples(store as ImageStore, req.samples, p, req.epoch, takeBuffer(free, req.samples.length * floats), where);
      port.postMessage({ type: 'batch', id: req.id, images } satisfies LoaderResponse, [images.buffer]);
    } catch (err) {
      port.postMessage({ type: 'error', id: req.id, error: serializeError(err) } satisfies LoaderResponse);
    }
    setImmediate(pump);
  };

  port.on('message', (msg: LoaderRequest) => {
    if (msg.type === 'recycle') {
      if (free.length < 2) free.push(msg.buffer);
      return;
    }
    if (msg.type === 'cancel') {
      // Only ids still queued matter; drop the rest so the set cannot grow.
      const queued = new Set(queue.map((q) => q.id));
      for (const id of msg.ids) if (queued.has(id)) cancelled.add(id);
      return;
    }
    queue.push(msg);
    if (!pumping) {
      pumping = true;
      void opening.then(() => setImmediate(pump));
    }
  });
}
