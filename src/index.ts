/**
 * hpaic's public library API. See README.md ("Library", "A k-fold run from a script") and docs/interfaces.md for
 * the contracts. The same names, grouped by layer (docs/architecture.md), are importable from subpaths:
 * `hpaic/tensor`, `hpaic/nn`, `hpaic/optim`, `hpaic/models`, `hpaic/io`, `hpaic/config`, `hpaic/data`,
 * `hpaic/onnx`, `hpaic/metrics`, `hpaic/run`, `hpaic/train`, `hpaic/predict`, `hpaic/plot`, `hpaic/synth`, `hpaic/viewer`.
 */
export * from './errors.js';

// Workflows: each `hpaic` command as one function taking a resolved config (loadConfig) or options.
export { convertKaggle, type ConvertOptions, type ConvertResult } from './data/ingest/convertKaggle.js';
export { downloadHpav18, type DownloadHpav18Options, type DownloadHpav18Result } from './data/ingest/downloadHpav18.js';
export { train, type TrainOptions, type TrainResult, type FoldScores } from './train/train.js';
export { lrFind, type LrFindOptions } from './train/lrFind.js';
export { findThresholds } from './predict/findThresholds.js';
export { submit, type SubmitOptions } from './predict/submit.js';
export { predictImages as predict, type PredictImagesOptions } from './predict/predictImages.js';
export { exportRunOnnx, exportWeightsOnnx } from './predict/exportOnnx.js';
export { exportWeb } from './predict/exportWeb.js';
export { ensembleCsv as ensemble } from './predict/ensembleCsv.js';
export { scoreFiles as score } from './metrics/scoreFiles.js';
export { startViewer, type Viewer, type ViewerOptions } from './viewer/index.js';

// The library, layer by layer.
export { Tensor, type Device, type Operand, type DType, tensor, fromBytes, zeros, ones, empty, full, rand, randn, arange, randperm, cat, stack, where, tidy, keep, noGrad, autocast, isAutocastEnabled, autocastDtype, type AutocastOptions, liveTensors, setNumThreads, getNumThreads, manualSeed, cudaAvailable, cudaDeviceCount, engineInfo, F } from './tensor/index.js';
export * as nn from './nn/index.js';
export { Module } from './nn/Module.js';
export * from './optim/index.js';
export * from './dist/index.js';
export * from './models/index.js';
export * from './onnx/index.js';
export * from './io/index.js';
export * from './config/index.js';
export * from './data/index.js';
export * from './metrics/index.js';
export * from './run/index.js';
export * from './train/index.js';
export * from './predict/index.js';
export * from './plot/index.js';
export * from './synth/index.js';
