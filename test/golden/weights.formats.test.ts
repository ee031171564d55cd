// Weight files against PyTorch 1.13 (/usr/bin/python3): files torch.save writes are read byte-identically,
// files we write load with torch.load (also weights_only=True) and into torchvision's resnet18 with
// strict=True, safetensors round-trip through a plain-Python reader/writer (struct + json + numpy), and the
// errors for damaged, legacy, TorchScript and unsafe files say exactly what they should.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pythonSkip, runPython, tempDir } from '../helpers/env.js';
import { readStateDict, readTorchFile, writeTorchFile } from '../../src/io/weights/torchZip.js';
import { readSafetensors, writeSafetensors } from '../../src/io/weights/safetensors.js';
import { OrderedDict, type PickleValue } from '../../src/io/weights/pickle.js';
import { isStoredTensor, type StoredTensor } from '../../src/io/weights/StoredTensor.js';
import { CheckpointError } from '../../src/errors.js';

const skip = pythonSkip('torch', 'torchvision', 'numpy');

// Shared by the Python scripts: a description of every tensor (dtype, shape, sha256 of its C-order bytes) and
// a plain-Python safetensors reader/writer, since the safetensors package is not installed here.
const PY_COMMON = String.raw`
import sys, json, struct, hashlib, collections, argparse
import numpy as np, torch, torchvision
NP = {'F32': np.float32, 'F64': np.float64, 'F16': np.float16, 'BF16': np.int16, 'I64': np.int64, 'I32': np.int32,
      'I16': np.int16, 'I8': np.int8, 'U8': np.uint8, 'BOOL': np.bool_}
CODE = {torch.float32: 'F32', torch.float64: 'F64', torch.float16: 'F16', torch.bfloat16: 'BF16', torch.int64: 'I64',
        torch.int32: 'I32', torch.int16: 'I16', torch.int8: 'I8', torch.uint8: 'U8', torch.bool: 'BOOL'}
def raw(t):
    t = t.detach().contiguous()
    return (t.view(torch.int16) if t.dtype == torch.bfloat16 else t).numpy().tobytes()
def describe(t):
    return {'dtype': str(t.dtype).replace('torch.', ''), 'shape': list(t.shape), 'sha256': hashlib.sha256(raw(t)).hexdigest()}
def st_load(path):
    b = open(path, 'rb').read()
    n = struct.unpack('<Q', b[:8])[0]
    assert n % 8 == 0, 'header length not a multiple of 8'
    h = json.loads(b[8:8 + n]); data = b[8 + n:]
    meta = h.pop('__metadata__', {})
    spans = sorted(tuple(v['data_offsets']) for v in h.values())
    at = 0
    for s, e in spans:
        assert s == at, 'offsets not contiguous'
        at = e
    assert at == len(data), 'data not fully covered'
    out = collections.OrderedDict()
    for k, v in h.items():
        s, e = v['data_offsets']
        assert (8 + n + s) % np.dtype(NP[v['dtype']]).itemsize == 0, 'misaligned ' + k
        a = np.frombuffer(data[s:e], dtype=NP[v['dtype']]).reshape(v['shape'])
        t = torch.from_numpy(a.copy())
        out[k] = t.view(torch.bfloat16) if v['dtype'] == 'BF16' else t
    return out, meta
def st_save(path, tensors, meta):
    items = sorted(tensors.items(), key=lambda kv: (-kv[1].element_size(), kv[0]))
    h, at, blobs = {}, 0, []
    for k, t in items:
        b = raw(t); h[k] = {'dtype': CODE[t.dtype], 'shape': list(t.shape), 'data_offsets': [at, at + len(b)]}; at += len(b); blobs.append(b)
    if meta: h['__metadata__'] = meta
    j = json.dumps(h).encode(); j += b' ' * ((8 - len(j) % 8) % 8)
    open(path, 'wb').write(struct.pack('<Q', len(j)) + j + b''.join(blobs))
`;

