import { ConfigError, DataError } from '../../errors.js';
import { iterativeStratification } from './iterativeStratification.js';
import { LegacyRandomState } from './legacyRandomState.js';

/** A seed (0..2^32−1), null for a nondeterministic one, or a generator to draw from (shared, like numpy's). */
export type RandomStateLike = number | null | undefined | LegacyRandomState;

/** sklearn's `check_random_state`: an integer or null gives a fresh generator; an instance is used as is. */
export function checkRandomState(rs: RandomStateLike): LegacyRandomState {
  return rs instanceof LegacyRandomState ? rs : new LegacyRandomState(rs);
}

/** One train/test split: ascending sample indices. */
export interface Split {
  train: Int32Array;
  test: Int32Array;
}

export interface KFoldOptions {
  /** Seed or generator for tie-breaking (and for the pre-shuffle when `shuffle`). */
  randomState?: RandomStateLike;
  /** Shuffle the samples with the generator before stratifying (iterstrat's `shuffle=True`). Default false. */
  shuffle?: boolean;
}

export interface KFoldResult {
  /** The fold (0..k−1) of each sample, in input order; fold i is the validation part of split i. */
  foldOf: Int32Array;
  /** Split i: validation = the samples of fold i, training = the rest; both ascending. */
  splits: Split[];
}

/**
 * iterstrat 0.1.6's `MultilabelStratifiedKFold(n_splits=k, shuffle, random_state).split(X, labels)`
 * (seed-spec §4.1): every fold fraction is 1/k; with `shuffle` the generator first permutes the samples
 * (`rng.shuffle(arange(N))`), the stratification runs on the permuted labels and the folds are mapped back.
 *
 * @param labels row-major N×C 0/1 matrix
 * @param numClasses C (28 for HPA)
 * @param k number of folds, 2..N
 */
export function multilabelStratifiedKFold(labels: ArrayLike<number>, numClasses: number, k: number, opts: KFoldOptions = {}): KFoldResult {
  const n = sampleCount(labels, numClasses);
  if (!Number.isInteger(k) || k < 2) throw new ConfigError(`k-fold needs an integer number of folds >= 2 but received ${k}`);
  if (k > n) throw new ConfigError(`cannot have number of splits ${k} greater than the number of samples ${n}`);
  const rng = checkRandomState(opts.randomState);
  const r = new Array<number>(k).fill(1 / k);
  let foldOf: Int32Array;
  if (opts.shuffle) {
    const perm = rng.permutation(n);
    const permuted = permuteRows(labels, numClasses, perm);
    const folds = iterativeStratification(permuted, numClasses, r, rng);
    foldOf = new Int32Array(n);
    for (let j = 0; j < n; j++) foldOf[perm[j]] = folds[j];
  } else {
    foldOf = iterativeStratification(labels, numClasses, r, rng);
  }
  const splits: Split[] = [];
  for (let f = 0; f < k; f++) splits.push(splitFromMask(foldOf, f));
  return { foldOf, splits };
}

export interface ShuffleSplitOptions {
  /** Float in (0,1): fraction (n_test = ceil(frac·N)); integer ≥ 1: count; null: complement of trainSize.
   * Undefined: the complement when trainSize is given, else 0.1. */
  testSize?: number | null;
  /** Float in (0,1): fraction (n_train = floor(frac·N)); integer: count; null/undefined: complement. */
  trainSize?: number | null;
  randomState?: RandomStateLike;
  /** Number of re-shuffled splits drawn from the same generator. Default 1 (the seed's use). */
  nSplits?: number;
}

/**
 * iterstrat 0.1.6's `MultilabelStratifiedShuffleSplit(n_splits, test_size, train_size, random_state)`
 * (seed-spec §4.2): sizes by scikit-learn 0.20's rules, fractions r = [n_train, n_test]/(n_train + n_test);
 * for each split the generator shuffles 0..N−1, the permuted labels are stratified into 2 parts and part 1
 * is the test part. Actual sizes can differ slightly from n_train/n_test (stratification comes first).
 */
