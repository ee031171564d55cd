/**
 * Op recording: `traceOps(fn, record)` runs `fn` with every addon call passing through `record` after it ran
 * (op name, the arguments as the addon saw them, the result). The ONNX exporter builds its graph from this
 * record of a real forward pass, the way `torch.jit.trace` does, so every model written with hpaic's ops
 * exports without a per-architecture description. Queries (shape, dtype, …) and `dispose` are not recorded.
 */
import type { AddonBinding } from '../native/binding.js';
import { rawAddon, setTracedAddon } from './Tensor.js';

/** Addon functions that only read or free a tensor: not part of a computation. */
const NOT_OPS = new Set(['shape', 'dtype', 'device', 'item', 'isContiguous', 'requiresGrad', 'grad', 'dispose', 'liveTensors', 'toBuffer', 'isGradEnabled', 'setGradEnabled', 'isAutocastEnabled', 'autocastDtype', 'getNumThreads', 'cudaAvailable', 'cudaDeviceCount', 'version']);

export type OpRecorder = (op: string, args: readonly unknown[], result: unknown) => void;

/** Run `fn` recording every op call (see the module comment). Not re-entrant. */
export function traceOps<T>(fn: () => T, record: OpRecorder): T {
  const raw = rawAddon();
  const wrapped: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(raw as unknown as Record<string, unknown>)) {
    if (typeof f !== 'function') continue;
    const call = f as (...a: unknown[]) => unknown;
    wrapped[name] = NOT_OPS.has(name)
      ? call
      : (...args: unknown[]) => {
          const result = call(...args);
          record(name, args, result);
          return result;
        };
  }
  setTracedAddon(wrapped as unknown as AddonBinding);
  try {
    return fn();
  } finally {
    setTracedAddon(undefined);
  }
}
