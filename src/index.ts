/**
 * hpaic's public library API. See README.md ("Library") and docs/interfaces.md for the contracts.
 */
export * from './errors.js';
