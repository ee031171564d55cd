/** Process-level settings of the engine: threads, random seed, CUDA availability, build information. */
import { addon } from './Tensor.js';
import type { CpuCacheStats } from '../native/binding.js';

export type { CpuCacheStats };

/** Intra-op threads (default: HPAIC_NUM_THREADS, else the number of cores). */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`setNumThreads: expected a positive integer but received ${n}`);
  addon().setNumThreads(n);
}
export function getNumThreads(): number {
  return addon().getNumThreads();
}
/**
 * The caching CPU allocator's counters (big tensor buffers: live, cached for reuse, mapped, peaks), or null when
 * it is off (`HPAIC_CPU_CACHE=0`). Free blocks are kept up to 1.5 × the peak of live bytes
 * (`HPAIC_CPU_CACHE_BOUND`) and unmapped after 30 s unused (`HPAIC_CPU_CACHE_AGE_S`); docs/benchmarks.md.
 */
export function cpuCacheStats(): CpuCacheStats | null {
  return addon().cpuCacheStats();
}
/** Unmaps every free block the CPU cache holds; returns the bytes given back. */
export function emptyCpuCache(): number {
  return addon().cpuCacheEmpty();
}
/** Seeds libtorch's generators (weight init, dropout, rand/randn). */
export function manualSeed(seed: number): void {
  addon().manualSeed(seed);
}
export function cudaAvailable(): boolean {
  return addon().cudaAvailable();
}
export function cudaDeviceCount(): number {
  return addon().cudaDeviceCount();
}
/** What the addon was built against. */
export function engineInfo(): { torch: string; cxx11Abi: boolean; cuda: boolean } {
  return addon().version();
}
