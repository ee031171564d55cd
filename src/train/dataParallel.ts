/**
 * PyTorch DistributedDataParallel's semantics for one model on one process group: the parameters and buffers of
 * rank 0 are broadcast before the first step, the buffers again before every training forward
 * (`broadcast_buffers=True`), and after each backward the gradients are averaged over the ranks by bucketed
 * allreduce: gradients are packed, in reverse parameter order as the Reducer packs them, into flat buckets of at most
 * `bucketBytes` (DDP's 25 MiB), one allreduce per bucket, then copied back. Buckets are reduced after the whole
 * backward, not overlapped with it (the engine has no per-parameter autograd hooks).
 */
import type { Module } from '../nn/Module.js';
import type { ProcessGroup } from '../dist/ProcessGroup.js';
import type { Tensor } from '../tensor/Tensor.js';
import { cat, zeros } from '../tensor/creation.js';
import { noGrad, tidy } from '../tensor/scope.js';

export const DDP_BUCKET_BYTES = 25 * 1024 * 1024;

export interface AllreduceStats {
  /** Gradient allreduce calls (buckets), the bytes they carried and the seconds they took, since the last reset. */
  calls: number;
  bytes: number;
  seconds: number;
}

export class DataParallel {
  readonly stats: AllreduceStats = { calls: 0, bytes: 0, seconds: 0 };
  readonly #params: Tensor[];
  readonly #buffers: Tensor[];

  constructor(
    readonly pg: ProcessGroup,
    model: Module,
    readonly bucketBytes = DDP_BUCKET_BYTES,
  ) {
    this.#params = model.parameters();
    const isParam = new Set(this.#params);
    this.#buffers = [...model.stateDict().values()].filter((t) => !isParam.has(t));
  }

  /** Every rank takes rank 0's parameters and buffers (DDP's constructor). */
  broadcastState(): void {
    this.#bucketed(this.#params, (flat) => this.pg.broadcast(flat, 0, 'the broadcast of the model from rank 0'));
    this.broadcastBuffers();
  }

  /** Every rank takes rank 0's buffers (BatchNorm running statistics): DDP does this before each training forward. */
  broadcastBuffers(): void {
    // Coalesced by dtype as DDP does (running statistics in one float bucket, the int64 batch counters in another).
    const byDtype = [...this.#buffers].sort((a, b) => (a.dtype === b.dtype ? 0 : a.dtype < b.dtype ? -1 : 1));
    if (byDtype.length) this.#bucketed(byDtype, (flat) => this.pg.broadcast(flat, 0, 'the broadcast of the buffers from rank 0'));
  }

  /** Replaces each gradient by its mean over the ranks. A parameter without a gradient contributes zeros and stays without one. */
  averageGradients(): void {
    const params = [...this.#params].reverse();
    const grads = params.map((p) => p.grad);
    const t0 = performance.now();
    const stand = grads.map((g, i) => (g ? null : zeros(params[i].shape, { dtype: params[i].dtype, device: params[i].device })));
    try {
      this.#bucketed(
        grads.map((g, i) => g ?? (stand[i] as Tensor)),
        (flat) => {
          this.pg.allreduce(flat, 'avg', 'the allreduce of the gradients');
          this.stats.calls++;
          this.stats.bytes += flat.numel * elementBytes(flat);
        },
        (_, i) => grads[i] !== null,
      );
    } finally {
      for (const g of grads) g?.dispose();
      for (const z of stand) z?.dispose();
    }
    this.stats.seconds += (performance.now() - t0) / 1000;
  }

  resetStats(): void {
    this.stats.calls = this.stats.bytes = this.stats.seconds = 0;
  }

  /** Packs consecutive tensors of one dtype and device into flat buckets, runs `op` on each, and copies the result back. */
  #bucketed(tensors: Tensor[], op: (flat: Tensor) => void, copyBack: (t: Tensor, i: number) => boolean = () => true): void {
    let start = 0;
    while (start < tensors.length) {
      const first = tensors[start];
      let end = start;
      let bytes = 0;
      while (end < tensors.length && tensors[end].dtype === first.dtype && tensors[end].device === first.device) {
        const b = tensors[end].numel * elementBytes(tensors[end]);
        if (end > start && bytes + b > this.bucketBytes) break;
        bytes += b;
        end++;
      }
      const members = tensors.slice(start, end);
      const base = start;
      noGrad(() =>
        tidy(() => {
          const flat = members.length === 1 ? members[0].reshape([-1]).clone() : cat(members.map((t) => t.reshape([-1])));
          op(flat);
          let off = 0;
          members.forEach((t, i) => {
            if (copyBack(t, base + i)) t.copy_(flat.narrow(0, off, t.numel).reshape([...t.shape]));
            off += t.numel;
          });
        }),
      );
      start = end;
    }
  }
}

function elementBytes(t: Tensor): number {
  switch (t.dtype) {
    case 'float64':
    case 'int64':
      return 8;
    case 'float16':
    case 'bfloat16':
    case 'int16':
      return 2;
    case 'uint8':
    case 'int8':
    case 'bool':
      return 1;
    default:
      return 4;
  }
}
