export { Optimizer, type OptimizerState } from './Optimizer.js';
export { Adam, type AdamOptions } from './Adam.js';
export { SGD, type SGDOptions } from './SGD.js';
export { epochLr, stepFactor, warmupFactor, type EpochLrOptions } from './epochLr.js';
export { GradScaler, type GradScalerOptions, type GradScalerState } from './GradScaler.js';
export { EarlyStopping, improvesOn, type EarlyStoppingOptions, type EarlyStoppingState, type MetricMode } from './EarlyStopping.js';
export { ReduceLROnPlateau, reduceLrMessage, type LrTarget, type ReduceLROnPlateauOptions, type ReduceLROnPlateauState } from './ReduceLROnPlateau.js';
