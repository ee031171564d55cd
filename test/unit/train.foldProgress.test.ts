import { test } from 'node:test';
import assert from 'node:assert/strict';
import { foldProgress } from '../../src/train/foldProgress.js';
import type { TrainingHistory } from '../../src/train/summary.js';

const hist = (vals: number[]): TrainingHistory => ({
  fold: 1,
  epochs: vals.map((v, i) => ({ epoch: i + 1, train: { loss: 1, metrics: [['f1_macro', v]] }, val: { loss: 1, metrics: [['f1_macro', v]] }, lr: 1e-3, seconds: 1, improved: false })),
});

test('foldProgress: best epoch, early stop and completion from the history alone', () => {
  assert.deepEqual(foldProgress(hist([]), { epochs: 5, stop_patience: 2 }), { lastEpoch: 0, bestEpoch: 0, bestValue: -Infinity, stopped: false, finished: false });
  assert.deepEqual(foldProgress(hist([0.1, 0.2, 0.25]), { epochs: 5, stop_patience: 2 }), { lastEpoch: 3, bestEpoch: 3, bestValue: 0.25, stopped: false, finished: false });
  // 0.20005 is not an improvement on 0.2 (absolute 1e-4); two bad epochs stop the fold.
  assert.deepEqual(foldProgress(hist([0.1, 0.2, 0.20005, 0.19]), { epochs: 10, stop_patience: 2 }), { lastEpoch: 4, bestEpoch: 2, bestValue: 0.2, stopped: true, finished: true });
  assert.equal(foldProgress(hist([0.1, 0.2, 0.3]), { epochs: 3, stop_patience: 10 }).finished, true);
});
