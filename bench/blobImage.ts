/** Benchmark images: smooth blobs (cell-like) with mild noise in each of the four channels, so LZF compresses them like microscopy. */
export function blobImage(rng: () => number, size: number): Uint8Array {
  const S = size;
  const px = new Uint8Array(S * S * 4);
  for (let c = 0; c < 4; c++) {
    for (let k = 0; k < 12; k++) {
      const cx = rng() * S, cy = rng() * S, r = S / 25 + (rng() * S) / 10, v = 60 + rng() * 190;
      for (let y = Math.max(0, Math.floor(cy - r)); y < Math.min(S, cy + r); y++) {
        for (let x = Math.max(0, Math.floor(cx - r)); x < Math.min(S, cx + r); x++) {
          const d = Math.hypot(x - cx, y - cy) / r;
          const i = (y * S + x) * 4 + c;
          if (d < 1) px[i] = Math.max(px[i], Math.round(v * (1 - d * d)));
        }
      }
    }
  }
  for (let i = 0; i < px.length; i++) if (px[i] > 0 || rng() < 0.1) px[i] = Math.min(255, px[i] + Math.floor(rng() * 6));
  return px;
}

/** An HPA-like multi-hot target as the CSV writes it: classes 0 and 25 common, a few others rarer, never empty. */
export function hpaLikeTarget(rng: () => number): string {
  const l = new Set<number>();
  if (rng() < 0.45) l.add(0);
  if (rng() < 0.25) l.add(25);
  for (const c of [2, 5, 7, 21, 23]) if (rng() < 0.1) l.add(c);
  if (l.size === 0) l.add(Math.floor(rng() * 28));
  return [...l].sort((a, b) => a - b).join(' ');
}
