/**
 * Classifier heads. `adaptive` is the seed's head (seed-spec §6.1): concat-pool (max, avg) → flatten →
 * BN1d(2F) → Dropout → Linear(2F→F) → ReLU → BN1d(F) → Dropout → Linear(F→classes); it accepts any input
 * resolution. Keys: head.2.*, head.4.*, head.6.*, head.8.* (nn.Sequential numbering, as in the seed).
 */
import { Sequential } from '../nn/Sequential.js';
import { AdaptiveConcatPool2d, Dropout, Flatten, ReLU } from '../nn/layers.js';
import { BatchNorm1d } from '../nn/BatchNorm.js';
import { Linear } from '../nn/Linear.js';

export type HeadKind = 'fc' | 'adaptive';

export function adaptiveHead(inFeatures: number, numClasses: number, dropoutP: number, hidden = inFeatures): Sequential {
  return new Sequential(
    new AdaptiveConcatPool2d(),
    new Flatten(),
    new BatchNorm1d(2 * inFeatures),
    new Dropout(dropoutP),
    new Linear(2 * inFeatures, hidden),
    new ReLU(true),
    new BatchNorm1d(hidden),
    new Dropout(dropoutP),
    new Linear(hidden, numClasses),
  );
}
