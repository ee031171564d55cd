/**
 * Adam (Kingma & Ba, 2014) exactly as torch.optim.Adam 1.13's single-tensor path: L2 weight decay added to
 * the gradient (not decoupled), bias corrections from the step count; the update runs in one native call
 * per parameter (native/src/ops.cc adamStep).
 */
import { Optimizer, type OptimizerState } from './Optimizer.js';
import type { Tensor } from '../tensor/Tensor.js';
import { addon } from '../tensor/Tensor.js';
import { keep, noGrad } from '../tensor/scope.js';
import { zerosLike } from './zerosLike.js';

export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
}

interface AdamParamState {
  step: number;
  expAvg: Tensor;
  expAvgSq: Tensor;
}

export class Adam extends Optimizer {
  readonly betas: [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  private readonly state = new Map<number, AdamParamState>();

  constructor(params: Tensor[], opts: AdamOptions = {}) {
    super(params, opts.lr ?? 1e-3);
    this.betas = opts.betas ?? [0.9, 0.999];
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
  }

  step(): void {
    const A = addon();
    this.params.forEach((p, i) => {
      const g = p.grad;
      if (!g) return;
      let s = this.state.get(i);
      if (!s) {
        s = { step: 0, expAvg: keep(zerosLike(p)), expAvgSq: keep(zerosLike(p)) };
        this.state.set(i, s);
      }
      s.step += 1;
      A.adamStep(p.handle, g.handle, s.expAvg.handle, s.expAvgSq.handle, s.step, this.lr, this.betas[0], this.betas[1], this.eps, this.weightDecay);
      g.dispose();
    });
  }

  stateDict(): OptimizerState {
    const state: OptimizerState['state'] = {};
    for (const [i, s] of this.state) state[i] = { step: s.step, exp_avg: s.expAvg, exp_avg_sq: s.expAvgSq };
    return {
      state,
      param_groups: [
        { lr: this.lr, betas: this.betas, eps: this.eps, weight_decay: this.weightDecay, amsgrad: false, maximize: false, params: this.params.map((_, i) => i) },
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
        const copy = (t: Tensor): Tensor => keep(zerosLike(p).copy_(t));
        this.state.set(Number(k), { step: Number(v.step), expAvg: copy(v.exp_avg as Tensor), expAvgSq: copy(v.exp_avg_sq as Tensor) });
      }
    });
  }

  dispose(): void {
    for (const s of this.state.values()) {
      s.expAvg.dispose();
      s.expAvgSq.dispose();
    }
    this.state.clear();
  }
}
