/**
 * `hpaic train --nproc N`: starts N local ranks of the same command with torch's environment contract (RANK,
 * WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT), as `torchrun --standalone --nproc_per_node=N`
 * does, minus the elastic agent: rank 0 hosts the store. When a rank fails, the others get `graceMs` to stop on their
 * own (their collectives fail, naming it), then SIGTERM; the exit code is the first failure's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { DistributedError } from '../errors.js';

export interface LaunchOptions {
  nproc: number;
  /** The command line of each rank after the node executable (default: this process's script and arguments). */
  args: string[];
  env?: NodeJS.ProcessEnv;
  masterPort?: number;
  graceMs?: number;
  /** Where the launcher's own lines go. */
  log?: (line: string) => void;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Runs the ranks to the end; resolves with the job's exit code. */
export async function launchLocal(o: LaunchOptions): Promise<number> {
  if (!Number.isInteger(o.nproc) || o.nproc < 1) throw new DistributedError(`--nproc must be a positive integer, received ${o.nproc}`);
  const env = o.env ?? process.env;
  if (env.RANK !== undefined || env.WORLD_SIZE !== undefined) {
    throw new DistributedError(`--nproc starts its own ranks, but this process already runs as a rank (RANK=${env.RANK}, WORLD_SIZE=${env.WORLD_SIZE}); drop --nproc under torchrun or srun`);
  }
  const port = o.masterPort ?? (await freePort());
  const log = o.log ?? ((l: string) => console.error(l));
  const children: ChildProcess[] = [];
  const exits = Array.from({ length: o.nproc }, (_, rank) => {
    const child = spawn(process.execPath, [...process.execArgv, ...o.args], {
      stdio: 'inherit',
      env: { ...env, RANK: String(rank), WORLD_SIZE: String(o.nproc), LOCAL_RANK: String(rank), LOCAL_WORLD_SIZE: String(o.nproc), MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port) },
    });
    children.push(child);
    return new Promise<{ rank: number; code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ rank, code, signal })));
  });
  const forward = (sig: NodeJS.Signals) => () => children.forEach((c) => c.exitCode === null && c.kill(sig));
  const onInt = forward('SIGINT');
  const onTerm = forward('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  let failure: { rank: number; code: number | null; signal: NodeJS.Signals | null } | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.all(
      exits.map((p) =>
        p.then((e) => {
          if ((e.code === 0 && !e.signal) || failure) return;
          failure = e;
          log(`hpaic: rank ${e.rank} of ${o.nproc} ${e.signal ? `was killed by ${e.signal}` : `exited with code ${e.code}`}; the other ranks get ${(o.graceMs ?? 30_000) / 1000} s to stop`);
          timer = setTimeout(forward('SIGTERM'), o.graceMs ?? 30_000);
        }),
      ),
    );
  } finally {
    if (timer) clearTimeout(timer);
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
  if (!failure) return 0;
  return failure.code && failure.code > 0 ? failure.code : 1;
}
