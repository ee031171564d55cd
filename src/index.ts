/**
 * hpaic's public library API. See README.md ("Library") and docs/interfaces.md for the contracts.
 */
export * from './errors.js';
export { type StoredDType, type StoredTensor, type StateDict, DTYPE_SIZE, numelOf, isStoredTensor } from './io/StoredTensor.js';
export { OrderedDict, type PickleValue, type PickleInput } from './io/pickle.js';
export { readTorchFile, readStateDict, writeTorchFile, type ReadStateDictOptions, type WriteTorchFileOptions, STATE_DICT_WRAPPER_KEYS } from './io/torchZip.js';
export { readSafetensors, writeSafetensors, type SafetensorsContent } from './io/safetensors.js';
export * from './data/labels.js';
export * from './data/csv.js';
export * from './metrics/f1.js';
export * from './metrics/scoreFiles.js';
export * from './predict/binarize.js';
export * from './predict/searchThresholds.js';
export * from './predict/thresholdFile.js';
export * from './predict/probabilityFile.js';
export * from './predict/submissionFiles.js';
export * from './predict/ensembleCsv.js';
export * from './predict/applyLeak.js';
export { pythonJsonDumps, type PythonJsonOptions } from './io/pythonJsonDumps.js';
export * from './data/legacyRandomState.js';
export * from './data/iterativeStratification.js';
export * from './data/folds.js';
export * from './data/foldAssignment.js';
export * from './data/concatLabelTables.js';
export * from './data/classWeights.js';
export * from './data/sampler.js';
export * from './data/samplerAnalysis.js';
export * from './plot/barChartSvg.js';
