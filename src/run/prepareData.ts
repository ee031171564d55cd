/**
 * Everything the seed's train.py / threshold_finder.py / lr_finder.py derive from the config before the model
 * exists (seed-spec §2.1 steps 3–7, §4, §5): the labels after the subset, the image store, the folds, and the
 * class weights of the sampler and the criterion (both computed on the full — subset — dataset, §16).
 */
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import type { HpaicConfig } from '../config/schema.js';
import { readLabelCsv, readCsvColumn } from '../data/tables/csv.js';
import { NUM_CLASSES } from '../data/tables/labels.js';
import { multilabelStratifiedKFold, multilabelStratifiedShuffleSplit, type Split } from '../data/tables/folds.js';
import { classWeights } from '../data/tables/classWeights.js';
import { sampleWeights, type SampleWeightMode } from '../data/tables/sampler.js';
import { openStore, type StoreDescriptor } from '../data/store/openStore.js';
import { DataError } from '../errors.js';

export interface DatasetTables {
  /** Sample ids of the dataset items (after the subset), in CSV order. */
  ids: string[];
  /** N × 28 multi-hot labels of the items (all zero in test mode). */
  labels: Uint8Array;
  /** The store row (CSV row) of each item: the seed's subset_idx. */
  rows: Int32Array;
  store: StoreDescriptor;
}

/** Where dataset.root_dir points, in words: relative paths of a config are resolved against the current directory. */
function rootDirNote(root: string): string {
  return `dataset.root_dir is ${root} (a relative root_dir, like the seed configs' "../dataset/", is resolved against the current directory ${process.cwd()}); set it with --set dataset.root_dir=<folder>`;
}

/**
 * The training (or test) dataset of a config: labels, subset and where the images are. The store is opened
 * once to check that it holds a row for every CSV row (a shorter store would fail in the middle of an epoch).
 * @throws DataError naming the CSV or store, and saying where dataset.root_dir points
 */
export async function loadDataset(config: HpaicConfig, mode: 'train' | 'test' = 'train'): Promise<DatasetTables> {
  const root = config.dataset.root_dir;
  let ids: string[];
  let labels: Uint8Array;
  const csv = mode === 'train' ? config.dataset.train_csv : join(root, 'sample_submission.csv');
  if (!existsSync(csv)) throw new DataError(`${csv} does not exist`, { hint: rootDirNote(root) });
  if (mode === 'train') {
    const t = readLabelCsv(csv);
    ids = t.ids;
    labels = t.labels;
  } else {
    ids = readCsvColumn(csv);
    labels = new Uint8Array(ids.length * NUM_CLASSES);
  }
  if (ids.length === 0) throw new DataError(`${csv}: no rows after the header; expected one row per ${mode === 'train' ? 'training' : 'test'} sample`);
  const all = ids;
  let rows = Int32Array.from(ids, (_, i) => i);
  if (mode === 'train' && config.dataset.subset < 1) {
    // The train part of a stratified shuffle split (seed-spec §1.5), ascending.
    const [split] = multilabelStratifiedShuffleSplit(labels, NUM_CLASSES, { trainSize: config.dataset.subset, testSize: null, randomState: config.dataset.random_state });
    rows = split.train;
    ids = Array.from(rows, (r) => all[r]);
    const sub = new Uint8Array(rows.length * NUM_CLASSES);
    rows.forEach((r, i) => sub.set(labels.subarray(r * NUM_CLASSES, (r + 1) * NUM_CLASSES), i * NUM_CLASSES));
    labels = sub;
  }
  const store = storeOf(config, mode, all);
  const opened = await openStore(store);
  try {
    if (opened.length < all.length) {
      throw new DataError(`${store.kind === 'hdf5' ? store.path : csv}: the store has ${opened.length} rows but ${csv} lists ${all.length} samples; every CSV row needs its stored image`, {
        hint: `rebuild the store from this CSV with hpaic convert --dest ${root}`,
      });
    }
  } finally {
    opened.close();
  }
  return { ids, labels, rows, store };
}

function storeOf(config: HpaicConfig, mode: 'train' | 'test', allIds: string[]): StoreDescriptor {
  const root = config.dataset.root_dir;
  if (config.dataset.format === 'png') {
    const dir = join(root, mode);
    if (!existsSync(dir)) throw new DataError(`dataset.format is "png" but ${dir} does not exist (expected <Id>_<color>.png files there)`, { hint: rootDirNote(root) });
    return { kind: 'png', root: dir, ids: allIds };
  }
  const path = join(root, `${mode}.hdf5`);
  if (!existsSync(path)) throw new DataError(`${path} does not exist: convert the images first (hpaic convert --src <kaggle folder> --dest ${root})`, { hint: rootDirNote(root) });
  return { kind: 'hdf5', path };
}

/** The folds of the seed (§4): k-fold when n_splits > 1, else one stratified shuffle split with val_size. */
export function makeSplits(config: HpaicConfig, labels: Uint8Array): Split[] {
  const { n_splits, val_size, random_state } = config.dataloader;
  if (n_splits > 1) return multilabelStratifiedKFold(labels, NUM_CLASSES, n_splits, { randomState: random_state }).splits;
  return multilabelStratifiedShuffleSplit(labels, NUM_CLASSES, { testSize: val_size, trainSize: null, randomState: random_state, nSplits: 1 });
}

export interface WeightPlan {
  /** Class weights the sampler draws with (null: no weighted sampler, shuffle instead). */
  samplerClassWeights: Float64Array | null;
  /** Class weights of bce_w / bce_pw (null when criterion.weights.scaling is null). */
  criterionClassWeights: Float64Array | null;
}

/** Seed-spec §2.1 steps 4 and 7 and §5: sampler class weights, then criterion weights under that sampler. */
export function planWeights(config: HpaicConfig, labels: Uint8Array): WeightPlan {
  const sw = config.sampler.weights;
  const samplerClassWeights =
    config.sampler.mode !== null && sw.scaling !== null
      ? classWeights(labels, NUM_CLASSES, { scaling: sw.scaling, dampingR: sw.damping_r ?? 1, minClip: sw.min_clip, maxClip: sw.max_clip })
      : null;
  const cw = config.criterion.weights;
  let criterionClassWeights: Float64Array | null = null;
  if (cw.scaling !== null) {
    const perSample = samplerClassWeights ? sampleWeights(labels, NUM_CLASSES, samplerClassWeights, config.sampler.mode as SampleWeightMode) : undefined;
    criterionClassWeights = classWeights(labels, NUM_CLASSES, {
      scaling: cw.scaling,
      dampingR: cw.damping_r ?? 1,
      minClip: cw.min_clip,
      maxClip: cw.max_clip,
      ...(perSample ? { sampleWeights: perSample } : {}),
    });
  }
  return { samplerClassWeights, criterionClassWeights };
}

/** The rows of `labels` at `indices` (a fold's training labels). */
export function labelsAt(labels: Uint8Array, indices: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(indices.length * NUM_CLASSES);
  for (let i = 0; i < indices.length; i++) out.set(labels.subarray(indices[i] * NUM_CLASSES, (indices[i] + 1) * NUM_CLASSES), i * NUM_CLASSES);
  return out;
}
