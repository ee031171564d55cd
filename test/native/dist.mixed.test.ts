// A mixed c10d group: this process is an hpaic rank, the other rank is PyTorch (/usr/bin/python3,
// torch.distributed.init_process_group("gloo") on the same MASTER_ADDR/MASTER_PORT). Both orders: hpaic hosting the
// TCPStore as rank 0, and PyTorch hosting it. They allreduce, average, allgather and broadcast a state dict; the
// values PyTorch reports are checked against what hpaic sent or computed, so hpaic must speak c10d's own protocol
// (store prefixes default_pg/0, the store barrier, the sequence number, Gloo's pairing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PYTHON, REPO_ROOT, pythonSkip } from '../helpers/env.js';
import { freePort } from '../helpers/freePort.js';
import { ProcessGroup, rendezvousFromEnv } from '../../src/dist/index.js';
import { arange, full, tensor, type Tensor } from '../../src/tensor/index.js';

const skip = pythonSkip('torch.distributed');

const KEYS = ['0.bias', '0.weight', '1.bias', '1.num_batches_tracked', '1.running_mean', '1.running_var', '1.weight'];
const SHAPES: Record<string, number[]> = { '0.bias': [3], '0.weight': [3, 4, 3, 3], '1.bias': [3], '1.num_batches_tracked': [], '1.running_mean': [3], '1.running_var': [3], '1.weight': [3] };

interface PeerOut {
  rank: number;
  allreduce: number[];
  avg: number[];
  gathered: number[][];
  state: Record<string, { dtype: string; shape: number[]; values: number[] }>;
}

/** hpaic's state dict when it is the root: values PyTorch cannot guess. */
function hpaicState(zero: boolean): Record<string, Tensor> {
  return Object.fromEntries(
    KEYS.map((k, i) => {
      if (k.endsWith('num_batches_tracked')) return [k, tensor(zero ? 0 : 7, [], { dtype: 'int64' })];
      const n = SHAPES[k].reduce((a, b) => a * b, 1);
      return [k, zero ? full(SHAPES[k], 0) : arange(0, n, 1, { dtype: 'float32' }).mul(0.25).add(i).reshape(SHAPES[k])];
    }),
  );
}

async function mixedGroup(hpaicRank: number, root: number): Promise<void> {
  const port = await freePort();
  const env = { ...process.env, MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), WORLD_SIZE: '2', OMP_NUM_THREADS: '1' };
  const peer = spawn(PYTHON, [join(REPO_ROOT, 'test', 'helpers', 'torchDistPeer.py'), String(root)], { env: { ...env, RANK: String(1 - hpaicRank) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  peer.stdout.on('data', (d) => (out += d));
  peer.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => peer.on('close', resolve));
  try {
    const rv = rendezvousFromEnv({ ...env, RANK: String(hpaicRank) });
    const pg = ProcessGroup.init(rv, { timeoutS: 60, heartbeat: false });
    const x = arange(0, 6, 1, { dtype: 'float32' }).mul(hpaicRank + 1);
    pg.allreduce(x);
    const avg = full([3], hpaicRank + 1, { dtype: 'float64' });
    pg.allreduce(avg, 'avg');
    const state = hpaicState(hpaicRank !== root);
    for (const k of KEYS) pg.broadcast(state[k], root);
    const gathered = pg.allgather(tensor([hpaicRank, 100 + hpaicRank], [2], { dtype: 'int64' }));
    pg.barrier();
    const code = await exited;
    assert.equal(code, 0, `the PyTorch rank failed: ${err}`);
    const py = JSON.parse(out.trim().split('\n').pop() ?? '{}') as PeerOut;
    assert.equal(py.rank, 1 - hpaicRank);
    // 0..5 × 1 + 0..5 × 2 on both ranks.
    const sum = [0, 3, 6, 9, 12, 15];
    assert.deepEqual(x.toArray(), sum);
    assert.deepEqual(py.allreduce, sum);
    assert.deepEqual(avg.toArray(), [1.5, 1.5, 1.5]);
    assert.deepEqual(py.avg, [1.5, 1.5, 1.5]);
    assert.deepEqual(gathered.map((g) => g.toArray()), [[0, 100], [1, 101]]);
    assert.deepEqual(py.gathered, [[0, 100], [1, 101]]);
    for (const k of KEYS) {
      assert.deepEqual(py.state[k].shape, SHAPES[k], k);
      assert.equal(py.state[k].dtype, k.endsWith('num_batches_tracked') ? 'int64' : 'float32', k);
      // Whoever was the root, both ranks now hold the root's values; PyTorch's root values come from its own seeded model.
      assert.deepEqual(state[k].toArray(), py.state[k].values, `${k}: hpaic and PyTorch differ after broadcast from rank ${root}`);
    }
    if (root === hpaicRank) {
      assert.deepEqual(py.state['1.num_batches_tracked'].values, [7]);
      assert.deepEqual(py.state['0.bias'].values, [0, 0.25, 0.5]);
    } else {
      assert.deepEqual(py.state['1.num_batches_tracked'].values, [1], 'PyTorch ran one training-mode forward before broadcasting');
    }
    for (const t of [x, avg, ...Object.values(state), ...gathered]) t.dispose();
    pg.destroy();
  } finally {
    if (peer.exitCode === null) peer.kill('SIGKILL');
    await exited;
  }
}

test('hpaic hosts the store (rank 0) and broadcasts; a PyTorch rank 1 joins with init_process_group("gloo")', { skip, timeout: 120_000 }, async () => {
  await mixedGroup(0, 0);
});

test('PyTorch hosts the store (rank 0) and broadcasts its state dict to hpaic rank 1', { skip, timeout: 120_000 }, async () => {
  await mixedGroup(1, 0);
});
