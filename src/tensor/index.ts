export { Tensor, type Device, type Operand } from './Tensor.js';
export type { DType } from './dtype.js';
export * from './creation.js';
export * from './scope.js';
export * from './runtime.js';
export * as F from './functional.js';
export * from './autocast.js';
