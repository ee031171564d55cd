/**
 * Entry point of a DataLoader worker thread: opens its own store from the descriptor in `workerData`, then
 * loads the batches the main thread asks for, one at a time, into the SharedArrayBuffer each request carries.
 * Requests are queued and handled one per macrotask, so a `cancel` sent after an early `break` is seen before
 * the next queued batch starts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ImageStore } from '../store/ImageStore.js';
import { type StoreDescriptor, openStore } from '../store/openStore.js';
import { type SamplePipeline, type SampleRequest, type SampleTransform, loadSamples } from './sampleTransform.js';

/** Main → worker. */
export type LoaderRequest =
  /** Load `samples` into `buffer` (shared with the main thread: nothing is copied or transferred back). */
  | { type: 'batch'; id: number; epoch: number; samples: SampleRequest[]; transform?: SampleTransform; buffer: SharedArrayBuffer }
  | { type: 'cancel'; ids: number[] };

/** Worker → main. */
export type LoaderResponse =
  | { type: 'batch'; id: number }
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
      loadSamples(store as ImageStore, req.samples, p, req.epoch, new Float32Array(req.buffer), where);
      port.postMessage({ type: 'batch', id: req.id } satisfies LoaderResponse);
    } catch (err) {
      port.postMessage({ type: 'error', id: req.id, error: serializeError(err) } satisfies LoaderResponse);
    }
    setImmediate(pump);
  };

  port.on('message', (msg: LoaderRequest) => {
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