// Python writes every fixture and describes what it wrote.
const PY_WRITE = PY_COMMON + String.raw`
d = sys.argv[1]
torch.manual_seed(0)
m = torchvision.models.resnet18()
m.train(); m(torch.randn(2, 3, 64, 64))  # non-trivial running stats and num_batches_tracked
sd = m.state_dict()
torch.save(dict(sd), d + '/r18_dict.pt')
torch.save(sd, d + '/r18_od.pt')
torch.save({'model': sd, 'epoch': 3}, d + '/wrapped.pt')
torch.save({'state_dict': collections.OrderedDict(('module.' + k, v) for k, v in list(sd.items())[:5])}, d + '/dp.pt')
base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
odd = {
    'slice': base[1:], 'transposed': base.t(), 'strided': base[:, ::2], 'column': base[:, 3],
    'f16': torch.randn(3, 5).half(), 'bf16': torch.randn(7).bfloat16(), 'f64': torch.randn(2, 2, dtype=torch.float64),
    'bool': torch.tensor([[True, False, True]]), 'u8': torch.arange(10, dtype=torch.uint8), 'i8': torch.tensor([-128, 5, 127], dtype=torch.int8),
    'i16': torch.tensor([-300, 300], dtype=torch.int16), 'i32': torch.tensor([[-70000], [70000]], dtype=torch.int32),
    'i64_t': torch.arange(6).reshape(2, 3).t(), 'scalar': torch.tensor(7), 'empty': torch.zeros(0, 3),
    'param': torch.nn.Parameter(torch.ones(2, 2)), 'shared_a': base[0], 'shared_b': base[0],
}
torch.save(odd, d + '/odd.pt')
torch.save(odd, d + '/odd_p4.pt', pickle_protocol=4)
import zipfile  # the same archive re-zipped with deflate, as a user's zip tool might
with zipfile.ZipFile(d + '/odd.pt') as zin, zipfile.ZipFile(d + '/odd_deflated.pt', 'w', zipfile.ZIP_DEFLATED) as zout:
    for i in zin.infolist(): zout.writestr(i.filename, zin.read(i.filename))
torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), d + '/script.pt')
torch.save({'lr': 0.1, 'n': [1, 2, (3, 'a')], 'big': 2 ** 70, 'neg': -3, 'negbig': -2 ** 40, 's': 'hé', 'none': None,
            't': True, 'bytes': b'\x00\xff', 'set': {5}, 'ints': {0: 'zero'}}, d + '/plain.pt')
torch.save(dict(list(sd.items())[:3]), d + '/legacy.pt', _use_new_zipfile_serialization=False)
torch.save({'args': argparse.Namespace(lr=0.1), 'w': torch.zeros(2)}, d + '/unsafe.pt')
st = {'a.weight': torch.randn(3, 4), 'b.half': torch.randn(5).half(), 'c.bf16': torch.randn(3).bfloat16(), 'd.long': torch.arange(3),
      'e.bool': torch.tensor([True, False, False]), 'f.u8': torch.arange(7, dtype=torch.uint8), 'g.i8': torch.tensor([-1], dtype=torch.int8),
      'h.i16': torch.tensor([2], dtype=torch.int16), 'i.i32': torch.tensor([3], dtype=torch.int32), 'j.f64': torch.randn(2, dtype=torch.float64),
      'k.scalar': torch.tensor(1.5)}
st_save(d + '/py.safetensors', st, {'mean': '[0.1, 0.2]', 'arch': 'resnet18'})
out = {}
for name, obj in [('r18_dict', sd), ('r18_od', sd), ('odd', odd), ('st', st)]:
    out[name] = {k: describe(v) for k, v in obj.items()}
print(json.dumps(out))
`;

