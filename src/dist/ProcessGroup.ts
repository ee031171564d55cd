import { loadAddon } from '../native/loadAddon.js';
import type { AddonBinding, GroupHandle, HeartbeatHandle, StoreHandle } from '../native/binding.js';
import { DistributedError } from '../errors.js';
import { Tensor } from '../tensor/index.js';
import type { Rendezvous } from './rendezvous.js';

export type ReduceOp = 'sum' | 'avg' | 'max' | 'min';
const REDUCE_CODE: Record<ReduceOp, number> = { sum: 0, avg: 1, max: 2, min: 3 };

/** torch.distributed's default process-group timeout (30 minutes). */
export const DEFAULT_TIMEOUT_S = 1800;
/** The heartbeat keys hpaic adds to the store (under the launcher's prefix), to name a rank that stopped. */
export const HEARTBEAT_PREFIX = 'hpaic_alive';
const HEARTBEAT_MS = 500;

export interface InitOptions {
  /** 'gloo' (CPU tensors) or 'nccl' (CUDA builds whose libtorch has it). */
  readonly backend?: string;
  readonly timeoutS?: number;
  /** Start the liveness heartbeat (off for groups that only test the wire protocol). */
  readonly heartbeat?: boolean;
}

/**
 * One c10d process group over the addon, set up exactly as torch.distributed 1.13's
 * `init_process_group(backend, init_method="env://")` does, so that hpaic and PyTorch ranks can share it:
 * 1. the store: rank 0 hosts a multi-tenant TCPStore at MASTER_ADDR:MASTER_PORT, the others connect (all wait for
 *    WORLD_SIZE workers, the `init/` key); under torchrun's agent store every rank is a client, prefixed
 *    `/worker/attempt_<TORCHELASTIC_RESTART_COUNT>`;
 * 2. `PrefixStore("default_pg")` over it; the group's own `PrefixStore("0")` (the first group's name);
 * 3. ProcessGroupGloo (devices from GLOO_SOCKET_IFNAME, else this host name's address), or ProcessGroupNCCL;
 * 4. the store-based barrier on `store_based_barrier_key:1` (add 1, poll until WORLD_SIZE), then the group's
 *    sequence number (rank 0 sets it in the store, the others read it).
 * Collectives block until done or until the timeout; a failure becomes a DistributedError naming the rank that stopped.
 */
export class ProcessGroup {
  readonly rank: number;
  readonly size: number;
  readonly backend: string;
  readonly timeoutMs: number;
  readonly #a: AddonBinding;
  #group: GroupHandle | null;
  readonly #store: StoreHandle;
  #heartbeat: HeartbeatHandle | null = null;

  private constructor(a: AddonBinding, group: GroupHandle, store: StoreHandle, rank: number, size: number, backend: string, timeoutMs: number) {
    this.#a = a;
    this.#group = group;
    this.#store = store;
    this.rank = rank;
    this.size = size;
    this.backend = backend;
    this.timeoutMs = timeoutMs;
  }

  static init(rv: Rendezvous, options: InitOptions = {}): ProcessGroup {
    const a = loadAddon();
    const backend = options.backend ?? 'gloo';
    if (!a.distBackends().includes(backend)) {
      throw new DistributedError(`the c10d backend "${backend}" is not in this build of the addon (it has: ${a.distBackends().join(', ') || 'none'})`, {
        hint: backend === 'gloo' ? 'install libgloo-dev and rebuild: npm run build:native' : 'NCCL needs a CUDA libtorch that has it: LIBTORCH_USE_PYTORCH=1 npm run build:native',
      });
    }
    const timeoutMs = Math.round((options.timeoutS ?? DEFAULT_TIMEOUT_S) * 1000);
    const where = `${rv.masterAddr}:${rv.masterPort}`;
    let base: StoreHandle;
    try {
      if (rv.useAgentStore) {
        base = a.distPrefixStore(`/worker/attempt_${rv.restartCount}`, a.distTcpStore(rv.masterAddr, rv.masterPort, rv.worldSize, false, timeoutMs, true, false));
      } else {
        base = a.distTcpStore(rv.masterAddr, rv.masterPort, rv.worldSize, rv.rank === 0, timeoutMs, true, true);
      }
      a.distStoreSetTimeout(base, timeoutMs);
    } catch (err) {
      throw new DistributedError(`rank ${rv.rank}: cannot ${rv.rank === 0 && !rv.useAgentStore ? 'host' : 'reach'} the rendezvous store at ${where}: ${firstLine(err)}`, { cause: err });
    }
    const store = a.distPrefixStore('default_pg', base);
    let group: GroupHandle;
    try {
      group = a.distNewGroup(backend, a.distPrefixStore('0', store), rv.rank, rv.worldSize, timeoutMs);
      storeBarrier(a, store, 'store_based_barrier_key:1', rv.worldSize, timeoutMs, rv.rank);
      a.distSetSequenceNumber(group);
    } catch (err) {
      if (err instanceof DistributedError) throw err;
      throw new DistributedError(`rank ${rv.rank}: setting up the ${backend} process group of ${rv.worldSize} ranks at ${where} failed: ${firstLine(err)}`, { cause: err });
    }
    const pg = new ProcessGroup(a, group, base, rv.rank, rv.worldSize, backend, timeoutMs);
    if (options.heartbeat !== false && rv.worldSize > 1) {
      const prefix = rv.useAgentStore ? `/worker/attempt_${rv.restartCount}/${HEARTBEAT_PREFIX}` : HEARTBEAT_PREFIX;
      pg.#heartbeat = a.distHeartbeat(rv.masterAddr, rv.masterPort, prefix, rv.rank, HEARTBEAT_MS);
    }
    return pg;
  }

