/**
 * Where a command runs (`train`, `find-thresholds`, `submit`): one process, or one rank of a distributed job started
 * by torchrun, srun, a Kubeflow PyTorchJob or `--nproc` (docs/distributed.md). Joins the c10d process group when WORLD_SIZE > 1, picks
 * the rank's device (`cuda:LOCAL_RANK` on CUDA builds) and backend (NCCL on CUDA when the addon has it, else Gloo),
 * and says who writes what: in "ddp" rank 0 alone writes the run folder; in "folds" each rank writes the folds it
 * trains, rank 0 the run-level files; ranks other than 0 log to `train.rank<r>.log`.
 */
import { availableParallelism } from 'node:os';
import type { HpaicConfig } from '../config/schema.js';
import { ProcessGroup } from '../dist/ProcessGroup.js';
import { rendezvousFromEnv, type Rendezvous } from '../dist/rendezvous.js';
import { loadAddon } from '../native/loadAddon.js';
import { setNumThreads } from '../tensor/runtime.js';
import { resolveDevice } from './resolveDevice.js';

export interface World {
  readonly mode: 'single' | 'ddp' | 'folds';
  readonly rank: number;
  readonly size: number;
  readonly rendezvous: Rendezvous;
  /** The process group (null in one process). */
  readonly pg: ProcessGroup | null;
  /** This rank's device: the config's, with `cuda` made `cuda:LOCAL_RANK`. */
  readonly device: string;
}

export const SINGLE: Omit<World, 'device'> = {
  mode: 'single',
  rank: 0,
  size: 1,
  pg: null,
  rendezvous: { launcher: 'single', rank: 0, worldSize: 1, localRank: 0, localWorldSize: 1, masterAddr: '127.0.0.1', masterPort: 0, useAgentStore: false, restartCount: 0 },
};

/** Reads the launcher's environment and, with more than one rank, joins the group (blocks until every rank has). */
export function joinWorld(config: HpaicConfig, env: Readonly<Record<string, string | undefined>> = process.env): World {
  const rv = rendezvousFromEnv(env);
  // Each rank's intra-op threads default to cores ÷ local ranks (torchrun sets OMP_NUM_THREADS=1; hpaic reads its own).
  if (config.threads) setNumThreads(config.threads);
  else if (rv.localWorldSize > 1 && !env.HPAIC_NUM_THREADS) setNumThreads(Math.max(1, Math.floor(availableParallelism() / rv.localWorldSize)));
  let device = resolveDevice(config.device);
  if (device === 'cuda' && rv.worldSize > 1) device = `cuda:${rv.localRank}`;
  if (rv.worldSize === 1) return { ...SINGLE, rendezvous: rv, device };
  const backend = device.startsWith('cuda') && loadAddon().distBackends().includes('nccl') && config.dist.mode === 'ddp' ? 'nccl' : 'gloo';
  const pg = ProcessGroup.init(rv, { backend, timeoutS: config.dist.timeout_s });
  return { mode: config.dist.mode, rank: rv.rank, size: rv.worldSize, rendezvous: rv, pg, device };
}
