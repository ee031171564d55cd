/**
 * Mixed precision: `autocast(fn, opts)` runs `fn` with libtorch's autocast on, as `with torch.autocast(...)`
 * does in Python. Inside, convolutions and matmuls run in the low-precision dtype (their fp32 weights are cast
 * once per outermost scope and cached), a list of ops (e.g. binary_cross_entropy_with_logits) is forced to
 * fp32, and the rest run in their inputs' dtype; the op lists are libtorch's own (ATen's autocast_mode.cpp),
 * so they are the ones PyTorch applies. Parameters, gradients and optimizer state stay fp32.
 *
 * The state is thread-local in libtorch and Node runs every forward on its main thread. Scopes nest and
 * restore the previous state on exit, also when `fn` throws; leaving the outermost one frees the weight-cast
 * cache (torch.autocast.__exit__'s order). Run `backward()` outside the scope, as PyTorch recommends.
 */
import { addon } from './Tensor.js';
import { DTYPE_CODE, dtypeFromCode, type DType } from './dtype.js';

export type AutocastDeviceType = 'cpu' | 'cuda';
export type AutocastDType = 'bfloat16' | 'float16';

export interface AutocastOptions {
  /** The device type whose ops are autocast: 'cpu' (default) or 'cuda' ('cuda:N' names the same type). */
  device?: string;
  /** Low-precision dtype; default bfloat16 on CPU, float16 on CUDA (torch's defaults). */
  dtype?: AutocastDType;
  /** false runs `fn` with autocast off for this device type (a nested opt-out, like enabled=False). */
  enabled?: boolean;
}

/** The device type an autocast scope applies to ('cuda:1' → 'cuda'); other devices are refused by name. */
export function autocastDeviceType(device: string): AutocastDeviceType {
  const type = device.split(':')[0];
  if (type !== 'cpu' && type !== 'cuda') throw new RangeError(`autocast: device must be "cpu" or "cuda[:N]" but received "${device}"`);
  return type;
}

function checkDtype(type: AutocastDeviceType, dtype: string): AutocastDType {
  if (dtype === 'bfloat16') return dtype;
  if (dtype === 'float16') {
    // libtorch 1.13 has no float16 CPU autocast (torch warns and turns autocast off); refuse it instead.
    if (type === 'cpu') throw new RangeError('autocast: float16 is CUDA-only here; use bfloat16 on the CPU');
    return dtype;
  }
  throw new RangeError(`autocast: dtype must be "bfloat16" or "float16" but received "${dtype}"`);
}

/**
 * Runs `fn` (synchronous) under autocast and returns its result.
 * @example const logits = autocast(() => model.forward(x), { device: 'cpu', dtype: 'bfloat16' });
 */
export function autocast<T>(fn: () => T, opts: AutocastOptions = {}): T {
  const type = autocastDeviceType(opts.device ?? 'cpu');
  const dtype = checkDtype(type, opts.dtype ?? (type === 'cpu' ? 'bfloat16' : 'float16'));
  const enabled = opts.enabled ?? true;
  const a = addon();
  const prevEnabled = a.isAutocastEnabled(type);
  const prevDtype = a.autocastDtype(type);
  a.setAutocastDtype(type, DTYPE_CODE[dtype]);
  a.setAutocastEnabled(type, enabled);
  a.autocastIncrementNesting();
  try {
    const r = fn();
    if (r instanceof Promise) throw new Error('autocast(fn): fn must be synchronous (it returned a Promise)');
    return r;
  } finally {
    if (a.autocastDecrementNesting() === 0) a.autocastClearCache();
    a.setAutocastEnabled(type, prevEnabled);
    a.setAutocastDtype(type, prevDtype);
  }
}

/** Whether autocast is on for `device`'s type on this thread (torch.is_autocast_enabled / _cpu_enabled). */
export function isAutocastEnabled(device = 'cpu'): boolean {
  return addon().isAutocastEnabled(autocastDeviceType(device));
}

/** The low-precision dtype autocast uses for `device`'s type on this thread. */
export function autocastDtype(device = 'cpu'): DType {
  return dtypeFromCode(addon().autocastDtype(autocastDeviceType(device)));
}
