import { tensor } from '../tensor/creation.js';
import type { ProcessGroup } from './ProcessGroup.js';
import { evaluationRows, interleaveRows } from './shard.js';

/**
 * Every rank's rows of an evaluation shard (rank r holds positions ≡ r mod W, `width` float32 values each), gathered
 * on every rank back into draw order: `length` × `width` values, as one process would have computed them in order.
 */
export function gatherRows(pg: ProcessGroup, local: Float32Array, length: number, width: number, device: string, what: string): Float32Array {
  const padded = new Float32Array(evaluationRows(length, pg.size) * width);
  padded.set(local);
  const t = tensor(padded, [padded.length], { dtype: 'float32', device });
  const parts = pg.allgather(t, what);
  try {
    return interleaveRows(parts.map((p) => p.toTypedArray() as Float32Array), length, width);
  } finally {
    t.dispose();
    for (const p of parts) p.dispose();
  }
}
