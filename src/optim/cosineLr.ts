/**
 * Cosine annealing per epoch (`lr_schedule: "cosine"`, not in the seed): epoch 1 trains at the config's lr and
 * the lr falls along half a cosine towards `min_lr`, reached one epoch after the last. A pure function of the
 * epoch, so a resumed run trains every epoch at the same lr as an uninterrupted one. It helps runs that get near
 * convergence within their epochs; on the demo, still far from it, it lost to a constant lr (docs/demo.md).
 */
export function cosineLr(epoch: number, epochs: number, baseLr: number, minLr: number): number {
  const progress = (epoch - 1) / epochs;
  return minLr + ((baseLr - minLr) * (1 + Math.cos(Math.PI * progress))) / 2;
}
