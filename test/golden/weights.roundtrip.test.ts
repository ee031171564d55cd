/** Weights round-trip Python → hpaic → Python with strict loading, values unchanged. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createModel } from '../../src/models/registry.js';
import { loadWeights, saveWeights } from '../../src/models/weights.js';
import { CheckpointError } from '../../src/errors.js';
import { pythonSkip, runPython, tempDir } from '../helpers/env.js';

const skip = pythonSkip('torch', 'torchvision');

test('torchvision resnet18 weights load strictly, and hpaic-saved weights load strictly in Python with equal values', { skip }, async () => {
  const { dir, cleanup } = tempDir();
  try {
    runPython(
      `import sys, torch, torchvision
torch.manual_seed(3)
m = torchvision.models.resnet18(num_classes=28)
torch.save(m.state_dict(), sys.argv[1] + '/py.pth')          # an OrderedDict, as most checkpoints are`,
      [dir],
    );
    const model = createModel('resnet18', { numClasses: 28 });
    await loadWeights(model, join(dir, 'py.pth'));
    await saveWeights(model, join(dir, 'ts.pth'));
    await saveWeights(model, join(dir, 'ts.safetensors'));
    const out = runPython(
      `import sys, torch, torchvision
d = sys.argv[1]
a = torch.load(d + '/py.pth')
b = torch.load(d + '/ts.pth', weights_only=True)
m = torchvision.models.resnet18(num_classes=28)
m.load_state_dict(b, strict=True)
print(all(torch.equal(a[k], b[k]) for k in a) and list(a) == list(b))`,
      [dir],
    );
    assert.equal(out.trim(), 'True');
    const again = createModel('resnet18', { numClasses: 28 });
    await loadWeights(again, join(dir, 'ts.safetensors'));
    const w1 = model.stateDict().get('layer4.1.bn2.running_var')!.toArray();
    const w2 = again.stateDict().get('layer4.1.bn2.running_var')!.toArray();
    assert.deepEqual(w1, w2);
    const wrong = createModel('resnet34', { numClasses: 28 });
    await assert.rejects(loadWeights(wrong, join(dir, 'py.pth')), (e: unknown) => e instanceof CheckpointError && /missing key\(s\) \[layer1\.2\.conv1\.weight/.test((e as Error).message));
    [model, again, wrong].forEach((m) => m.dispose());
  } finally {
    cleanup();
  }
});
