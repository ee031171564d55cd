/**
 * @internal The typed description of the native addon (native/src/ops.cc). Only src/native may load the
 * addon; everything else goes through src/tensor. Handles are opaque; dtypes are c10::ScalarType codes.
 */
export type Handle = { readonly __addonTensor: unique symbol };
/** c10d handles (native/src/dist.cc): a store, a process group, a heartbeat thread. */
export type StoreHandle = { readonly __c10dStore: unique symbol };
export type GroupHandle = { readonly __c10dGroup: unique symbol };
export type HeartbeatHandle = { readonly __c10dHeartbeat: unique symbol };
type H = Handle;
type N = number;
type Operand = H | number;
type Ints = number[];

/** The caching CPU allocator's counters, in bytes (native/src/CachingCpuAllocator.h). */
export interface CpuCacheStats {
  hits: number;
  misses: number;
  /** Bytes of live tensors served by the cache (≥ 256 KiB each). */
  liveBytes: number;
  /** Bytes of free blocks kept for reuse. */
  cachedBytes: number;
  /** live + cached: what the cache holds from the OS. */
  mappedBytes: number;
  releasedBytes: number;
  peakLiveBytes: number;
  peakMappedBytes: number;
}

export interface AddonBinding {
  fromBuffer(data: ArrayBufferView, shape: Ints, dtype: N): H;
  toBuffer(t: H): ArrayBuffer;
  empty(shape: Ints, dtype: N, device: string): H;
  zeros(shape: Ints, dtype: N, device: string): H;
  ones(shape: Ints, dtype: N, device: string): H;
  full(shape: Ints, dtype: N, device: string, value: N): H;
  rand(shape: Ints, dtype: N, device: string): H;
  randn(shape: Ints, dtype: N, device: string): H;
  randperm(n: N, dtype: N, device: string): H;
  arange(start: N, end: N, step: N, dtype: N, device: string): H;
  manualSeed(seed: N): void;

  shape(t: H): number[];
  dtype(t: H): N;
  device(t: H): string;
  item(t: H): number;
  isContiguous(t: H, memoryFormat: N): boolean;
  requiresGrad(t: H): boolean;
  setRequiresGrad(t: H, v: boolean): void;
  grad(t: H): H | null;
  clearGrad(t: H): void;
  dispose(t: H): void;
  liveTensors(): number;

  backward(t: H, gradient: H | null): void;
  setGradEnabled(v: boolean): void;
  isGradEnabled(): boolean;

  /** Autocast state of a device type ('cpu' or 'cuda'; a device string such as 'cuda:1' names its type). */
  isAutocastEnabled(device: string): boolean;
  setAutocastEnabled(device: string, enabled: boolean): void;
  autocastDtype(device: string): N;
  setAutocastDtype(device: string, dtype: N): void;
  autocastIncrementNesting(): N;
  autocastDecrementNesting(): N;
  autocastClearCache(): void;

  to(t: H, dtype: N, device: string, nonBlocking: boolean): H;
  contiguous(t: H, memoryFormat: N): H;
  clone(t: H): H;
  detach(t: H): H;

  conv2d(x: H, w: H, b: H | null, stride: Ints, padding: Ints, dilation: Ints, groups: N): H;
  batchNorm(x: H, w: H | null, b: H | null, runningMean: H | null, runningVar: H | null, training: boolean, momentum: N, eps: N): H;
  relu(x: H): H;
  relu_(x: H): H;
  maxPool2d(x: H, kernel: Ints, stride: Ints, padding: Ints, dilation: Ints, ceilMode: boolean): H;
  avgPool2d(x: H, kernel: Ints, stride: Ints, padding: Ints, ceilMode: boolean, countIncludePad: boolean): H;
  adaptiveAvgPool2d(x: H, size: Ints): H;
  adaptiveMaxPool2d(x: H, size: Ints): H;
  linear(x: H, w: H, b: H | null): H;
  dropout(x: H, p: N, train: boolean): H;
  sigmoid(x: H): H;
  logSigmoid(x: H): H;
  softmax(x: H, dim: N): H;
  bceWithLogits(x: H, y: H, weight: H | null, posWeight: H | null, reduction: N): H;
  upsampleBilinear2d(x: H, size: Ints, alignCorners: boolean): H;
  upsampleNearest2d(x: H, size: Ints): H;
  gridSample(x: H, grid: H, mode: N, paddingMode: N, alignCorners: boolean): H;
  affineGrid(theta: H, size: Ints, alignCorners: boolean): H;

  reshape(x: H, shape: Ints): H;
  permute(x: H, dims: Ints): H;
  flip(x: H, dims: Ints): H;
  transpose(x: H, d0: N, d1: N): H;
  cat(xs: H[], dim: N): H;
  stack(xs: H[], dim: N): H;
  narrow(x: H, dim: N, start: N, length: N): H;
  select(x: H, dim: N, index: N): H;
  indexSelect(x: H, dim: N, index: H): H;
  unsqueeze(x: H, dim: N): H;
  squeeze(x: H, dim: N): H;
  flatten(x: H, start: N, end: N): H;
  expand(x: H, shape: Ints): H;

