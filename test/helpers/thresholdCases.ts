/** Deterministic validation logits/targets for threshold tests. */
const C = 28;

/** Small deterministic RNG (mulberry32) so the cases are reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Random validation logits and targets with the structures that make ties: a class with no positives, classes
 * whose logits sit on a coarse grid (many candidates with identical counts), rare classes, and saturated logits.
 */
export function makeCase(n: number, seed: number): { logits: Float32Array; targets: Uint8Array } {
  const r = rng(seed);
  const logits = new Float32Array(n * C);
  const targets = new Uint8Array(n * C);
  for (let c = 0; c < C; c++) {
    const rate = c === 0 ? 0 : c < 4 ? 3 / n : 0.02 + 0.4 * r();
    for (let i = 0; i < n; i++) {
      const y = r() < rate ? 1 : 0;
      targets[i * C + c] = y;
      let x = (y ? 0.8 : -0.8) + 1.6 * (r() - 0.5) * (1 + (c % 5));
      if (c % 3 === 0) x = Math.round(x * 2) / 2; // coarse grid: many tied candidates
      if (c === 5 && i % 7 === 0) x = y ? 40 : -120; // saturated (sigmoid 1 or float32 0)
      logits[i * C + c] = x;
    }
  }
  return { logits, targets };
}