// Python checks the files we wrote.
const PY_CHECK = PY_COMMON + String.raw`
d = sys.argv[1]
ref = torch.load(d + '/r18_od.pt')
res = {}
for name in ['ts_sd', 'ts_od']:
    a = torch.load(d + '/' + name + '.pt')
    b = torch.load(d + '/' + name + '.pt', weights_only=True)
    m = torchvision.models.resnet18()
    m.load_state_dict(b, strict=True)
    res[name] = {'type': type(b).__name__, 'keys': list(b) == list(ref),
                 'equal': all(torch.equal(b[k], ref[k]) and torch.equal(a[k], ref[k]) and b[k].dtype == ref[k].dtype for k in ref),
                 'model_equal': all(torch.equal(v, ref[k]) for k, v in m.state_dict().items())}
odd = torch.load(d + '/odd.pt')
b = torch.load(d + '/ts_odd.pt', weights_only=True)
res['ts_odd'] = {k: bool(b[k].dtype == odd[k].dtype and b[k].shape == odd[k].shape and torch.equal(b[k], odd[k].detach())) for k in odd}
state = torch.load(d + '/ts_state.pt')
res['ts_state'] = {'epoch': state['epoch'], 'lr': state['lr'], 'history': state['history'], 'name': state['name'], 'big': str(state['big']),
                   'model_type': type(state['model']).__name__, 'model_equal': all(torch.equal(state['model'][k], ref[k]) for k in ref),
                   'nested': state['nested']}
st, meta = st_load(d + '/ts.safetensors')
m = torchvision.models.resnet18(); m.load_state_dict(st, strict=True)
res['ts_safetensors'] = {'keys': list(st) == list(ref), 'equal': all(torch.equal(st[k], ref[k]) and st[k].dtype == ref[k].dtype for k in ref), 'meta': meta}
st2, _ = st_load(d + '/ts_odd.safetensors')
res['ts_odd_safetensors'] = {k: bool(torch.equal(st2[k], odd[k].detach())) for k in odd if k not in ('shared_a', 'shared_b')}
print(json.dumps(res))
`;

interface Desc { dtype: string; shape: number[]; sha256: string }
const sha = (t: StoredTensor) => createHash('sha256').update(t.data).digest('hex');
const describe = (t: StoredTensor): Desc => ({ dtype: t.dtype, shape: t.shape, sha256: sha(t) });

let dir = '';
let cleanup = () => {};
let expected: Record<string, Record<string, Desc>> = {};

before(() => {
  if (skip) return;
  ({ dir, cleanup } = tempDir('hpaic-weights-'));
  expected = JSON.parse(runPython(PY_WRITE, [dir]));
});
after(() => cleanup());

function assertSameTensors(got: Map<PickleValue, PickleValue>, want: Record<string, Desc>, what: string) {
  assert.deepEqual([...got.keys()], Object.keys(want), `${what}: keys and their order`);
  for (const [k, v] of got) {
    assert.ok(isStoredTensor(v), `${what}[${String(k)}] is a tensor`);
    assert.deepEqual(describe(v), want[k as string], `${what}[${String(k)}]`);
  }
}

test('reads torch.save(dict(resnet18.state_dict())) with identical bytes', { skip }, () => {
  const v = readTorchFile(join(dir, 'r18_dict.pt'));
  assert.ok(v instanceof Map && !(v instanceof OrderedDict), 'a plain dict');
  assertSameTensors(v, expected.r18_dict, 'r18_dict');
  assert.equal(expected.r18_dict['bn1.num_batches_tracked'].dtype, 'int64');
  assert.deepEqual(readStateDict(join(dir, 'r18_dict.pt')), v);
});

test('reads torch.save(model.state_dict()) (an OrderedDict with _metadata)', { skip }, () => {
  const v = readTorchFile(join(dir, 'r18_od.pt'));
  assert.ok(v instanceof OrderedDict);
  assertSameTensors(v, expected.r18_od, 'r18_od');
});

