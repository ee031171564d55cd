export { rendezvousFromEnv, DEFAULT_MASTER_PORT, type Rendezvous } from './rendezvous.js';
export { firstSlurmHost } from './slurmNodelist.js';
export { ProcessGroup, DEFAULT_TIMEOUT_S, HEARTBEAT_PREFIX, sleepMs, type InitOptions, type ReduceOp } from './ProcessGroup.js';
export { trainingShard, evaluationShard, evaluationRows, interleaveRows, type Shard } from './shard.js';
export { launchLocal, type LaunchOptions } from './launchLocal.js';
export { gatherRows } from './gatherRows.js';
