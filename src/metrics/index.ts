/** F1 metrics and scoring (`hpaic/metrics`). */
export * from './f1.js';
export * from './scoreFiles.js';
