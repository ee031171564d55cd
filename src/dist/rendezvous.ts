import { DistributedError } from '../errors.js';
import { firstSlurmHost } from './slurmNodelist.js';

/** Where this process sits in a distributed job, read from the launcher's environment (torch's `env://`). */
export interface Rendezvous {
  /** Which launcher's contract was read. 'single' = no distributed environment (one process). */
  readonly launcher: 'torchrun' | 'slurm' | 'kubeflow' | 'env' | 'single';
  readonly rank: number;
  readonly worldSize: number;
  readonly localRank: number;
  readonly localWorldSize: number;
  readonly masterAddr: string;
  readonly masterPort: number;
  /** torchrun's static rendezvous: the agent hosts the TCPStore; every rank is a client under `/worker/attempt_<n>`. */
  readonly useAgentStore: boolean;
  readonly restartCount: number;
}

type Env = Readonly<Record<string, string | undefined>>;

/** torch's default MASTER_PORT for launchers that do not set one (torch.distributed.run). */
export const DEFAULT_MASTER_PORT = 29500;

function int(env: Env, key: string, min: number): number {
  const v = env[key];
  if (v === undefined || !/^\d+$/.test(v.trim()) || Number(v) < min) {
    throw new DistributedError(`environment variable ${key}=${v === undefined ? '(unset)' : JSON.stringify(v)}: expected an integer >= ${min}`);
  }
  return Number(v);
}

function optInt(env: Env, key: string, min: number, fallback: number): number {
  return env[key] === undefined || env[key] === '' ? fallback : int(env, key, min);
}

/**
 * Reads the rendezvous like torch.distributed's `env://`, for the launchers people run PyTorch with:
 * - torchrun / torchelastic: RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT, and with
 *   TORCHELASTIC_USE_AGENT_STORE=True the agent's store (TORCHELASTIC_RESTART_COUNT names the attempt);
 * - SLURM (srun, one task per rank): SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID, SLURM_NTASKS_PER_NODE, and the first
 *   host of SLURM_NODELIST unless MASTER_ADDR is set; MASTER_PORT or 29500;
 * - Kubeflow PyTorchJob and plain env:// (also `hpaic train --nproc`): MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK.
 * RANK wins over SLURM_PROCID (srun running torchrun sets both). No variables at all = one process.
 */
export function rendezvousFromEnv(env: Env = process.env): Rendezvous {
  const torchrun = env.TORCHELASTIC_RUN_ID !== undefined || env.TORCHELASTIC_RESTART_COUNT !== undefined || env.GROUP_RANK !== undefined;
  if (env.RANK !== undefined && env.WORLD_SIZE !== undefined) {
    const worldSize = int(env, 'WORLD_SIZE', 1);
    const rank = int(env, 'RANK', 0);
    if (rank >= worldSize) throw new DistributedError(`RANK=${rank} is not below WORLD_SIZE=${worldSize}`);
    const masterAddr = env.MASTER_ADDR;
    if (!masterAddr) throw new DistributedError('environment variable MASTER_ADDR is not set (the host of rank 0 or of the launcher\'s store)');
    const kubeflow = !torchrun && env.LOCAL_RANK === undefined;
    return {
      launcher: torchrun ? 'torchrun' : kubeflow && env.KUBERNETES_SERVICE_HOST !== undefined ? 'kubeflow' : 'env',
      rank,
      worldSize,
      // A PyTorchJob runs one rank per pod: local rank 0 of 1.
      localRank: optInt(env, 'LOCAL_RANK', 0, 0),
      localWorldSize: optInt(env, 'LOCAL_WORLD_SIZE', 1, 1),
      masterAddr,
      masterPort: int(env, 'MASTER_PORT', 1),
      useAgentStore: env.TORCHELASTIC_USE_AGENT_STORE === 'True',
      restartCount: optInt(env, 'TORCHELASTIC_RESTART_COUNT', 0, 0),
    };
  }
  if (env.SLURM_PROCID !== undefined && env.SLURM_NTASKS !== undefined) {
    const worldSize = int(env, 'SLURM_NTASKS', 1);
    const nodelist = env.SLURM_JOB_NODELIST ?? env.SLURM_NODELIST;
    const masterAddr = env.MASTER_ADDR || (nodelist ? firstSlurmHost(nodelist) : undefined);
    if (!masterAddr) throw new DistributedError('SLURM: neither MASTER_ADDR nor SLURM_NODELIST is set');
    // SLURM_NTASKS_PER_NODE can read "2(x3)"; the leading count is this layout's tasks per node.
    const perNode = env.SLURM_NTASKS_PER_NODE?.match(/^\d+/)?.[0];
    return {
      launcher: 'slurm',
      rank: int(env, 'SLURM_PROCID', 0),
      worldSize,
      localRank: optInt(env, 'SLURM_LOCALID', 0, 0),
      localWorldSize: perNode ? Number(perNode) : worldSize,
      masterAddr,
      masterPort: optInt(env, 'MASTER_PORT', 1, DEFAULT_MASTER_PORT),
      useAgentStore: false,
      restartCount: optInt(env, 'SLURM_RESTART_COUNT', 0, 0),
    };
  }
  if (env.RANK !== undefined || env.WORLD_SIZE !== undefined) {
    throw new DistributedError(`RANK and WORLD_SIZE must be set together (RANK=${env.RANK ?? '(unset)'}, WORLD_SIZE=${env.WORLD_SIZE ?? '(unset)'})`);
  }
  return { launcher: 'single', rank: 0, worldSize: 1, localRank: 0, localWorldSize: 1, masterAddr: '127.0.0.1', masterPort: 0, useAgentStore: false, restartCount: 0 };
}
