/** The run folder and what train and predict share (`hpaic/run`). */
export { RunFolder, foldPaths, foldDirName, discoverFolds, saveResolvedConfig, FOLD_FILES, RUN_FILES, RESOLVED_CONFIG_FILE, type FoldPaths } from './runFolder.js';
export { buildModel, createOptimizer } from './buildModel.js';
export { resolveDevice } from './resolveDevice.js';
export { resolvePrecision, forwardFp32, createGradScaler, describePrecision, FP32, type Precision, type PrecisionName } from './precision.js';
export { joinWorld, type World } from './world.js';
export { memoryPhase, type MemoryPhase } from './memoryTrace.js';
export { loadRunConfig } from './loadRunConfig.js';