export function multilabelStratifiedShuffleSplit(labels: ArrayLike<number>, numClasses: number, opts: ShuffleSplitOptions = {}): Split[] {
  const n = sampleCount(labels, numClasses);
  const nSplits = opts.nSplits ?? 1;
  if (!Number.isInteger(nSplits) || nSplits < 1) throw new ConfigError(`nSplits must be a positive integer but received ${nSplits}`);
  const { nTrain, nTest } = validateShuffleSplit(n, opts.testSize === undefined ? (opts.trainSize == null ? 0.1 : null) : opts.testSize, opts.trainSize ?? null);
  const rng = checkRandomState(opts.randomState);
  const r = [nTrain / (nTrain + nTest), nTest / (nTrain + nTest)];
  const out: Split[] = [];
  for (let s = 0; s < nSplits; s++) {
    const perm = rng.permutation(n);
    const folds = iterativeStratification(permuteRows(labels, numClasses, perm), numClasses, r, rng);
    const foldOf = new Int32Array(n);
    for (let j = 0; j < n; j++) foldOf[perm[j]] = folds[j];
    out.push(splitFromMask(foldOf, 1));
  }
  return out;
}

/**
 * scikit-learn 0.20's `_validate_shuffle_split`: a float test fraction gives ceil(frac·N), a float train
 * fraction floor(frac·N), an integer is a count, null is the complement.
 * @throws ConfigError for sizes out of range or summing to more than N.
 */
export function validateShuffleSplit(n: number, testSize: number | null, trainSize: number | null): { nTrain: number; nTest: number } {
  if (testSize === null && trainSize === null) throw new ConfigError('test size and train size cannot both be null');
  const check = (v: number | null, what: string) => {
    if (v === null) return;
    if (!Number.isFinite(v) || v <= 0) throw new ConfigError(`${what} must be a fraction in (0, 1) or a positive count but received ${v}`);
    if (!Number.isInteger(v) && v >= 1) throw new ConfigError(`${what} as a fraction must be in (0, 1) but received ${v}`);
    if (Number.isInteger(v) && v >= n) throw new ConfigError(`${what} = ${v} should be smaller than the number of samples ${n}`);
  };
  check(testSize, 'test size');
  check(trainSize, 'train size');
  let nTest = testSize === null ? NaN : Number.isInteger(testSize) ? testSize : Math.ceil(testSize * n);
  const nTrain = trainSize === null ? n - nTest : Number.isInteger(trainSize) ? trainSize : Math.floor(trainSize * n);
  if (testSize === null) nTest = n - nTrain;
  if (nTrain + nTest > n) {
    throw new ConfigError(`the sum of train size and test size = ${nTrain + nTest} should be smaller than the number of samples ${n}; reduce the test and/or train size`);
  }
  if (nTrain <= 0 || nTest <= 0) throw new ConfigError(`the split leaves an empty part (train ${nTrain}, test ${nTest} of ${n} samples)`);
  return { nTrain, nTest };
}

function sampleCount(labels: ArrayLike<number>, numClasses: number): number {
  if (!Number.isInteger(numClasses) || numClasses < 1 || labels.length % numClasses !== 0) {
    throw new DataError(`labels must be an N×${numClasses} matrix but have ${labels.length} values`);
  }
  const n = labels.length / numClasses;
  if (n === 0) throw new DataError('cannot split an empty label set');
  return n;
}

function permuteRows(labels: ArrayLike<number>, C: number, perm: Int32Array): Uint8Array {
  const out = new Uint8Array(perm.length * C);
  for (let j = 0; j < perm.length; j++) {
    const src = perm[j] * C;
    for (let c = 0; c < C; c++) out[j * C + c] = labels[src + c] ? 1 : 0;
  }
  return out;
}

function splitFromMask(foldOf: Int32Array, testFold: number): Split {
  let nt = 0;
  for (const f of foldOf) if (f === testFold) nt++;
  const test = new Int32Array(nt);
  const train = new Int32Array(foldOf.length - nt);
  for (let i = 0, a = 0, b = 0; i < foldOf.length; i++) {
    if (foldOf[i] === testFold) test[a++] = i;
    else train[b++] = i;
  }
  return { train, test };
}
