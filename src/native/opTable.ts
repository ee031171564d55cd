import type { AddonBinding } from './binding.js';

/**
 * What each addon function takes, argument by argument: the table the one native-call path (guardAddon.ts) checks
 * arguments against before libtorch sees them, and names tensors by in its errors. `satisfies` keeps it equal to
 * AddonBinding's methods; test/native/opTable.test.ts keeps both equal to the HPAIC_OP definitions in native/src.
 * - `int`: a safe integer (dims, sizes, dtype and enum codes); N-API would silently turn NaN or ∞ into 0;
 * - `ints`: an array of safe integers (shapes, kernel sizes, dims); `number`: any number (scalars, lr, eps);
 * - `tensor`, `tensors`, `operand` (tensor or number), `buffer`, `bool`, `device` / `string`; `?` = or null.
 */
export type ArgKind = 'int' | 'ints' | 'ints?' | 'number' | 'number?' | 'tensor' | 'tensor?' | 'tensors' | 'operand' | 'buffer' | 'bool' | 'device' | 'string';

export const OP_ARGS = {
  fromBuffer: ['buffer', 'ints', 'int'],
  toBuffer: ['tensor'],
  empty: ['ints', 'int', 'device'],
  zeros: ['ints', 'int', 'device'],
  ones: ['ints', 'int', 'device'],
  full: ['ints', 'int', 'device', 'number'],
  rand: ['ints', 'int', 'device'],
  randn: ['ints', 'int', 'device'],
  randperm: ['int', 'int', 'device'],
  arange: ['number', 'number', 'number', 'int', 'device'],
  manualSeed: ['int'],

  shape: ['tensor'],
  dtype: ['tensor'],
  device: ['tensor'],
  item: ['tensor'],
  isContiguous: ['tensor', 'int'],
  requiresGrad: ['tensor'],
  setRequiresGrad: ['tensor', 'bool'],
  grad: ['tensor'],
  clearGrad: ['tensor'],
  dispose: ['tensor'],
  liveTensors: [],

  backward: ['tensor', 'tensor?'],
  setGradEnabled: ['bool'],
  isGradEnabled: [],

  to: ['tensor', 'int', 'device', 'bool'],
  contiguous: ['tensor', 'int'],
  clone: ['tensor'],
  detach: ['tensor'],

  conv2d: ['tensor', 'tensor', 'tensor?', 'ints', 'ints', 'ints', 'int'],
  batchNorm: ['tensor', 'tensor?', 'tensor?', 'tensor?', 'tensor?', 'bool', 'number', 'number'],
  relu: ['tensor'],
  relu_: ['tensor'],
  maxPool2d: ['tensor', 'ints', 'ints', 'ints', 'ints', 'bool'],
  avgPool2d: ['tensor', 'ints', 'ints', 'ints', 'bool', 'bool'],
  adaptiveAvgPool2d: ['tensor', 'ints'],
  adaptiveMaxPool2d: ['tensor', 'ints'],
  linear: ['tensor', 'tensor', 'tensor?'],
  dropout: ['tensor', 'number', 'bool'],
  sigmoid: ['tensor'],
  logSigmoid: ['tensor'],
  softmax: ['tensor', 'int'],
  bceWithLogits: ['tensor', 'tensor', 'tensor?', 'tensor?', 'int'],
  upsampleBilinear2d: ['tensor', 'ints', 'bool'],
  upsampleNearest2d: ['tensor', 'ints'],
  gridSample: ['tensor', 'tensor', 'int', 'int', 'bool'],
  affineGrid: ['tensor', 'ints', 'bool'],

  reshape: ['tensor', 'ints'],
  permute: ['tensor', 'ints'],
  flip: ['tensor', 'ints'],
  transpose: ['tensor', 'int', 'int'],
  cat: ['tensors', 'int'],
  stack: ['tensors', 'int'],
  narrow: ['tensor', 'int', 'int', 'int'],
  select: ['tensor', 'int', 'int'],
  indexSelect: ['tensor', 'int', 'tensor'],
  unsqueeze: ['tensor', 'int'],
  squeeze: ['tensor', 'int'],
  flatten: ['tensor', 'int', 'int'],
  expand: ['tensor', 'ints'],

  add: ['tensor', 'operand', 'number'],
  sub: ['tensor', 'operand', 'number'],
  mul: ['tensor', 'operand'],
  div: ['tensor', 'operand'],
  pow: ['tensor', 'operand'],
  maximum: ['tensor', 'tensor'],
  minimum: ['tensor', 'tensor'],
  exp: ['tensor'],
  log: ['tensor'],
  neg: ['tensor'],
  abs: ['tensor'],
  sqrt: ['tensor'],
  floor: ['tensor'],
  round: ['tensor'],
  clamp: ['tensor', 'number?', 'number?'],
  where: ['tensor', 'tensor', 'tensor'],
  matmul: ['tensor', 'tensor'],

  gt: ['tensor', 'operand'],
  ge: ['tensor', 'operand'],
  lt: ['tensor', 'operand'],
  le: ['tensor', 'operand'],
  eq: ['tensor', 'operand'],
  ne: ['tensor', 'operand'],

  sum: ['tensor', 'ints?', 'bool'],
  mean: ['tensor', 'ints?', 'bool'],
  amax: ['tensor', 'ints?', 'bool'],
  amin: ['tensor', 'ints?', 'bool'],
  argmax: ['tensor', 'int', 'bool'],

  add_: ['tensor', 'operand', 'number'],
  mul_: ['tensor', 'operand'],
  copy_: ['tensor', 'tensor'],
  zero_: ['tensor'],
  fill_: ['tensor', 'number'],
  uniform_: ['tensor', 'number', 'number'],
  normal_: ['tensor', 'number', 'number'],
  clamp_: ['tensor', 'number?', 'number?'],

  adamStep: ['tensor', 'tensor', 'tensor', 'tensor', 'int', 'number', 'number', 'number', 'number', 'number'],
  sgdStep: ['tensor', 'tensor', 'tensor?', 'number', 'number', 'number', 'number', 'bool'],

  setNumThreads: ['int'],
  getNumThreads: [],
  cudaAvailable: [],
  cudaDeviceCount: [],
  version: [],
} as const satisfies { readonly [K in keyof AddonBinding]: readonly ArgKind[] };
