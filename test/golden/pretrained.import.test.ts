/**
 * Importing ImageNet checkpoints without downloading any: Python writes ImageNet-shaped checkpoints with
 * random weights (torchvision resnet18, densenet121 (saved with torchvision's legacy key names) and inception_v3
 * with AuxLogits; the reference BNInception, SE-ResNet50 and SE-ResNeXt50 of scripts/reference_models.py, 1000
 * classes), and computes the body features of 4-channel
 * models after applying timm's adapt_input_conv to the first convolution itself. hpaic's loadPretrained
 * must give the same features, report the classifier as dropped and the head as freshly initialised,
 * and refuse checkpoints of other architectures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createModel } from '../../src/models/registry.js';
import { loadWeights, fromStored } from '../../src/models/weights.js';
import { loadPretrained, guessArchitecture } from '../../src/models/pretrained.js';
import { adaptInputConv, type FirstConvRule } from '../../src/models/adaptInputConv.js';
import { readWeights, detectWeightFormat } from '../../src/io/weights/readWeights.js';
import { readTorchFile } from '../../src/io/weights/torchZip.js';
import { writeSafetensors, encodeSafetensors } from '../../src/io/weights/safetensors.js';
import { writeFileSync } from 'node:fs';
import type { StoredTensor } from '../../src/io/weights/StoredTensor.js';
import { noGrad, tidy, type Tensor } from '../../src/tensor/index.js';
import { CheckpointError } from '../../src/errors.js';
import { parseCommandArgs } from '../../src/cli/defineCommand.js';
import { command as weightsCommand } from '../../src/cli/commands/weights.js';
import { REPO_ROOT, pythonSkip, runPython, tempDir } from '../helpers/env.js';

const skip = pythonSkip('torch', 'torchvision');

const PY = String.raw`
import sys, torch, torchvision
sys.path.insert(0, sys.argv[2])
import reference_models as R
torch.set_num_threads(1)
torch.manual_seed(0)
d = sys.argv[1]

def calibrated(m, size):
    # BatchNorm statistics of real activations, so that the compared features are of unit scale. The
    # auxiliary classifier (dropped on import) is detached meanwhile: it needs 299-pixel input.
    aux = getattr(m, 'AuxLogits', None)
    if aux is not None:
        m.AuxLogits = None
    R.calibrate_bn(m, torch.randn(4, 3, size, size))
    if aux is not None:
        m.AuxLogits = aux
    return m

def strip(sd, prefixes):
    return {k: v for k, v in sd.items() if not any(k.startswith(p) for p in prefixes)}

out = {}
# --- the ImageNet-shaped checkpoints, as the model zoos publish them ---
nets = {
    'resnet18': calibrated(torchvision.models.resnet18(), 64),
    'bninception': calibrated(R.BNInception(1000), 64),
    'se_resnet50': calibrated(R.SEResNet50(1000), 64),
    'inceptionv3': calibrated(torchvision.models.inception_v3(weights=None, aux_logits=True, init_weights=False), 96),
    'se_resnext50_32x4d': calibrated(R.SEResNet50(1000, groups=32), 64),
    'densenet121': calibrated(torchvision.models.densenet121(), 64),
}
sizes = {'resnet18': 64, 'bninception': 64, 'se_resnet50': 64, 'inceptionv3': 96, 'se_resnext50_32x4d': 64, 'densenet121': 64}
first = {'resnet18': 'conv1.weight', 'bninception': 'conv1_7x7_s2.weight', 'se_resnet50': 'layer0.conv1.weight', 'inceptionv3': 'Conv2d_1a_3x3.conv.weight',
         'se_resnext50_32x4d': 'layer0.conv1.weight', 'densenet121': 'features.conv0.weight'}
import re
LEGACY = re.compile(r'^(.*denselayer\d+\.(?:norm|relu|conv))([12])\.(weight|bias|running_mean|running_var)$')
for name, net in nets.items():
    sd = net.state_dict()
    saved = dict(sd)
    if name == 'bninception':
        # As the old Cadene file: no num_batches_tracked, and some BN vectors stored as (1, C).
        saved = {k: v for k, v in saved.items() if not k.endswith('num_batches_tracked')}
        saved['conv1_7x7_s2_bn.weight'] = saved['conv1_7x7_s2_bn.weight'].reshape(1, -1)
        saved['conv1_7x7_s2_bn.bias'] = saved['conv1_7x7_s2_bn.bias'].reshape(1, -1)
    if name == 'densenet121':
        # As torchvision's published file: the pre-0.4 names denselayer1.norm.1.weight, ...
        saved = {LEGACY.sub(r'\1.\2.\3', k): v for k, v in saved.items()}
        assert 'features.denseblock1.denselayer1.norm.1.weight' in saved
    torch.save(saved, d + '/' + name + '.pth')
    # --- Python's own adaptation to 4 channels, then the body features ---
    sd4 = dict(sd)
    sd4[first[name]] = R.adapt_input_conv(sd[first[name]], 4)
    if name == 'resnet18':
        m = torchvision.models.resnet18()
        m.conv1 = torch.nn.Conv2d(4, 64, 7, 2, 3, bias=False)
        m.load_state_dict(sd4)
        feats = lambda x: torch.nn.Sequential(*list(m.children())[:-2])(x)
    elif name == 'inceptionv3':
        m = R.InceptionV3Seed(28, 4, 'adaptive')
        missing, unexpected = m.load_state_dict(strip(sd4, ('fc.', 'AuxLogits.')), strict=False)
        assert all(k.startswith('head.') for k in missing), missing
        assert not unexpected, unexpected
        feats = m.features
    elif name == 'densenet121':
        m = R.DenseNetSeed(name, 1000, 4, 'fc')
        m.load_state_dict(sd4)
        feats = lambda x: torch.nn.functional.relu(m.features(x))
        # bestfitting's rule (copy_first) on the same checkpoint and input.
        mc = R.DenseNetSeed(name, 1000, 4, 'fc')
        mc.load_state_dict(dict(sd, **{first[name]: R.copy_first_conv(sd[first[name]], 4)}))
        mc.eval()
        with torch.no_grad():
            xc = torch.randn(2, 4, 64, 64)
            out['densenet121_copy.x'] = xc
            out['densenet121_copy.features'] = torch.nn.functional.relu(mc.features(xc))
    else:
        m = R.build(name, 1000, 4, 'fc')
        m.load_state_dict(sd4)
        feats = m.features
    m.eval()
    x = torch.randn(2, 4, sizes[name], sizes[name])
    with torch.no_grad():
        out[name + '.x'] = x
        out[name + '.features'] = feats(x)
# --- timm's rule for several channel counts ---
w = torch.randn(8, 3, 3, 3)
out['w'] = w
for c in (1, 2, 4, 5):
    out['adapt.%d' % c] = R.adapt_input_conv(w, c)
    out['copy.%d' % c] = R.copy_first_conv(w, c)
torch.save(out, d + '/ref.pth')
`;

const f32 = (s: StoredTensor | Tensor): Float32Array =>
  'data' in s ? new Float32Array(s.data.buffer.slice(s.data.byteOffset, s.data.byteOffset + s.data.byteLength)) : (s.toTypedArray() as Float32Array);
function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

let fixture: { dir: string; ref: Map<string, StoredTensor> } | undefined;
function prepare(): { dir: string; ref: Map<string, StoredTensor> } {
  if (!fixture) {
    const { dir, cleanup } = tempDir();
    process.on('exit', cleanup);
    runPython(PY, [dir, join(REPO_ROOT, 'scripts')]);
    fixture = { dir, ref: readTorchFile(join(dir, 'ref.pth')) as Map<string, StoredTensor> };
  }
  return fixture;
}

/** Loads `file` into a 4-channel adaptive-head `arch` and compares its body features with Python's. */
async function checkImport(arch: string, file: string, diag: (m: string) => void, refName = arch, firstConvRule: FirstConvRule = 'timm'): Promise<void> {
  const { ref } = prepare();
  const model = createModel(arch, { inChannels: 4, head: 'adaptive' });
  try {
    const lines: string[] = [];
    const report = await loadPretrained(model, file, { inChannels: 4, numClasses: 28, firstConvRule, log: (l) => lines.push(l) });
    assert.equal(report.arch, arch);
    assert.deepEqual(report.missing, [], 'no body key may be missing');
    assert.deepEqual(report.unexpected, []);
    const headPrefix = arch === 'bninception' ? 'last_linear.' : 'head.';
    assert.ok(report.expectedMissing.length > 0 && report.expectedMissing.every((k) => k.startsWith(headPrefix)), report.expectedMissing.join());
    const clsPrefix = arch === 'bninception' || arch.startsWith('se_') ? 'last_linear.' : arch.startsWith('densenet') ? 'classifier.' : 'fc.';
    assert.ok(report.dropped.includes(`${clsPrefix}weight`) && report.dropped.includes(`${clsPrefix}bias`), report.dropped.join());
    if (arch === 'inceptionv3') assert.ok(report.dropped.some((k) => k.startsWith('AuxLogits.')));
    assert.match(lines.join('\n'), /Converted input conv \S+ from 3 to 4 channels/);
    model.eval();
    const x = fromStored(ref.get(`${refName}.x`)!);
    const feats = noGrad(() => tidy(() => (model as unknown as { forwardFeatures(x: Tensor): Tensor }).forwardFeatures(x)));
    const want = f32(ref.get(`${refName}.features`)!);
    const largest = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const scale = Math.max(1, largest);
    const d = maxAbsDiff(f32(feats), want);
    x.dispose();
    feats.dispose();
    diag(`max |feature difference| ${d.toExponential(2)}, largest feature ${largest.toFixed(3)}`);
    assert.ok(d / scale <= 1e-4, `${arch}: features of the imported model differ by ${d} (largest value ${scale})`);
  } finally {
    model.dispose();
  }
}

