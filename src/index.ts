/**
 * hpaic's public library API. See README.md ("Library") and docs/interfaces.md for the contracts.
 */
export * from './errors.js';
export * from './data/labels.js';
export * from './data/csv.js';
export * from './metrics/f1.js';
