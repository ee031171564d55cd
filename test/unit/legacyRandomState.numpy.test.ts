import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LegacyRandomState } from '../../src/data/tables/legacyRandomState.js';
import { pythonSkip, runPython } from '../helpers/env.js';

test('seed-spec §4.3 vectors for RandomState(92)', () => {
  const r = new LegacyRandomState(92);
  assert.deepEqual(Array.from({ length: 5 }, () => r.nextUint32()), [3804827770, 3925700650, 3386932035, 1026824210, 1824193419]);
  const c = new LegacyRandomState(92);
  assert.deepEqual(Array.from({ length: 10 }, () => c.choice(3)), [2, 2, 2, 2, 0, 2, 1, 2, 2, 2]);
  const s = new LegacyRandomState(92);
  const a = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  s.shuffle(a);
  assert.deepEqual(a, [7, 0, 5, 1, 8, 4, 6, 9, 2, 3]);
});

test('choice(1) consumes no draw; bad seeds are refused', () => {
  const a = new LegacyRandomState(5);
  const b = new LegacyRandomState(5);
  assert.equal(a.choice(1), 0);
  assert.equal(a.nextUint32(), b.nextUint32());
  assert.throws(() => new LegacyRandomState(-1), /between 0 and 2\*\*32 - 1/);
  assert.throws(() => new LegacyRandomState(2 ** 32), /between 0 and 2\*\*32 - 1/);
});

const skip = pythonSkip('numpy');
test('matches numpy RandomState bit for bit (raw, choice, shuffle, random_sample, past a twist)', { skip }, () => {
  const seeds = [0, 1, 42, 92, 2 ** 32 - 1, 123456789];
  const sizes = [1, 2, 3, 7, 28, 100, 1000, 65537];
  const script = `
import sys, json
import numpy as np
seeds = json.loads(sys.argv[1]); sizes = json.loads(sys.argv[2])
out = []
for s in seeds:
    rs = np.random.RandomState(s)
    raw = rs.randint(0, 2**32, size=1500, dtype=np.uint64).tolist()
    rs = np.random.RandomState(s)
    ch = [int(rs.choice(n)) for n in sizes for _ in range(5)]
    rs = np.random.RandomState(s)
    sh = []
    for n in sizes[:6]:
        a = np.arange(n); rs.shuffle(a); sh.append(a.tolist())
    rs = np.random.RandomState(s)
    rnd = [repr(float(x)) for x in rs.random_sample(20)]
    rs = np.random.RandomState(s)
    perm = rs.permutation(3000).tolist()
    out.append(dict(raw=raw, ch=ch, sh=sh, rnd=rnd, perm=perm))
print(json.dumps(out))
`;
  const ref = JSON.parse(runPython(script, [JSON.stringify(seeds), JSON.stringify(sizes)])) as { raw: number[]; ch: number[]; sh: number[][]; rnd: string[]; perm: number[] }[];
  seeds.forEach((seed, k) => {
    const r = ref[k];
    let g = new LegacyRandomState(seed);
    assert.deepEqual(Array.from({ length: 1500 }, () => g.nextUint32()), r.raw, `raw seed ${seed}`);
    g = new LegacyRandomState(seed);
    assert.deepEqual(sizes.flatMap((n) => Array.from({ length: 5 }, () => g.choice(n))), r.ch, `choice seed ${seed}`);
    g = new LegacyRandomState(seed);
    sizes.slice(0, 6).forEach((n, i) => {
      const a = Array.from({ length: n }, (_, j) => j);
      g.shuffle(a);
      assert.deepEqual(a, r.sh[i], `shuffle seed ${seed} n ${n}`);
    });
    g = new LegacyRandomState(seed);
    assert.deepEqual(Array.from({ length: 20 }, () => g.random()), r.rnd.map(Number), `random seed ${seed}`);
    g = new LegacyRandomState(seed);
    assert.deepEqual(Array.from(g.permutation(3000)), r.perm, `permutation seed ${seed}`);
  });
});
