import { test } from 'node:test';
import assert from 'node:assert/strict';
import { firstSlurmHost, rendezvousFromEnv, trainingShard, evaluationShard, interleaveRows } from '../../src/dist/index.js';
import { DistributedError } from '../../src/errors.js';

test('torchrun with its agent store: every variable read, the agent store and the restart attempt kept', () => {
  // What torch.distributed.run 1.13 sets for local rank 1 of 2 (static rendezvous, default settings).
  const rv = rendezvousFromEnv({
    RANK: '1', WORLD_SIZE: '2', LOCAL_RANK: '1', LOCAL_WORLD_SIZE: '2', GROUP_RANK: '0', MASTER_ADDR: '127.0.0.1', MASTER_PORT: '29500',
    TORCHELASTIC_RUN_ID: 'none', TORCHELASTIC_RESTART_COUNT: '2', TORCHELASTIC_USE_AGENT_STORE: 'True', TORCHELASTIC_MAX_RESTARTS: '0',
  });
  assert.deepEqual(rv, { launcher: 'torchrun', rank: 1, worldSize: 2, localRank: 1, localWorldSize: 2, masterAddr: '127.0.0.1', masterPort: 29500, useAgentStore: true, restartCount: 2 });
  // torch compares with str(True): anything else means rank 0 hosts the store.
  assert.equal(rendezvousFromEnv({ RANK: '0', WORLD_SIZE: '2', MASTER_ADDR: 'h', MASTER_PORT: '1', TORCHELASTIC_RUN_ID: 'x', TORCHELASTIC_USE_AGENT_STORE: 'true' }).useAgentStore, false);
});

test('SLURM: SLURM_PROCID/NTASKS/LOCALID, the first host of the node list unless MASTER_ADDR is set, port 29500 by default', () => {
  const env = { SLURM_PROCID: '5', SLURM_NTASKS: '8', SLURM_LOCALID: '1', SLURM_NTASKS_PER_NODE: '4(x2)', SLURM_JOB_NODELIST: 'gpu[07-08]' };
  assert.deepEqual(rendezvousFromEnv(env), { launcher: 'slurm', rank: 5, worldSize: 8, localRank: 1, localWorldSize: 4, masterAddr: 'gpu07', masterPort: 29500, useAgentStore: false, restartCount: 0 });
  assert.equal(rendezvousFromEnv({ ...env, MASTER_ADDR: 'login1', MASTER_PORT: '12345' }).masterAddr, 'login1');
  assert.equal(rendezvousFromEnv({ ...env, MASTER_PORT: '12345' }).masterPort, 12345);
});

test('the first host of a SLURM node list, as scontrol show hostnames prints it first', () => {
  assert.equal(firstSlurmHost('node01'), 'node01');
  assert.equal(firstSlurmHost('gpu[003-005,009],cpu1'), 'gpu003');
  assert.equal(firstSlurmHost('a[1,3],b[2-4]'), 'a1');
  assert.equal(firstSlurmHost('rack1-n[12-13]'), 'rack1-n12');
  assert.equal(firstSlurmHost('x,y'), 'x');
});

test('Kubeflow PyTorchJob (and plain env://): MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK; one rank per pod', () => {
  const rv = rendezvousFromEnv({ MASTER_ADDR: 'job-master-0', MASTER_PORT: '23456', WORLD_SIZE: '3', RANK: '2', KUBERNETES_SERVICE_HOST: '10.0.0.1' });
  assert.deepEqual(rv, { launcher: 'kubeflow', rank: 2, worldSize: 3, localRank: 0, localWorldSize: 1, masterAddr: 'job-master-0', masterPort: 23456, useAgentStore: false, restartCount: 0 });
  assert.equal(rendezvousFromEnv({ MASTER_ADDR: 'h', MASTER_PORT: '1', WORLD_SIZE: '3', RANK: '2' }).launcher, 'env');
});

test('no variables: one process; a half-set or malformed environment is a one-line error naming the variable', () => {
  assert.equal(rendezvousFromEnv({}).worldSize, 1);
  assert.throws(() => rendezvousFromEnv({ RANK: '0' }), (e: unknown) => e instanceof DistributedError && /RANK and WORLD_SIZE must be set together/.test(e.message));
  assert.throws(() => rendezvousFromEnv({ RANK: '2', WORLD_SIZE: '2', MASTER_ADDR: 'h', MASTER_PORT: '1' }), /RANK=2 is not below WORLD_SIZE=2/);
  assert.throws(() => rendezvousFromEnv({ RANK: '0', WORLD_SIZE: '2', MASTER_PORT: '1' }), /MASTER_ADDR is not set/);
  assert.throws(() => rendezvousFromEnv({ RANK: '0', WORLD_SIZE: 'two', MASTER_ADDR: 'h', MASTER_PORT: '1' }), /WORLD_SIZE="two": expected an integer >= 1/);
});

test('training shards: whole global batches, every W-th sample; their step-k batches make up the single-process batch k', () => {
  const order = Int32Array.from({ length: 23 }, (_, i) => 100 + i);
  const W = 3;
  const B = 2;
  const shards = [0, 1, 2].map((r) => trainingShard(order, r, W, B));
  for (const s of shards) assert.equal(s.order.length, 6, '23 → 3 global batches of 6 → 6 per rank (drop_last)');
  for (let k = 0; k < 3; k++) {
    const union = shards.flatMap((s) => Array.from(s.order.subarray(k * B, (k + 1) * B))).sort((a, b) => a - b);
    assert.deepEqual(union, Array.from(order.subarray(k * W * B, (k + 1) * W * B)), `step ${k}`);
  }
  assert.deepEqual(Array.from(shards[1].positions), [1, 4, 7, 10, 13, 16]);
});

test('evaluation shards cover every sample once, and the gathered rows go back in order', () => {
  const order = Int32Array.from({ length: 7 }, (_, i) => i * 10);
  const shards = [0, 1, 2].map((r) => evaluationShard(order, r, 3));
  assert.deepEqual(shards.map((s) => s.order.length), [3, 2, 2]);
  assert.deepEqual(shards.flatMap((s) => Array.from(s.order)).sort((a, b) => a - b), Array.from(order));
  // Each rank sends 3 rows of width 2 (padded), holding 10×sample + column.
  const parts = shards.map((s) => Float32Array.from({ length: 6 }, (_, j) => (j >> 1 < s.order.length ? s.order[j >> 1] + (j & 1) : -1)));
  assert.deepEqual(Array.from(interleaveRows(parts, 7, 2)), Array.from(order).flatMap((v) => [v, v + 1]));
});
