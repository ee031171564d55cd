/**
 * How an epoch's draw is split over the ranks, like torch.utils.data.DistributedSampler with `shuffle=False` over a
 * draw every rank made identically: rank r takes positions r, r+W, r+2W, … of it.
 */
export interface Shard {
  /** The dataset indices this rank takes, in order. */
  readonly order: Int32Array;
  /** Where each of them sits in the whole draw (seeds its augmentation, so a sample is augmented the same whatever the rank). */
  readonly positions: Int32Array;
}

/**
 * A training shard. The draw is first cut to whole global batches (W × batchSize), as the single process's drop_last
 * cuts it, so every rank takes the same number of steps and the ranks' batches at step k together are exactly the
 * single-process batch k of batch size W × batchSize.
 */
export function trainingShard(order: ArrayLike<number>, rank: number, worldSize: number, batchSize: number): Shard {
  const global = worldSize * batchSize;
  const used = Math.floor(order.length / global) * global;
  const n = used / worldSize;
  const out = new Int32Array(n);
  const positions = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    positions[i] = i * worldSize + rank;
    out[i] = order[positions[i]];
  }
  return { order: out, positions };
}

/** An evaluation shard: every position ≡ rank (mod W), no padding (ranks may differ by one sample; nothing steps in lockstep). */
export function evaluationShard(order: ArrayLike<number>, rank: number, worldSize: number): Shard {
  const n = Math.max(0, Math.ceil((order.length - rank) / worldSize));
  const out = new Int32Array(n);
  const positions = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    positions[i] = i * worldSize + rank;
    out[i] = order[positions[i]];
  }
  return { order: out, positions };
}

/** Rows each rank sends in a gather of evaluation results: the largest shard (the others pad up to it). */
export function evaluationRows(length: number, worldSize: number): number {
  return Math.ceil(length / worldSize);
}

/**
 * Puts gathered evaluation rows back in draw order: `parts[r]` holds rank r's rows (`width` values each, padded to
 * evaluationRows), row i of rank r being position i·W + r.
 */
export function interleaveRows(parts: readonly ArrayLike<number>[], length: number, width: number): Float32Array {
  const W = parts.length;
  const out = new Float32Array(length * width);
  for (let p = 0; p < length; p++) {
    const src = parts[p % W];
    const row = Math.floor(p / W);
    for (let c = 0; c < width; c++) out[p * width + c] = src[row * width + c];
  }
  return out;
}
