/**
 * Model weights on disk. Writes PyTorch's `torch.save` zip format (`.pth`, the default: Python loads it with
 * `torch.load(path, weights_only=True)` and `load_state_dict(strict=True)` into the matching torchvision
 * model) or safetensors (`.safetensors`); reads either (chosen by content), unwrapping common checkpoint
 * wrappers. The byte-level formats live in src/io; this file converts between them and tensors.
 */
import type { Module } from '../nn/Module.js';
import type { Tensor } from '../tensor/Tensor.js';
import { fromBytes } from '../tensor/creation.js';
import type { DType } from '../tensor/dtype.js';
import type { StateDict, StoredTensor } from '../io/weights/StoredTensor.js';
import { readWeights } from '../io/weights/readWeights.js';
import { writeSafetensors } from '../io/weights/safetensors.js';
import { writeTorchFile } from '../io/weights/torchZip.js';
import { OrderedDict } from '../io/weights/pickle.js';

/** A tensor's values as a stored record (contiguous CPU bytes). */
export function toStored(t: Tensor): StoredTensor {
  const values = t.toTypedArray();
  return { dtype: t.dtype, shape: t.shape, data: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) };
}

/** A new CPU tensor from a stored record. */
export function fromStored(s: StoredTensor): Tensor {
  return fromBytes(s.data, s.shape, s.dtype as DType);
}

/** The model's state dict as stored records, in PyTorch key order. */
export function modelStateRecords(model: Module): StateDict {
  const out: StateDict = new OrderedDict<string, StoredTensor>();
  for (const [k, t] of model.stateDict()) out.set(k, toStored(t));
  return out;
}

/** Copies stored records into the model (see Module.loadStateDict for strictness). */
export function loadStateRecords(model: Module, records: StateDict, opts: { strict?: boolean; what?: string } = {}): { missing: string[]; unexpected: string[] } {
  const tensors = new Map<string, Tensor>();
  try {
    for (const [k, s] of records) tensors.set(k, fromStored(s));
    return model.loadStateDict(tensors, { strict: opts.strict ?? true, what: opts.what ?? 'state dict' });
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
}

/**
 * Loads weights saved by PyTorch (`torch.save(model.state_dict(), p)`, plain dict or OrderedDict, or a
 * `{'model': …}` / `{'state_dict': …}` checkpoint) or safetensors into `model`.
 * @throws CheckpointError listing every missing and unexpected key (strict, the default) or shape mismatches.
 * @example await loadWeights(model, 'resnet18-f37072fd.pth', { strict: false });
 */
export async function loadWeights(
  model: Module,
  path: string,
  opts: { strict?: boolean; key?: string } = {},
): Promise<{ missing: string[]; unexpected: string[]; metadata: Record<string, string> }> {
  const { tensors, metadata } = readWeights(path, opts.key === undefined ? {} : { key: opts.key });
  return { ...loadStateRecords(model, tensors, { strict: opts.strict ?? true, what: path }), metadata };
}

/**
 * Saves the model's state dict: safetensors when `path` ends in `.safetensors`, else PyTorch's zip format.
 * Atomic (temporary name, then rename).
 */
export async function saveWeights(model: Module, path: string, opts: { metadata?: Record<string, string> } = {}): Promise<void> {
  const records = modelStateRecords(model);
  if (path.endsWith('.safetensors')) writeSafetensors(path, records, opts.metadata ?? {});
  else writeTorchFile(path, records);
}