test('readStateDict unwraps {"model": sd, "epoch": 3} and strips DataParallel "module." prefixes', { skip }, () => {
  const whole = readTorchFile(join(dir, 'wrapped.pt')) as Map<PickleValue, PickleValue>;
  assert.equal(whole.get('epoch'), 3);
  assertSameTensors(readStateDict(join(dir, 'wrapped.pt')), expected.r18_od, 'wrapped');
  assertSameTensors(readStateDict(join(dir, 'wrapped.pt'), { key: 'model' }), expected.r18_od, 'wrapped by key');
  const dp = readStateDict(join(dir, 'dp.pt'));
  assert.deepEqual([...dp.keys()], Object.keys(expected.r18_od).slice(0, 5));
  assert.throws(() => readStateDict(join(dir, 'wrapped.pt'), { key: 'optimizer' }), {
    name: 'CheckpointError',
    message: `${join(dir, 'wrapped.pt')}: the checkpoint has no top-level key 'optimizer' (it has "model", "epoch")`,
  });
});

test('reads views, offsets, strides, shared storages, parameters and every dtype (protocols 2 and 4, deflated)', { skip }, () => {
  for (const file of ['odd.pt', 'odd_p4.pt', 'odd_deflated.pt']) {
    const v = readTorchFile(join(dir, file)) as Map<PickleValue, PickleValue>;
    assertSameTensors(v, expected.odd, file);
    // Tensors that share a storage must not share bytes in our records.
    assert.notEqual((v.get('shared_a') as StoredTensor).data.buffer, (v.get('shared_b') as StoredTensor).data.buffer);
  }
});

test('reads plain Python values', { skip }, () => {
  const v = readTorchFile(join(dir, 'plain.pt'));
  assert.deepEqual(v, new Map<PickleValue, PickleValue>([
    ['lr', 0.1], ['n', [1, 2, [3, 'a']]], ['big', 2n ** 70n], ['neg', -3], ['negbig', -(2 ** 40)], ['s', 'hé'], ['none', null],
    ['t', true], ['bytes', Uint8Array.from([0, 255])], ['set', [5]], ['ints', new Map([[0, 'zero']])],
  ]));
});

test('our torch files load in PyTorch (weights_only=True, strict load_state_dict) with identical values', { skip }, () => {
  const sd = readStateDict(join(dir, 'r18_od.pt'));
  writeTorchFile(join(dir, 'ts_sd.pt'), sd);
  writeTorchFile(join(dir, 'ts_od.pt'), new OrderedDict(sd));
  writeTorchFile(join(dir, 'ts_odd.pt'), readTorchFile(join(dir, 'odd.pt')));
  writeTorchFile(join(dir, 'ts_state.pt'), {
    model: new OrderedDict(sd), epoch: 3, lr: 0.001, history: [0.5, 0.25], name: 'resnet18', big: 2n ** 70n, nested: { a: [1, { b: null }] },
  });
  writeSafetensors(join(dir, 'ts.safetensors'), sd, { mean: '[0.1, 0.2, 0.3, 0.4]' });
  const odd = readTorchFile(join(dir, 'odd.pt')) as Map<string, StoredTensor>;
  odd.delete('shared_a');
  odd.delete('shared_b');
  writeSafetensors(join(dir, 'ts_odd.safetensors'), odd);
  const r = JSON.parse(runPython(PY_CHECK, [dir]));
  const ok = { keys: true, equal: true, model_equal: true };
  assert.deepEqual(r.ts_sd, { type: 'dict', ...ok });
  assert.deepEqual(r.ts_od, { type: 'OrderedDict', ...ok });
  assert.deepEqual(r.ts_odd, Object.fromEntries(Object.keys(expected.odd).map((k) => [k, true])));
  assert.deepEqual(r.ts_state, {
    epoch: 3, lr: 0.001, history: [0.5, 0.25], name: 'resnet18', big: String(2n ** 70n), model_type: 'OrderedDict', model_equal: true, nested: { a: [1, { b: null }] },
  });
  assert.deepEqual(r.ts_safetensors, { keys: true, equal: true, meta: { mean: '[0.1, 0.2, 0.3, 0.4]' } });
  assert.deepEqual(r.ts_odd_safetensors, Object.fromEntries([...odd.keys()].map((k) => [k, true])));
});