for (const arch of ['resnet18', 'bninception', 'se_resnet50', 'inceptionv3', 'se_resnext50_32x4d', 'densenet121']) {
  test(`an ImageNet ${arch} checkpoint imports into a 4-channel model as Python adapts it (timm rule)`, { skip }, async (t) => {
    await checkImport(arch, join(prepare().dir, `${arch}.pth`), (m) => t.diagnostic(m));
  });
}

test("first_conv_rule copy_first imports densenet121 as bestfitting did (yellow = the red filter, unscaled)", { skip }, async (t) => {
  await checkImport('densenet121', join(prepare().dir, 'densenet121.pth'), (m) => t.diagnostic(m), 'densenet121_copy', 'copy_first');
});

test('a .safetensors ImageNet checkpoint imports the same way', { skip }, async (t) => {
  const { dir } = prepare();
  const st = join(dir, 'resnet18.safetensors');
  writeSafetensors(st, readWeights(join(dir, 'resnet18.pth')).tensors);
  await checkImport('resnet18', st, (m) => t.diagnostic(m));
});

test('adaptInputConv follows timm (and copy_first bestfitting) for 1, 2, 4 and 5 channels', { skip }, () => {
  const { ref } = prepare();
  const w = fromStored(ref.get('w')!);
  for (const c of [1, 2, 4, 5]) {
    for (const [rule, key] of [['timm', 'adapt'], ['copy_first', 'copy']] as const) {
      const a = adaptInputConv(w, c, rule);
      assert.deepEqual(a.shape, [8, c, 3, 3]);
      assert.ok(maxAbsDiff(f32(a), f32(ref.get(`${key}.${c}`)!)) <= 1e-6, `${rule}, ${c} channels`);
      a.dispose();
    }
  }
  w.dispose();
});

