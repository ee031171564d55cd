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
export { predictImages, pickThreshold, type PredictImagesOptions, type ImagePredictions } from './predictImages.js';
export { groupSampleFiles, loadSampleRgby, IMAGE_EXTENSIONS, type SampleFiles, type SampleProblem, type Depth16Mode } from './sampleImages.js';
export { parseImageName, sampleToStore, storeToInput, channelToStore, type Pixels, type InputSpec } from './webInput.js';
export { formatPredictionCsv, formatPredictionJson, PREDICTION_HEADER } from './predictionFile.js';
export { exportRunOnnx, exportWeightsOnnx, type ExportOnnxResult, type ExportRunOptions, type ExportWeightsOptions } from './exportOnnx.js';
export { exportWeb, type ExportWebOptions, type ExportWebResult } from './exportWeb.js';
