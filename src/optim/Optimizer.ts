/**
 * The optimizer base: one parameter group (as the seed uses), a readable and settable learning rate for
 * schedulers, gradient clearing, and a state dict in torch.optim's shape
 * (`{ state: { <index>: {...} }, param_groups: [{ lr, ..., params: [0..n-1] }] }`).
 */
import type { Tensor } from '../tensor/Tensor.js';

export interface OptimizerState {
  state: Record<number, Record<string, Tensor | number>>;
  param_groups: Record<string, unknown>[];
}

export abstract class Optimizer {
  constructor(
    readonly params: Tensor[],
    protected lr: number,
  ) {
    if (!(lr >= 0)) throw new RangeError(`learning rate must be >= 0 but received ${lr}`);
  }

  getLr(): number {
    return this.lr;
  }
  setLr(lr: number): void {
    this.lr = lr;
  }

  /** Drops every parameter's gradient (torch's `zero_grad(set_to_none=True)`: cheaper, same result). */
  zeroGrad(): void {
    for (const p of this.params) p.clearGrad();
  }

  /** Applies one update from the parameters' current gradients (parameters without a gradient are skipped). */
  abstract step(): void;

  /** The optimizer state (tensors are the live state tensors, not copies). */
  abstract stateDict(): OptimizerState;
  /** Restores state produced by `stateDict()` (tensors are copied in). */
  abstract loadStateDict(s: OptimizerState): void;

  /** Frees the state tensors. */
  abstract dispose(): void;
}