test('checkpoints of another architecture are refused with a clear message', { skip }, async () => {
  const { dir } = prepare();
  const cases: [string, string, RegExp][] = [
    ['bninception', 'resnet18', /looks like a resnet18 checkpoint, not bninception/],
    ['resnet34', 'resnet18', /looks like a resnet18 checkpoint, not resnet34/],
    ['inceptionv3', 'se_resnet50', /looks like a se_resnet50 checkpoint, not inceptionv3/],
    ['se_resnet50', 'se_resnext50_32x4d', /looks like a se_resnext50_32x4d checkpoint, not se_resnet50/],
    ['densenet169', 'densenet121', /looks like a densenet121 checkpoint, not densenet169/],
  ];
  for (const [arch, file, re] of cases) {
    const model = createModel(arch, { head: 'adaptive' });
    await assert.rejects(loadPretrained(model, join(dir, `${file}.pth`)), (e: unknown) => e instanceof CheckpointError && re.test(e.message));
    model.dispose();
  }
  // Unrecognisable keys (a wrapped backbone): refused because the body is missing.
  const renamed = join(dir, 'renamed.safetensors');
  const recs = readWeights(join(dir, 'resnet18.pth')).tensors;
  writeSafetensors(renamed, new Map([...recs].map(([k, v]) => [`backbone.${k}`, v])));
  assert.equal(guessArchitecture(new Map([...recs].map(([k, v]) => [`backbone.${k}`, v])).keys()), null);
  const model = createModel('resnet18', { head: 'adaptive' });
  await assert.rejects(loadPretrained(model, renamed), /does not fit resnet18.*body tensors missing/);
  model.dispose();
});

