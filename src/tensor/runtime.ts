/** Process-level settings of the engine: threads, random seed, CUDA availability, build information. */
import { addon } from './Tensor.js';

/** Intra-op threads (default: HPAIC_NUM_THREADS, else the number of cores). */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`setNumThreads: expected a positive integer but received ${n}`);
  addon().setNumThreads(n);
}
export function getNumThreads(): number {
  return addon().getNumThreads();
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
