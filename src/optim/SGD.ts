/**
 * SGD with momentum, dampening, Nesterov and L2 weight decay, exactly as torch.optim.SGD 1.13's
 * single-tensor path (the momentum buffer starts as a copy of the first gradient). The seed uses momentum 0.9.
 */
import { Optimizer, type OptimizerState } from './Optimizer.js';
import { Tensor, addon } from '../tensor/Tensor.js';
import { keep, noGrad } from '../tensor/scope.js';
import { zerosLike } from './zerosLike.js';

export interface SGDOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

export class SGD extends Optimizer {
  readonly momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
  private readonly buffers = new Map<number, Tensor>();

  constructor(params: Tensor[], opts: SGDOptions) {
    super(params, opts.lr);
    this.momentum = opts.momentum ?? 0;
    this.dampening = opts.dampening ?? 0;
    this.weightDecay = opts.weightDecay ?? 0;
    this.nesterov = opts.nesterov ?? false;
  }

  step(): void {
    const A = addon();
    this.params.forEach((p, i) => {
      const g = p.grad;
      if (!g) return;
      const buf = this.buffers.get(i);
      const out = A.sgdStep(p.handle, g.handle, buf ? buf.handle : null, this.lr, this.momentum, this.dampening, this.weightDecay, this.nesterov);
      if (out && !buf) this.buffers.set(i, keep(new Tensor(out)));
      g.dispose();
    });
  }

  stateDict(): OptimizerState {
    const state: OptimizerState['state'] = {};
    for (const [i, b] of this.buffers) state[i] = { momentum_buffer: b };
    return {
      state,
      param_groups: [
        { lr: this.lr, momentum: this.momentum, dampening: this.dampening, weight_decay: this.weightDecay, nesterov: this.nesterov, maximize: false, params: this.params.map((_, i) => i) },
      ],
    };
  }

  loadStateDict(sd: OptimizerState): void {
    this.dispose();
    const group = sd.param_groups[0] ?? {};
    if (typeof group.lr === 'number') this.lr = group.lr;
    noGrad(() => {
      for (const [k, v] of Object.entries(sd.state)) {
        const p = this.params[Number(k)];
        this.buffers.set(Number(k), keep(zerosLike(p).copy_(v.momentum_buffer as Tensor)));
      }
    });
  }

  dispose(): void {
    for (const b of this.buffers.values()) b.dispose();
    this.buffers.clear();
  }
}
