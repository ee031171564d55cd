import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { cpuCacheStats } from '../tensor/runtime.js';

/** One line of the memory trace: bytes at the end of a phase, and the peak RSS during it. */
export interface MemoryPhase {
  label: string;
  seconds: number;
  rss: number;
  /** The process's peak RSS since the previous phase (VmHWM, reset after each line where Linux allows). */
  peakRss: number;
  /** The main isolate's V8 heap and the ArrayBuffers it holds (worker threads' isolates are in the rest of RSS). */
  v8Heap: number;
  arrayBuffers: number;
  /** The caching CPU allocator (tensor buffers ≥ 256 KiB): live, free for reuse, and their sum held from the OS. */
  cacheLive: number | null;
  cacheCached: number | null;
  cacheMapped: number | null;
}

const started = performance.now();

function statusBytes(status: string, key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
  return m ? Number(m[1]) * 1024 : Number.NaN;
}

/**
 * With `HPAIC_MEMORY_TRACE=<file>`, append one JSON {@link MemoryPhase} line to that file at the end of a phase of
 * train / find-thresholds / submit (model built, an epoch's training, its validation, a fold's prediction), so
 * that `npm run bench:memory` can say where the memory goes. Without it, nothing happens.
 */
export function memoryPhase(label: string): void {
  const path = process.env.HPAIC_MEMORY_TRACE;
  if (!path) return;
  const status = readFileSync('/proc/self/status', 'utf8');
  const m = process.memoryUsage();
  const c = cpuCacheStats();
  const line: MemoryPhase = {
    label,
    seconds: (performance.now() - started) / 1000,
    rss: statusBytes(status, 'VmRSS'),
    peakRss: statusBytes(status, 'VmHWM'),
    v8Heap: m.heapUsed,
    arrayBuffers: m.arrayBuffers,
    cacheLive: c?.liveBytes ?? null,
    cacheCached: c?.cachedBytes ?? null,
    cacheMapped: c?.mappedBytes ?? null,
  };
  appendFileSync(path, JSON.stringify(line) + '\n');
  try {
    // "5" resets the peak RSS (proc(5), clear_refs), so the next line's peak is its own phase's.
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    // not Linux, or not allowed: the peaks stay cumulative
  }
}
