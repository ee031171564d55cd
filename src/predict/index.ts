/** Thresholds, prediction with TTA, submissions, ensembling (`hpaic/predict`). */
export * from './binarize.js';
export * from './searchThresholds.js';
export * from './thresholdFile.js';
export * from '../run/probabilityFile.js';
export * from './submissionFiles.js';
export * from './ensembleCsv.js';
export * from './applyLeak.js';
export * from './labelRatioThresholds.js';
export { findThresholds } from './findThresholds.js';
export { submit, type SubmitOptions } from './submit.js';
export { predictLogits, type PredictOptions } from './predict.js';
