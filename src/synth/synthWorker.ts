/**
 * Worker-thread entry of the synthetic generator: receives batches of jobs, renders and writes them, and
 * answers with the number done (or the error message).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { writeSynthSample, type SynthJob, type SynthRender } from './synthSample.js';

const { out, seed, size, zoom } = workerData as SynthRender;

parentPort!.on('message', async (jobs: SynthJob[]) => {
  try {
    for (const job of jobs) await writeSynthSample(out, seed, size, job, zoom);
    parentPort!.postMessage({ done: jobs.length });
  } catch (err) {
    parentPort!.postMessage({ error: (err as Error).stack ?? String(err) });
  }
});
