import { closeSync, openSync, readSync } from 'node:fs';
import { CheckpointError } from '../../errors.js';
import type { StateDict } from './StoredTensor.js';
import { readSafetensors } from './safetensors.js';
import { readStateDict, type ReadStateDictOptions } from './torchZip.js';

/** The weight-file formats hpaic reads. */
export type WeightFormat = 'torch' | 'safetensors';

/** A state dict read from either format; `metadata` is safetensors' `__metadata__` (empty for torch files). */
export interface WeightsContent {
  format: WeightFormat;
  tensors: StateDict;
  metadata: Record<string, string>;
}

/**
 * Which format `path` holds, from its first bytes rather than its extension: a zip (torch.save ≥ 1.6) or a
 * legacy pickle (0x80) is 'torch' (the torch reader explains legacy files); an 8-byte length followed by `{`
 * is 'safetensors'. Throws CheckpointError for anything else.
 */
export function detectWeightFormat(path: string): WeightFormat {
  let head: Buffer;
  try {
    const fd = openSync(path, 'r');
    try {
      head = Buffer.alloc(9);
      head = head.subarray(0, readSync(fd, head, 0, 9, 0));
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    throw new CheckpointError(`cannot open weight file ${path}: ${(err as Error).message}`, { cause: err });
  }
  if (head.length >= 4 && head.readUInt32LE(0) === 0x04034b50) return 'torch';
  // Before the legacy-pickle test: a safetensors header length may itself start with byte 0x80, whereas a
  // legacy torch file (0x80 0x02 0x8a …, the pickled magic number) never has '{' at offset 8.
  if (head.length === 9 && head[8] === 0x7b) return 'safetensors';
  if (head[0] === 0x80) return 'torch';
  throw new CheckpointError(`${path}: not a weight file hpaic reads (a torch.save zip checkpoint or safetensors); it starts with bytes ${[...head].map((b) => b.toString(16).padStart(2, '0')).join(' ') || '(none: the file is empty)'}`);
}

/**
 * Read a model state dict from a torch checkpoint (unwrapping common wrappers, see readStateDict) or a
 * safetensors file, choosing by content.
 */
export function readWeights(path: string, options: ReadStateDictOptions = {}): WeightsContent {
  const format = detectWeightFormat(path);
  if (format === 'safetensors') return { format, ...readSafetensors(path) };
  return { format, tensors: readStateDict(path, options), metadata: {} };
}
