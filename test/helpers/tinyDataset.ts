/**
 * A tiny real dataset on disk for end-to-end tests: `train.csv`, `sample_submission.csv`, `train.hdf5` and
 * `test.hdf5` in the seed's layout, with images whose green channel depends on the labels (so a model can
 * learn something in a few epochs), plus `test_truth.csv`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Hdf5Writer } from '../../src/data/store/Hdf5Store.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s ^ (s >>> 15), 2246822507) + 0x6d2b79f5) >>> 0) / 2 ** 32);
}

export interface TinyDataset {
  root: string;
  trainIds: string[];
  testIds: string[];
}

export async function makeTinyDataset(root: string, opts: { train?: number; test?: number; size?: number; seed?: number } = {}): Promise<TinyDataset> {
  const { train = 48, test = 16, size = 32, seed = 1 } = opts;
  mkdirSync(root, { recursive: true });
  const r = rng(seed);
  // Classes 0 (fills the image) and 25 (a bright square) dominate, as in HPA; 2 = bright dots.
  const labelsOf = (): number[] => {
    const l = new Set<number>();
    if (r() < 0.6) l.add(0);
    if (r() < 0.5) l.add(25);
    if (r() < 0.25) l.add(2);
    if (l.size === 0) l.add(r() < 0.5 ? 0 : 25);
    return [...l].sort((a, b) => a - b);
  };
  const image = (labels: number[]): Uint8Array => {
    const px = new Uint8Array(size * size * 4);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const i = (y * size + x) * 4;
        let g = 20 * r();
        if (labels.includes(0)) g += 60;
        if (labels.includes(25) && x > size / 4 && x < (3 * size) / 4 && y > size / 4 && y < (3 * size) / 4) g += 120;
        if (labels.includes(2) && x % 8 === 3 && y % 8 === 3) g += 200;
        px[i] = 40 + 40 * r();
        px[i + 1] = Math.min(255, g);
        px[i + 2] = 30 + 60 * r();
        px[i + 3] = 50 * r();
      }
    }
    return px;
  };
  const id = (prefix: string, i: number): string => `${prefix}${String(i).padStart(4, '0')}-0000-1111-2222-333344445555`.slice(0, 36);
  const write = async (file: string, ids: string[], labels: number[][]): Promise<void> => {
    const w = await Hdf5Writer.create(join(root, file), { height: size, width: size, nameLength: 36, compression: 'none' });
    ids.forEach((name, i) => w.append(image(labels[i]), name));
    w.close();
  };
  const trainIds = Array.from({ length: train }, (_, i) => id('a', i));
  const trainLabels = trainIds.map(labelsOf);
  const testIds = Array.from({ length: test }, (_, i) => id('b', i));
  const testLabels = testIds.map(labelsOf);
  await write('train.hdf5', trainIds, trainLabels);
  await write('test.hdf5', testIds, testLabels);
  writeFileSync(join(root, 'train.csv'), 'Id,Target\n' + trainIds.map((x, i) => `${x},${trainLabels[i].join(' ')}`).join('\n') + '\n');
  writeFileSync(join(root, 'sample_submission.csv'), 'Id,Predicted\n' + testIds.map((x) => `${x},0`).join('\n') + '\n');
  writeFileSync(join(root, 'test_truth.csv'), 'Id,Target\n' + testIds.map((x, i) => `${x},${testLabels[i].join(' ')}`).join('\n') + '\n');
  return { root, trainIds, testIds };
}

/** A small CPU config for the tiny dataset (the seed's schema). */
export function tinyConfig(root: string, checkpointDir: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'tiny',
    device: 'cpu',
    checkpoint_dir: checkpointDir,
    epochs: 2,
    img_h: 32,
    img_w: 32,
    aug: true,
    lr_patience: 1,
    lr_factor: 0.5,
    min_lr: 1e-7,
    stop_patience: 5,
    dataset: { root_dir: root, filters: 'rgb', subset: 1.0, random_state: 92 },
    sampler: { mode: 'meanmax', weights: { scaling: 'none', min_clip: null, max_clip: null, damping_r: null } },
    dataloader: { n_splits: 2, val_size: null, batch_size: 8, workers: 0, random_state: 92 },
    model: { name: 'resnet18', dropout_p: 0.5 },
    criterion: { name: 'bce', weights: { scaling: null, min_clip: null, max_clip: null, damping_r: null } },
    optim: { name: 'adam', lr: 1e-3, weight_decay: 0 },
    load: { path: null, weights_only: null },
    plots: 'svg',
    ...over,
  };
}
