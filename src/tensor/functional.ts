/**
 * Neural-network ops on tensors (the `torch.nn.functional` of hpaic). Arguments follow PyTorch's names and
 * defaults; shapes are NCHW (any memory format).
 */
import { Tensor, addon } from './Tensor.js';

type Pair = number | [number, number];
const pair = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : v);

export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null, opts: { stride?: Pair; padding?: Pair; dilation?: Pair; groups?: number } = {}): Tensor {
  const { stride = 1, padding = 0, dilation = 1, groups = 1 } = opts;
  return new Tensor(
    addon().conv2d(x.handle, weight.handle, bias ? bias.handle : null, pair(stride), pair(padding), pair(dilation), groups),
  );
}

/** Batch normalisation; in training mode with running stats it updates them in place, as PyTorch does. */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null,
  bias: Tensor | null,
  training: boolean,
  momentum = 0.1,
  eps = 1e-5,
): Tensor {
  return new Tensor(
    addon().batchNorm(x.handle, weight?.handle ?? null, bias?.handle ?? null, runningMean?.handle ?? null, runningVar?.handle ?? null, training, momentum, eps),
  );
}

export function relu(x: Tensor, inplace = false): Tensor {
  if (inplace) {
    addon().relu_(x.handle);
    return x;
  }
  return x.relu();
}

export function maxPool2d(x: Tensor, kernel: Pair, opts: { stride?: Pair; padding?: Pair; dilation?: Pair; ceilMode?: boolean } = {}): Tensor {
  const stride = opts.stride ?? kernel;
  return new Tensor(
    addon().maxPool2d(x.handle, pair(kernel), pair(stride), pair(opts.padding ?? 0), pair(opts.dilation ?? 1), opts.ceilMode ?? false),
  );
}

export function avgPool2d(x: Tensor, kernel: Pair, opts: { stride?: Pair; padding?: Pair; ceilMode?: boolean; countIncludePad?: boolean } = {}): Tensor {
  const stride = opts.stride ?? kernel;
  return new Tensor(
    addon().avgPool2d(x.handle, pair(kernel), pair(stride), pair(opts.padding ?? 0), opts.ceilMode ?? false, opts.countIncludePad ?? true),
  );
}

export function adaptiveAvgPool2d(x: Tensor, size: Pair): Tensor {
  return new Tensor(addon().adaptiveAvgPool2d(x.handle, pair(size)));
}
export function adaptiveMaxPool2d(x: Tensor, size: Pair): Tensor {
  return new Tensor(addon().adaptiveMaxPool2d(x.handle, pair(size)));
}
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null): Tensor {
  return new Tensor(addon().linear(x.handle, weight.handle, bias ? bias.handle : null));
}
export function dropout(x: Tensor, p: number, training: boolean): Tensor {
  return new Tensor(addon().dropout(x.handle, p, training));
}
export function softmax(x: Tensor, dim: number): Tensor {
  return new Tensor(addon().softmax(x.handle, dim));
}
export function logSigmoid(x: Tensor): Tensor {
  return new Tensor(addon().logSigmoid(x.handle));
}

const REDUCTION = { none: 0, mean: 1, sum: 2 } as const;
/** `F.binary_cross_entropy_with_logits` with optional per-element `weight` and per-class `posWeight`. */
export function binaryCrossEntropyWithLogits(
  logits: Tensor,
  target: Tensor,
  opts: { weight?: Tensor | null; posWeight?: Tensor | null; reduction?: keyof typeof REDUCTION } = {},
): Tensor {
  return new Tensor(
    addon().bceWithLogits(logits.handle, target.handle, opts.weight?.handle ?? null, opts.posWeight?.handle ?? null, REDUCTION[opts.reduction ?? 'mean']),
  );
}

/** `F.interpolate` for 4-D input: 'bilinear' (align_corners as given) or 'nearest'. */
export function interpolate(x: Tensor, size: [number, number], mode: 'bilinear' | 'nearest' = 'bilinear', alignCorners = false): Tensor {
  return new Tensor(
    (mode === 'bilinear' ? addon().upsampleBilinear2d(x.handle, size, alignCorners) : addon().upsampleNearest2d(x.handle, size)),
  );
}

const GRID_MODE = { bilinear: 0, nearest: 1, bicubic: 2 } as const;
const GRID_PADDING = { zeros: 0, border: 1, reflection: 2 } as const;
export function gridSample(
  x: Tensor,
  grid: Tensor,
  opts: { mode?: keyof typeof GRID_MODE; paddingMode?: keyof typeof GRID_PADDING; alignCorners?: boolean } = {},
): Tensor {
  return new Tensor(
    addon().gridSample(x.handle, grid.handle, GRID_MODE[opts.mode ?? 'bilinear'], GRID_PADDING[opts.paddingMode ?? 'zeros'], opts.alignCorners ?? false),
  );
}
export function affineGrid(theta: Tensor, size: number[], alignCorners = false): Tensor {
  return new Tensor(addon().affineGrid(theta.handle, size, alignCorners));
}