  get #g(): GroupHandle {
    if (this.#group === null) throw new DistributedError('the process group was destroyed');
    return this.#group;
  }

  /** In place on every rank: the element-wise reduction of `tensor` over the ranks (same shape and dtype everywhere). */
  allreduce(tensor: Tensor, op: ReduceOp = 'sum', what = 'allreduce'): void {
    this.#collective(what, () => this.#a.distAllreduce(this.#g, [tensor.handle], REDUCE_CODE[op], this.timeoutMs));
  }

  /** In place: every rank's `tensor` becomes rank `root`'s. */
  broadcast(tensor: Tensor, root = 0, what = 'broadcast'): void {
    this.#collective(what, () => this.#a.distBroadcast(this.#g, [tensor.handle], root, this.timeoutMs));
  }

  /** One tensor per rank, in rank order (each shaped like `input`, which must be the same shape on every rank). */
  allgather(input: Tensor, what = 'allgather'): Tensor[] {
    const outputs = Array.from({ length: this.size }, () => new Tensor(this.#a.empty(input.shape, this.#a.dtype(input.handle), this.#a.device(input.handle))));
    try {
      this.#collective(what, () => this.#a.distAllgather(this.#g, outputs.map((t) => t.handle), input.handle, this.timeoutMs));
    } catch (err) {
      for (const t of outputs) t.dispose();
      throw err;
    }
    return outputs;
  }

  /**
   * torch.nn.SyncBatchNorm's training-mode forward: normalises `x` (N, C, …) with the mean and biased variance of the
   * whole global batch, updates the running statistics with the unbiased one; its backward reduces over the group too.
   */
  syncBatchNorm(x: Tensor, weight: Tensor | null, bias: Tensor | null, runningMean: Tensor | null, runningVar: Tensor | null, momentum: number, eps: number): Tensor {
    let out: Tensor | undefined;
    this.#collective('the statistics of a SyncBatchNorm', () => {
      out = new Tensor(this.#a.distSyncBatchNorm(this.#g, x.handle, weight?.handle ?? null, bias?.handle ?? null, runningMean?.handle ?? null, runningVar?.handle ?? null, momentum, eps, this.timeoutMs));
    });
    return out!;
  }

  barrier(what = 'barrier'): void {
    this.#collective(what, () => this.#a.distBarrier(this.#g, this.timeoutMs));
  }

  /**
   * Waits, without a deadline, until every rank has reached `key` (fold-parallel training: a rank's folds may take
   * hours, far beyond any collective timeout); fails as soon as a rank stops (a failure report or a silent heartbeat).
   */
  waitForAll(key: string, what: string): void {
    const a = this.#a;
    a.distStoreSet(this.#store, `${key}/${this.rank}`, '1');
    const others = Array.from({ length: this.size }, (_, r) => r).filter((r) => r !== this.rank);
    let last = new Map<number, string | null>();
    let lastAt = 0;
    for (;;) {
      let pending: number[];
      try {
        pending = others.filter((r) => !a.distStoreCheck(this.#store, [`${key}/${r}`]));
      } catch (err) {
        throw new DistributedError(`rank ${this.rank}: waiting for the other ranks after ${what} failed: the rendezvous store is unreachable: rank 0 (or the launcher that hosts the store) stopped: ${firstLine(err)}`, { cause: err });
      }
      if (pending.length === 0) return;
      const reported = pending.filter((r) => a.distStoreCheck(this.#store, [`hpaic_failed/${r}`]));
      if (reported.length) {
        throw new DistributedError(`rank ${this.rank}: waiting for the other ranks after ${what} failed: ${reported.map((r) => `rank ${r} failed (${a.distStoreGet(this.#store, `hpaic_failed/${r}`)})`).join('; ')}`);
      }
      if (Date.now() - lastAt >= HEARTBEAT_MS * 4) {
        const now = new Map(pending.map((r) => [r, this.#beat(r)] as const));
        const stopped = lastAt ? pending.filter((r) => now.get(r) === last.get(r)) : [];
        if (stopped.length) throw new DistributedError(`rank ${this.rank}: waiting for the other ranks after ${what} failed: ${stopped.map((r) => `rank ${r}`).join(', ')} stopped (no heartbeat for ${(HEARTBEAT_MS * 4) / 1000} s)`);
        last = now;
        lastAt = Date.now();
      }
      sleepMs(100);
    }
  }

  #beat(r: number): string | null {
    const key = `${HEARTBEAT_PREFIX}/${r}`;
    return this.#a.distStoreCheck(this.#store, [key]) ? this.#a.distStoreGet(this.#store, key) : null;
  }

  /** Tells the others why this rank is stopping (best effort: the store may be gone already). */
  reportFailure(message: string): void {
    try {
      this.#a.distStoreSet(this.#store, `hpaic_failed/${this.rank}`, message);
    } catch {
      // the store's host is gone; the others will see that themselves
    }
  }

  /** Stops the heartbeat and releases the group (the GC would, later). */
  destroy(): void {
    if (this.#heartbeat) this.#a.distHeartbeatStop(this.#heartbeat);
    this.#heartbeat = null;
    this.#group = null;
  }

  #collective(what: string, run: () => void): void {
    try {
      run();
    } catch (err) {
      throw new DistributedError(`rank ${this.rank}: ${what} failed: ${this.#whoStopped()}: ${firstLine(err)}`, { cause: err });
    }
  }

  /** Which ranks stopped, from their failure reports and heartbeats (the store host's loss means rank 0 or the agent). */
  #whoStopped(): string {
    const a = this.#a;
    const others = Array.from({ length: this.size }, (_, r) => r).filter((r) => r !== this.rank);
    try {
      const reported = others.filter((r) => a.distStoreCheck(this.#store, [`hpaic_failed/${r}`]));
      if (reported.length) return reported.map((r) => `rank ${r} failed (${a.distStoreGet(this.#store, `hpaic_failed/${r}`)})`).join('; ');
      const beats = (): (string | null)[] => others.map((r) => this.#beat(r));
      const before = beats();
      sleepMs(HEARTBEAT_MS * 4);
      const after = beats();
      const stopped = others.filter((_, i) => before[i] === after[i]);
      if (stopped.length) return `${stopped.map((r) => `rank ${r}`).join(', ')} stopped (no heartbeat for ${(HEARTBEAT_MS * 4) / 1000} s)`;
      return 'every other rank is still alive (a timeout or a mismatched collective)';
    } catch {
      return 'the rendezvous store is unreachable: rank 0 (or the launcher that hosts the store) stopped';
    }
  }
}

function storeBarrier(a: AddonBinding, store: StoreHandle, key: string, worldSize: number, timeoutMs: number, rank: number): void {
  a.distStoreAdd(store, key, 1);
  const start = Date.now();
  let count = a.distStoreAdd(store, key, 0);
  while (count !== worldSize) {
    if (Date.now() - start > timeoutMs) {
      throw new DistributedError(`rank ${rank}: timed out after ${timeoutMs / 1000} s in the store barrier (${count} of ${worldSize} ranks arrived); the missing ranks never started or cannot reach the store`);
    }
    sleepMs(10);
    count = a.distStoreAdd(store, key, 0);
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
/** Blocks the thread (collectives block too; there is nothing to run meanwhile). */
export function sleepMs(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0];
}
