import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyChannelFilter, filterChannelCount, parseChannelFilter } from '../../src/data/image/channelFilter.js';
import { ConfigError } from '../../src/errors.js';
import { pythonSkip, runPython } from '../helpers/env.js';

const H = 5;
const W = 7;
// Many exact zeros so that rygb's "yellow fills where red/green is 0" rule is exercised.
const img = Uint8Array.from({ length: H * W * 4 }, (_, i) => ((i * 37) % 11 < 4 ? 0 : (i * 53) % 256));

// The seed's HPADatasetHDF5 channel code (seed-spec §1.5), in numpy.
const SEED = `
import sys, json, numpy as np
img = np.array(json.loads(sys.stdin.read()), dtype=np.uint8).reshape(${H}, ${W}, 4)
out = {}
for filters in ['rgb', 'bgr', 'y', 'gy', 'rgby', 'yrgb', 'rygb']:
    idx = ['rgby'.index(c) for c in filters]
    channels = [img[..., i] for i in idx]
    if filters == 'rygb':
        r, y, g, b = channels
        r = np.where(r > 0, r, y)
        g = np.where(g > 0, g, y)
        channels = [r, g, b]
    out[filters] = np.squeeze(np.stack(channels, axis=-1)).reshape(-1).tolist()
print(json.dumps(out))
`;

test('channel selection and rygb mixing match the seed (numpy reference)', { skip: pythonSkip('numpy') }, () => {
  const ref = JSON.parse(runPython(SEED, [], JSON.stringify([...img]))) as Record<string, number[]>;
  for (const [filters, want] of Object.entries(ref)) {
    const got = applyChannelFilter(img, H, W, filters);
    assert.deepEqual([...got], want, filters);
    assert.equal(got.length, H * W * filterChannelCount(filters), filters);
  }
});

test('filters are case-insensitive; bad letters are ConfigErrors naming the letter', () => {
  assert.deepEqual(parseChannelFilter('RGB'), [0, 1, 2]);
  assert.deepEqual(parseChannelFilter('ybgr'), [3, 2, 1, 0]);
  assert.throws(() => parseChannelFilter('rgx'), (e: unknown) => e instanceof ConfigError && /letter 3 of "rgx" is "x"/.test(e.message));
  assert.throws(() => parseChannelFilter(''), ConfigError);
  assert.throws(() => applyChannelFilter(new Uint8Array(3), 1, 1, 'rgb'), RangeError);
});
