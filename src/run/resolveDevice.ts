import { cudaAvailable, engineInfo } from '../tensor/runtime.js';
import { ConfigError } from '../errors.js';

/** The config's `device` made concrete: 'auto' picks CUDA when this build and machine have it, else the CPU. */
export function resolveDevice(device: string): string {
  if (device === 'auto') return cudaAvailable() ? 'cuda' : 'cpu';
  if (device.startsWith('cuda') && !cudaAvailable()) {
    const built = engineInfo().cuda;
    throw new ConfigError(
      `device: "${device}" was asked for, but ${built ? 'no CUDA GPU is visible to this process' : 'this hpaic addon was built against a CPU-only libtorch'}`,
      { hint: built ? 'check nvidia-smi and CUDA_VISIBLE_DEVICES, or set "device": "auto"' : 'rebuild against a CUDA PyTorch: LIBTORCH_USE_PYTORCH=1 npm run build:native (see README), or set "device": "auto" / "cpu"' },
    );
  }
  return device;
}