test('safetensors written by plain Python read identically, and round-trip TS → TS', { skip }, () => {
  const { tensors, metadata } = readSafetensors(join(dir, 'py.safetensors'));
  assert.deepEqual(metadata, { mean: '[0.1, 0.2]', arch: 'resnet18' });
  assert.deepEqual(new Set(tensors.keys()), new Set(Object.keys(expected.st)));
  for (const [k, t] of tensors) assert.deepEqual(describe(t), expected.st[k], k);
  writeSafetensors(join(dir, 'again.safetensors'), tensors, metadata);
  const again = readSafetensors(join(dir, 'again.safetensors'));
  assert.deepEqual(again.metadata, metadata);
  assert.deepEqual(again.tensors, tensors);
});

test('errors: truncated, damaged, legacy, TorchScript and unsafe files are refused with exact messages', { skip }, () => {
  const good = readFileSync(join(dir, 'r18_od.pt'));
  const cut = join(dir, 'cut.pt');
  writeFileSync(cut, good.subarray(0, good.length >> 1));
  assert.throws(() => readTorchFile(cut), (e: unknown) => {
    assert.ok(e instanceof CheckpointError);
    assert.equal(e.message, `${cut}: not a zip archive, or a truncated one: no end-of-central-directory record in the last 65577 bytes (file size ${good.length >> 1})`);
    return true;
  });
  // A flipped byte inside a tensor record is caught by the CRC.
  const flipped = Buffer.from(good);
  flipped[good.length >> 1] ^= 0xff;
  writeFileSync(join(dir, 'flipped.pt'), flipped);
  assert.throws(() => readTorchFile(join(dir, 'flipped.pt')), /fails its CRC-32 check \(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}; corrupt archive\)/);

  const legacy = join(dir, 'legacy.pt');
  assert.throws(() => readStateDict(legacy), {
    name: 'CheckpointError',
    message: `${legacy}: this is a legacy (pre-1.6, non-zip) PyTorch checkpoint, which hpaic cannot read; convert it in Python (PyTorch ≥ 1.6): torch.save(torch.load(f), f2), then load f2`,
  });

  const unsafe = join(dir, 'unsafe.pt');
  assert.throws(() => readStateDict(unsafe), (e: unknown) => {
    assert.ok(e instanceof CheckpointError);
    assert.equal(e.message, `${unsafe} (unsafe/data.pkl): refusing to load the Python global 'argparse.Namespace': hpaic loads only tensors, state dicts and plain values (like torch.load(weights_only=True))`);
    assert.equal(e.hint, 'in Python, re-save just the weights: torch.save(model.state_dict(), path)');
    return true;
  });

  const script = join(dir, 'script.pt');
  assert.throws(() => readStateDict(script), (e: unknown) => {
    assert.ok(e instanceof CheckpointError);
    assert.equal(e.message, `${script}: this is a TorchScript archive (torch.jit.save), not a torch.save checkpoint`);
    assert.equal(e.hint, 'in Python: torch.save(torch.jit.load(f).state_dict(), f2)');
    return true;
  });

  const st = readFileSync(join(dir, 'py.safetensors'));
  const stCut = join(dir, 'cut.safetensors');
  writeFileSync(stCut, st.subarray(0, st.length - 10));
  const headerLen = Number(st.readBigUInt64LE(0));
  assert.throws(() => readSafetensors(stCut), {
    name: 'CheckpointError',
    message: `${stCut}: truncated safetensors file: the tensors need ${st.length - 8 - headerLen} data bytes but the file has ${st.length - 18 - headerLen}`,
  });
});