test('hpaic weights import writes a state dict that loads strictly, with the normalisation in its metadata', { skip }, async () => {
  const { dir } = prepare();
  const out = join(dir, 'bni_rgby.safetensors');
  const args = parseCommandArgs(weightsCommand, ['import', '--arch', 'bninception', '--in', join(dir, 'bninception.pth'), '--out', out, '--in-channels', '4']);
  const log = console.log;
  const printed: string[] = [];
  console.log = (...a: unknown[]) => void printed.push(a.join(' '));
  try {
    assert.equal(await weightsCommand.run(args), 0);
  } finally {
    console.log = log;
  }
  assert.match(printed.join('\n'), /Converted input conv conv1_7x7_s2\.weight from 3 to 4 channels/);
  const { metadata } = readWeights(out);
  assert.equal(metadata.hpaic_arch, 'bninception');
  assert.equal(metadata.input_space, 'BGR');
  assert.deepEqual(JSON.parse(metadata.mean), [104, 117, 128, 104]);
  assert.deepEqual(JSON.parse(metadata.input_range), [0, 255]);
  const model = createModel('bninception', { inChannels: 4, head: 'adaptive' });
  await loadWeights(model, out, { strict: true });
  // loadPretrained accepts the converted file too (what a config's model.pretrained may name): all of it loads.
  const again = await loadPretrained(model, out);
  assert.deepEqual([again.missing, again.expectedMissing, again.unexpected, again.dropped], [[], [], [], []]);
  assert.equal(again.loaded, model.stateDict().size);
  model.dispose();
});

test('hpaic weights import --first-conv-rule copy_first records the rule and gives yellow an unscaled copy of red', { skip }, async () => {
  const { dir } = prepare();
  const out = join(dir, 'dn121_copy.safetensors');
  const args = parseCommandArgs(weightsCommand, ['import', '--arch', 'densenet121', '--in', join(dir, 'densenet121.pth'), '--out', out, '--in-channels', '4', '--first-conv-rule', 'copy_first']);
  const log = console.log;
  console.log = () => {};
  try {
    assert.equal(await weightsCommand.run(args), 0);
  } finally {
    console.log = log;
  }
  const { tensors, metadata } = readWeights(out);
  assert.match(metadata.first_conv_rule, /^copy_first/);
  const w = fromStored(tensors.get('features.conv0.weight')!);
  const orig = fromStored(readWeights(join(dir, 'densenet121.pth')).tensors.get('features.conv0.weight')!);
  const a = w.toArray();
  const o = orig.toArray();
  // (64, 4, 7, 7) vs (64, 3, 7, 7): channels 0-2 unchanged, channel 3 = channel 0.
  for (let f = 0; f < 64; f++) for (let k = 0; k < 49; k++) {
    for (let c = 0; c < 3; c++) assert.equal(a[(f * 4 + c) * 49 + k], o[(f * 3 + c) * 49 + k]);
    assert.equal(a[(f * 4 + 3) * 49 + k], o[f * 3 * 49 + k]);
  }
  w.dispose();
  orig.dispose();
  await assert.rejects(weightsCommand.run(parseCommandArgs(weightsCommand, ['import', '--arch', 'densenet121', '--in', 'x.pth', '--out', 'y.pth', '--first-conv-rule', 'mean'])), /--first-conv-rule expects timm or copy_first/);
});

test('a safetensors file whose header length begins with byte 0x80 is read as safetensors, not a legacy pickle', () => {
  const { dir, cleanup } = tempDir();
  try {
    const rec: StoredTensor = { dtype: 'float32', shape: [1], data: new Uint8Array(4) };
    for (let pad = 0; pad < 300; pad++) {
      const bytes = encodeSafetensors(new Map([['w', rec]]), { pad: 'x'.repeat(pad) });
      if (bytes[0] !== 0x80) continue;
      const p = join(dir, 'w.safetensors');
      writeFileSync(p, bytes);
      assert.equal(detectWeightFormat(p), 'safetensors');
      return;
    }
    assert.fail('no padding gave a header length with low byte 0x80');
  } finally {
    cleanup();
  }
});
