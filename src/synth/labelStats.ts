/**
 * The few numbers from the real Kaggle HPA training labels that the synthetic label sampler reproduces.
 * Counted from ../shared/data/kaggle/train.csv (31072 rows, the 2018 competition's train.csv); the per-class
 * counts and labels-per-row numbers are also listed in ../shared/data/README.md. The pair counts were counted
 * from the same file (rows holding both classes, the 30 most frequent pairs). Nothing else of the file is
 * embedded.
 */

export { CLASS_NAMES as HPA_CLASS_NAMES, NUM_CLASSES } from '../data/tables/labels.js';

/** Rows of the real train.csv. */
export const REAL_ROWS = 31072;

/** Rows of the real train.csv holding each class (index = class). */
export const REAL_CLASS_COUNTS: readonly number[] = [
  12885, 1254, 3621, 1561, 1858, 2513, 1008, 2822, 53, 45, 28, 1093, 688, 537, 1066, 21, 530, 210, 902, 1482, 172,
  3777, 802, 2965, 322, 8228, 328, 11,
];

/** Rows of the real train.csv with 1, 2, 3, 4, 5 labels (index 0 = one label; no row is empty). */
export const REAL_LABELS_PER_ROW: readonly number[] = [15126, 12485, 3160, 299, 2];

/** [a, b, rows holding both a and b]: the 30 most frequent class pairs of the real train.csv. */
export const REAL_PAIR_COUNTS: readonly (readonly [number, number, number])[] = [
  [0, 25, 3631],
  [0, 2, 1735],
  [0, 21, 1343],
  [0, 7, 1092],
  [21, 25, 921],
  [0, 5, 806],
  [0, 23, 802],
  [2, 25, 782],
  [0, 19, 614],
  [0, 1, 600],
  [0, 3, 571],
  [5, 25, 555],
  [7, 25, 411],
  [4, 25, 329],
  [0, 22, 325],
  [0, 16, 286],
  [0, 18, 279],
  [19, 25, 276],
  [3, 25, 272],
  [1, 25, 261],
  [0, 11, 259],
  [18, 25, 258],
  [2, 23, 226],
  [0, 14, 217],
  [2, 21, 216],
  [0, 12, 200],
  [23, 25, 197],
  [2, 7, 189],
  [0, 13, 178],
  [14, 25, 157],
];
