import type { Batch } from '../data/loader/DataLoader.js';
import { type InputNorm, normalizeInput } from '../models/inputNorm.js';
import { tensor } from '../tensor/creation.js';
import type { Tensor } from '../tensor/Tensor.js';

/** The batch's images and targets as tensors on the training device. */
export function batchTensors(batch: Batch, device: string, channelsLast: boolean, inputNorm: InputNorm | null = null): { x: Tensor; y: Tensor } {
  let x = tensor(batch.images, batch.shape);
  let y = tensor(batch.targets, [batch.shape[0], batch.targets.length / batch.shape[0]]);
  if (device !== 'cpu') {
    x = x.to(device);
    y = y.to(device);
  }
  if (inputNorm) x = normalizeInput(x, inputNorm);
  if (channelsLast) x = x.channelsLast();
  return { x, y };
}