  add(a: H, b: Operand, alpha: N): H;
  sub(a: H, b: Operand, alpha: N): H;
  mul(a: H, b: Operand): H;
  div(a: H, b: Operand): H;
  pow(a: H, b: Operand): H;
  maximum(a: H, b: H): H;
  minimum(a: H, b: H): H;
  exp(a: H): H;
  log(a: H): H;
  neg(a: H): H;
  abs(a: H): H;
  sqrt(a: H): H;
  floor(a: H): H;
  round(a: H): H;
  clamp(a: H, min: N | null, max: N | null): H;
  where(cond: H, a: H, b: H): H;
  matmul(a: H, b: H): H;

  gt(a: H, b: Operand): H;
  ge(a: H, b: Operand): H;
  lt(a: H, b: Operand): H;
  le(a: H, b: Operand): H;
  eq(a: H, b: Operand): H;
  ne(a: H, b: Operand): H;

  sum(a: H, dims: Ints | null, keepdim: boolean): H;
  mean(a: H, dims: Ints | null, keepdim: boolean): H;
  amax(a: H, dims: Ints | null, keepdim: boolean): H;
  amin(a: H, dims: Ints | null, keepdim: boolean): H;
  argmax(a: H, dim: N, keepdim: boolean): H;

  add_(a: H, b: Operand, alpha: N): H;
  mul_(a: H, b: Operand): H;
  copy_(a: H, src: H): H;
  zero_(a: H): H;
  fill_(a: H, v: N): H;
  uniform_(a: H, from: N, to: N): H;
  normal_(a: H, mean: N, std: N): H;
  clamp_(a: H, min: N | null, max: N | null): H;

  adamStep(p: H, g: H, expAvg: H, expAvgSq: H, step: N, lr: N, beta1: N, beta2: N, eps: N, weightDecay: N): void;
  sgdStep(p: H, g: H, momentumBuffer: H | null, lr: N, momentum: N, dampening: N, weightDecay: N, nesterov: boolean): H | null;
  /** Multiplies every gradient by invScale in place; true when any held inf or NaN before (GradScaler). */
  unscaleGrads(grads: H[], invScale: N): boolean;

  setNumThreads(n: N): void;
  getNumThreads(): N;
  cpuCacheStats(): CpuCacheStats | null;
  cpuCacheEmpty(): N;
  cudaAvailable(): boolean;
  cudaDeviceCount(): N;
  version(): { torch: string; cxx11Abi: boolean; cuda: boolean };

  /** c10d (native/src/dist.cc). worldSize -1 = not known (a client of an agent's store). */
  distTcpStore(host: string, port: N, worldSize: N, isServer: boolean, timeoutMs: N, waitWorkers: boolean, multiTenant: boolean): StoreHandle;
  distPrefixStore(prefix: string, store: StoreHandle): StoreHandle;
  distStorePort(store: StoreHandle): N;
  distStoreSetTimeout(store: StoreHandle, timeoutMs: N): void;
  distStoreSet(store: StoreHandle, key: string, value: string): void;
  distStoreGet(store: StoreHandle, key: string): string;
  distStoreAdd(store: StoreHandle, key: string, delta: N): N;
  distStoreCheck(store: StoreHandle, keys: string[]): boolean;
  distStoreWait(store: StoreHandle, keys: string[], timeoutMs: N): void;
  /** The backends compiled in: 'gloo', and 'nccl' on CUDA builds whose libtorch has it. */
  distBackends(): string[];
  distNewGroup(backend: string, store: StoreHandle, rank: N, size: N, timeoutMs: N): GroupHandle;
  distSetSequenceNumber(group: GroupHandle): void;
  distBroadcast(group: GroupHandle, tensors: H[], root: N, timeoutMs: N): void;
  /** op: 0 sum, 1 average, 2 max, 3 min. */
  distAllreduce(group: GroupHandle, tensors: H[], op: N, timeoutMs: N): void;
  distAllgather(group: GroupHandle, outputs: H[], input: H, timeoutMs: N): void;
  distBarrier(group: GroupHandle, timeoutMs: N): void;
  /** torch.nn.SyncBatchNorm's training-mode forward (statistics over the group), differentiable. */
  distSyncBatchNorm(group: GroupHandle, x: H, weight: H | null, bias: H | null, runningMean: H | null, runningVar: H | null, momentum: N, eps: N, timeoutMs: N): H;
  distHeartbeat(host: string, port: N, keyPrefix: string, rank: N, intervalMs: N): HeartbeatHandle;
  distHeartbeatStop(heartbeat: HeartbeatHandle): void;
}
