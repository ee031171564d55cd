export { Optimizer, type OptimizerState } from './Optimizer.js';
export { Adam, type AdamOptions } from './Adam.js';
export { SGD, type SGDOptions } from './SGD.js';
