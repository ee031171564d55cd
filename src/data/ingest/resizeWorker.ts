// Worker thread of ResizePool: runs Pillow-exact Lanczos resizes (and the luma conversion) off the main thread.
import { parentPort } from 'node:worker_threads';
import { pilResizeLanczos, pilRgbToL } from '../image/pilResize.js';
import type { ResizeJob } from './ResizePool.js';

parentPort!.on('message', (m: { id: number; job: ResizeJob }) => {
  try {
    const { data, width, height, channels, size, luma } = m.job;
    let out = pilResizeLanczos(data, width, height, channels, size, size);
    if (luma) out = pilRgbToL(out);
    parentPort!.postMessage({ id: m.id, out }, [out.buffer as ArrayBuffer]);
  } catch (err) {
    parentPort!.postMessage({ id: m.id, error: String((err as Error)?.message ?? err) });
  }
});
