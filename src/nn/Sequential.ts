import { Module } from './Module.js';
import type { Tensor } from '../tensor/Tensor.js';

/**
 * Runs its children in order; children are named "0", "1", … as in PyTorch (or by the names given).
 * Intermediate outputs are disposed as soon as the next layer has consumed them (autograd keeps what
 * backward needs), which keeps peak memory close to PyTorch's.
 */
export class Sequential extends Module {
  readonly layers: Module[];
  constructor(...layers: Module[] | [Record<string, Module>]) {
    super();
    const named: [string, Module][] =
      layers.length === 1 && !(layers[0] instanceof Module) ? Object.entries(layers[0] as Record<string, Module>) : (layers as Module[]).map((m, i) => [String(i), m]);
    for (const [n, m] of named) this.registerModule(n, m);
    this.layers = named.map(([, m]) => m);
  }
  forward(x: Tensor): Tensor {
    let out = x;
    for (const layer of this.layers) {
      const next = layer.forward(out);
      if (out !== x && next !== out) out.dispose();
      out = next;
    }
    return out;
  }
}
