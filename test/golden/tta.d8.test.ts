/**
 * `--tta d8` and `--tta-combine`: the 7 pipelines with the plain image are the 8 symmetries of the square
 * (numpy's rot90 × fliplr), and predictLogits' combinations equal PyTorch on the same weights and images:
 * torchvision resnet18 run on the 8 variants, then the seed's weighted logit mean, the weighted mean of
 * probabilities, or the maximum probability (bestfitting).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { buildD8List, ttaWeights, type TtaCombine } from '../../src/data/image/tta.js';
import { DataLoader } from '../../src/data/loader/DataLoader.js';
import { createModel } from '../../src/models/registry.js';
import { saveWeights } from '../../src/models/weights.js';
import { predictLogits, MAX_LOGIT } from '../../src/predict/predict.js';
import { pythonSkip, runPython, tempDir } from '../helpers/env.js';

const skip = pythonSkip('torch', 'torchvision', 'numpy');

const PY = String.raw`
import sys, json, torch, torchvision, numpy as np
torch.set_num_threads(1)
d = sys.argv[1]
cfg = json.load(open(d + '/cfg.json'))
n, h, w = cfg['n'], cfg['h'], cfg['w']
raw = np.frombuffer(open(d + '/images.bin', 'rb').read(), dtype=np.uint8).reshape(n, h, w, 4)
x = torch.from_numpy(raw[..., :3].astype(np.float32) / np.float32(255)).permute(0, 3, 1, 2).contiguous()
m = torchvision.models.resnet18(num_classes=28)
m.load_state_dict(torch.load(d + '/model.pth'))
m.eval()
ops = {'H': lambda t: t.flip(-1), 'V': lambda t: t.flip(-2), 'T': lambda t: t.transpose(-1, -2)}
variants = [x]
for name in cfg['names']:
    t = x
    for o in name.split('+'):
        t = ops[o](t)
    variants.append(t)
# The 8 variants of image 0 are exactly the 8 symmetries of the square.
a = raw[0, :, :, 0]
got = sorted(np.ascontiguousarray(v[0, 0].numpy()).tobytes() for v in variants)
want = sorted(np.ascontiguousarray((s_arr.astype(np.float32) / np.float32(255))).tobytes() for k in range(4) for s_arr in (np.rot90(a, k), np.rot90(np.fliplr(a), k)))
with torch.no_grad():
    logits = [m(v) for v in variants]
wts = cfg['weights']
out = {'d8': got == want and len(set(want)) == 8}
out['logit-mean'] = sum(wi * l for wi, l in zip(wts, logits)).reshape(-1).tolist()
out['mean'] = sum(wi * torch.sigmoid(l) for wi, l in zip(wts, logits)).reshape(-1).tolist()
out['max'] = torch.stack([torch.sigmoid(l) for l in logits]).amax(0).reshape(-1).tolist()
print(json.dumps(out))
`;

test('d8 TTA is the 8 symmetries and max / mean / logit-mean combine as in PyTorch', { skip }, async (t) => {
  const { dir, cleanup } = tempDir();
  const n = 3;
  const h = 32;
  const w = 32;
  let s = 99;
  const data = new Uint8Array(new SharedArrayBuffer(n * h * w * 4)).map(() => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24));
  const list = buildD8List();
  assert.deepEqual(
    list.map((p) => p.name),
    ['H', 'V', 'T', 'H+V', 'H+T', 'V+T', 'H+V+T'],
  );
  const weights = ttaWeights(list.length, 0.6);
  const model = createModel('resnet18', { head: 'fc', inChannels: 3 });
  const loader = new DataLoader({ store: { kind: 'memory', names: ['a', 'b', 'c'], data, height: h, width: w }, filter: 'rgb', transform: { kind: 'plain', height: h, width: w }, batchSize: 2, workers: 0 });
  try {
    await saveWeights(model, join(dir, 'model.pth'));
    writeFileSync(join(dir, 'images.bin'), data);
    writeFileSync(join(dir, 'cfg.json'), JSON.stringify({ n, h, w, names: list.map((p) => p.name), weights: Array.from(weights) }));
    const ref = JSON.parse(runPython(PY, [dir])) as Record<string, number[]> & { d8: boolean };
    assert.equal(ref.d8, true, 'the plain image and the 7 pipelines are the 8 distinct symmetries of the square');
    for (const combine of ['logit-mean', 'mean', 'max'] as TtaCombine[]) {
      const got = await predictLogits({ model, loader, device: 'cpu', channelsLast: false, tta: list, weights, combine, quiet: true });
      const want = ref[combine];
      // logit-mean is compared as logits; the probability combinations as probabilities (σ of the returned logits).
      const asProb = combine !== 'logit-mean';
      let worst = 0;
      for (let i = 0; i < want.length; i++) {
        const v = asProb ? 1 / (1 + Math.exp(-got[i])) : got[i];
        const ref_ = asProb ? Math.min(Math.max(want[i], 1 / (1 + Math.exp(MAX_LOGIT))), 1 / (1 + Math.exp(-MAX_LOGIT))) : want[i];
        worst = Math.max(worst, Math.abs(v - ref_));
      }
      t.diagnostic(`${combine}: worst difference ${worst.toExponential(2)}`);
      assert.ok(worst <= (asProb ? 1e-6 : 1e-4), `${combine} differs by ${worst}`);
    }
    // The combinations differ from each other on these images (the test can tell them apart).
    const max = await predictLogits({ model, loader, device: 'cpu', channelsLast: false, tta: list, weights, combine: 'max', quiet: true });
    const mean = await predictLogits({ model, loader, device: 'cpu', channelsLast: false, tta: list, weights, combine: 'mean', quiet: true });
    assert.ok(max.some((v, i) => v > mean[i] + 1e-4), 'the max combination is above the mean somewhere');
  } finally {
    await loader.close();
    model.dispose();
    cleanup();
  }
});
