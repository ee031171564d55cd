/**
 * @internal Finds and loads the native addon (lazily, on first tensor use, so `hpaic --help` and the
 * pure-TypeScript commands never touch libtorch), then applies start-up settings: intra-op threads =
 * HPAIC_NUM_THREADS or the number of cores (design.md: both runtimes default to 1 here).
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { HpaicError } from '../errors.js';
import type { AddonBinding } from './binding.js';
import { guardAddon } from './guardAddon.js';

let addon: AddonBinding | undefined;

function packageRoot(): string {
  // src/native/loadAddon.ts and dist/native/loadAddon.js both sit two levels below the package root.
  return dirname(dirname(dirname(fileURLToPath(import.meta.url))));
}

export function loadAddon(): AddonBinding {
  if (addon) return addon;
  const root = packageRoot();
  const candidates = [process.env.HPAIC_ADDON, join(root, 'build', 'Release', 'hpaic.node'), join(root, 'build', 'Debug', 'hpaic.node')].filter(
    (p): p is string => Boolean(p),
  );
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new HpaicError(
      `the native addon is not built (looked for ${candidates.join(', ')}).\n` +
        'Possible solutions:\n' +
        '  1. npm run build:native                     (needs libtorch: apt-get install libtorch-dev)\n' +
        '  2. LIBTORCH=/path/to/libtorch npm run build:native\n' +
        '  3. LIBTORCH_USE_PYTORCH=1 npm run build:native   (a pip-installed torch, e.g. with CUDA)',
    );
  }
  // OpenMP threads that spin while waiting make every step many times slower as soon as anything else wants the
  // cores (loader workers, other processes): measured 7.0 s vs 0.65 s per ResNet18 step on a busy 2-core
  // machine. libgomp reads this when libtorch is loaded, so it must be set before the addon is.
  process.env.OMP_WAIT_POLICY ??= 'PASSIVE';
  let raw: AddonBinding;
  try {
    raw = createRequire(import.meta.url)(found) as AddonBinding;
  } catch (err) {
    const msg = (err as Error).message;
    const hint = /libtorch_cuda|libc10_cuda|libcud/.test(msg)
      ? 'the addon was built against a CUDA libtorch whose libraries are not on this machine; rebuild with npm run build:native'
      : /undefined symbol/.test(msg)
        ? 'the addon and the libtorch it finds at run time differ (version or C++ ABI); rebuild with npm run build:native'
        : 'rebuild with npm run build:native';
    throw new HpaicError(`cannot load the native addon ${found}: ${msg.split('\n')[0]}`, { hint });
  }
  addon = guardAddon(raw);
  const env = process.env.HPAIC_NUM_THREADS;
  const threads = env ? Number(env) : availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) throw new HpaicError(`HPAIC_NUM_THREADS must be a positive integer, received "${env}"`);
  addon.setNumThreads(threads);
  return addon;
}
