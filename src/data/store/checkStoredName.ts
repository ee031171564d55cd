import { DataError } from '../../errors.js';
import type { ImageStore } from './ImageStore.js';

/**
 * The seed's per-item name check (seed-spec §1.5): the name stored at `row` must equal the CSV's `expected` Id.
 * It catches a store whose row order does not follow the CSV (e.g. a test.hdf5 built from another list).
 * @throws DataError naming the store, the row and both names.
 */
export function checkStoredName(store: ImageStore, row: number, expected: string, where = 'the image store'): void {
  const stored = store.nameAt(row);
  if (stored !== expected) {
    throw new DataError(`${where}: row ${row} holds "${stored}" but the CSV expects "${expected}" there`, {
      hint: 'the store and the CSV disagree on row order; rebuild the store with `hpaic convert` from this CSV',
    });
  }
}
