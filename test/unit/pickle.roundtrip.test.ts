// The restricted unpickler and the torch.save-style pickler, without Python: round trips of every value kind
// the writer accepts, and refusals (globals, opcodes, damage) with exact messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OrderedDict, pickleTorch, unpickle, type PickleInput, type PickleValue } from '../../src/io/weights/pickle.js';
import type { StoredTensor } from '../../src/io/weights/StoredTensor.js';
import { CheckpointError } from '../../src/errors.js';

function roundTrip(v: PickleInput): PickleValue {
  const { pickle, storages } = pickleTorch(v);
  const byKey = new Map(storages.map((s) => [s.key, s.tensor.data]));
  return unpickle(pickle, { source: 'mem', loadStorage: (key) => byKey.get(key)! });
}

const f32 = (values: number[], shape = [values.length]): StoredTensor => ({ dtype: 'float32', shape, data: new Uint8Array(Float32Array.from(values).buffer) });

test('plain values round-trip: ints of every width, floats, strings, bytes, containers', () => {
  const ints = [0, 1, 255, 256, 65535, 65536, -1, -256, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER];
  const big = [2n ** 53n + 2n, -(2n ** 70n), 2n ** 63n];
  const v = new Map<PickleValue, PickleValue>([
    ['ints', ints],
    ['big', big],
    ['floats', [0.5, -0, 1e300, -Infinity, 3.25e-310]],
    ['text', ['', 'hé ✓ 漢字', 'a\nb']],
    ['misc', [null, true, false, Uint8Array.from([0, 1, 254, 255])]],
    [7, new Map<PickleValue, PickleValue>([[1.5, 'float key'], [null, 'none key']])],
    ['nested', [[[]], new Map()]],
  ]);
  assert.deepEqual(roundTrip(v), v);
  assert.ok(Number.isNaN(roundTrip(NaN) as number));
  assert.ok(Object.is(roundTrip(-0), -0));
});

test('plain objects become dicts, OrderedDicts stay OrderedDicts, array keys become tuples', () => {
  const od = new OrderedDict<PickleInput, PickleInput>([['b', 1], ['a', 2]]);
  const got = roundTrip({ x: { y: [1, 'z'] }, od, t: new Map<PickleInput, PickleInput>([[[1, 2], 'tuple key']]) }) as Map<PickleValue, PickleValue>;
  assert.deepEqual(got.get('x'), new Map([['y', [1, 'z']]]));
  assert.ok(got.get('od') instanceof OrderedDict);
  assert.deepEqual([...(got.get('od') as Map<PickleValue, PickleValue>)], [['b', 1], ['a', 2]]);
  assert.deepEqual([...(got.get('t') as Map<PickleValue, PickleValue>).keys()], [[1, 2]]);
});

test('tensors round-trip; one object written twice shares one storage (tied weights)', () => {
  const w = f32([1, 2, 3, 4, 5, 6], [2, 3]);
  const scalar: StoredTensor = { dtype: 'int64', shape: [], data: new Uint8Array(8).fill(1) };
  const empty: StoredTensor = { dtype: 'bool', shape: [0, 4], data: new Uint8Array(0) };
  const { storages } = pickleTorch({ w, tied: w, scalar, empty });
  assert.deepEqual(storages.map((s) => s.key), ['0', '1', '2']);
  const back = roundTrip({ w, tied: w, scalar, empty }) as Map<PickleValue, PickleValue>;
  assert.deepEqual(back.get('w'), w);
  assert.deepEqual(back.get('tied'), w);
  assert.deepEqual(back.get('scalar'), scalar);
  assert.deepEqual(back.get('empty'), empty);
  assert.notEqual((back.get('w') as StoredTensor).data, (back.get('tied') as StoredTensor).data, 'shared storages are copied apart');
});

test('more than 1000 entries are batched and still round-trip; 300 globals/strings use long memo indices', () => {
  const m = new Map<PickleValue, PickleValue>();
  for (let i = 0; i < 2500; i++) m.set(`k${i}`, i);
  assert.deepEqual(roundTrip(m), m);
  const tensors = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`t${i}`, f32([i])]));
  const back = roundTrip(tensors) as Map<PickleValue, PickleValue>;
  assert.deepEqual(back.get('t299'), f32([299]));
});

test('the writer refuses what a checkpoint cannot hold, naming where it is', () => {
  const cyc: Record<string, PickleInput> = {};
  (cyc as Record<string, unknown>).self = cyc;
  assert.throws(() => pickleTorch(cyc), { name: 'CheckpointError', message: 'cannot save ["self"]: it contains itself' });
  assert.throws(() => pickleTorch({ a: [(() => 1) as unknown as PickleInput] }), { message: 'cannot save ["a"][0]: a function is not a value a checkpoint can hold' });
  assert.throws(() => pickleTorch({ d: new Date() as unknown as PickleInput }), { message: 'cannot save ["d"]: a Date is not a value a checkpoint can hold' });
  assert.throws(() => pickleTorch({ w: { dtype: 'float32', shape: [2, 2], data: new Uint8Array(12) } }), {
    message: 'cannot save the tensor at ["w"]: float32 [2, 2] needs 16 bytes but data has 12',
  });
});

const bytes = (...parts: (number[] | string)[]) => Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...Buffer.from(p, 'latin1')] : p)));

test('the reader refuses globals outside the allow-list (GLOBAL and STACK_GLOBAL)', () => {
  const viaGlobal = bytes([0x80, 2], 'cposix\nsystem\n', [0x2e]);
  assert.throws(() => unpickle(viaGlobal, { source: 'x.pt (x/data.pkl)' }), (e: unknown) => {
    assert.ok(e instanceof CheckpointError);
    assert.equal(e.message, "x.pt (x/data.pkl): refusing to load the Python global 'posix.system': hpaic loads only tensors, state dicts and plain values (like torch.load(weights_only=True))");
    return true;
  });
  const viaStack = bytes([0x80, 4, 0x8c, 8], 'builtins', [0x94, 0x8c, 4], 'eval', [0x94, 0x93, 0x2e]);
  assert.throws(() => unpickle(viaStack, { source: 's' }), { message: "s: refusing to load the Python global 'builtins.eval': hpaic loads only tensors, state dicts and plain values (like torch.load(weights_only=True))" });
  // An allowed name that is not callable cannot be called.
  const callStorage = bytes([0x80, 2], 'ctorch\nFloatStorage\n', [0x29, 0x52, 0x2e]);
  assert.throws(() => unpickle(callStorage, { source: 's' }), { message: "s: the pickle calls 'torch.FloatStorage', which is not an allowed function" });
  const complex = bytes([0x80, 2], 'ctorch\nComplexFloatStorage\n', [0x2e]);
  assert.throws(() => unpickle(complex, { source: 's' }), /tensors stored as torch.ComplexFloatStorage are not supported/);
});

test('the reader refuses damage and unknown opcodes with the byte position', () => {
  assert.throws(() => unpickle(bytes([0x80, 2, 0x58, 10, 0, 0, 0], 'abc'), { source: 's' }), {
    message: 's: the pickle ends early at byte 10 (needed 10 more bytes at byte 7); the file is truncated or damaged',
  });
  assert.throws(() => unpickle(bytes([0x80, 2, 0x49], '1\n', [0x2e]), { source: 's' }), {
    message: 's: unsupported pickle opcode 0x49 at byte 2 (hpaic reads the protocol 2–5 opcodes torch.save writes)',
  });
  assert.throws(() => unpickle(bytes([0x80, 6, 0x2e]), { source: 's' }), { message: 's: pickle protocol 6 is newer than the protocols 2–5 hpaic reads' });
  assert.throws(() => unpickle(bytes([0x80, 2, 0x68, 3, 0x2e]), { source: 's' }), { message: 's: the pickle refers to memo entry 3, which was never stored; the file is damaged' });
  assert.throws(() => unpickle(bytes([0x80, 2, 0x4e, 0x4e, 0x61, 0x2e]), { source: 's' }), { message: 's: the pickle adds items to a None where a list was expected (byte 4)' });
});

test('a list that contains itself (memo reference) loads without looping', () => {
  // EMPTY_LIST, BINPUT 0, BINGET 0, APPEND, STOP: l = []; l.append(l)
  const v = unpickle(bytes([0x80, 2, 0x5d, 0x71, 0, 0x68, 0, 0x61, 0x2e]), { source: 's' }) as PickleValue[];
  assert.equal(v[0], v);
});

test('protocol 4/5 opcodes: FRAME, MEMOIZE, SHORT_BINUNICODE, BINBYTES, sets', () => {
  // {'a': {1, 2}, 'b': b'\x09\x08'} as protocol 4 writes it
  const v = unpickle(bytes([0x80, 4, 0x95, 0, 0, 0, 0, 0, 0, 0, 0, 0x7d, 0x94, 0x28, 0x8c, 1], 'a', [0x94, 0x8f, 0x94, 0x28, 0x4b, 1, 0x4b, 2, 0x90, 0x8c, 1], 'b', [0x43, 2, 9, 8, 0x75, 0x2e]), { source: 's' });
  assert.deepEqual(v, new Map<PickleValue, PickleValue>([['a', [1, 2]], ['b', Uint8Array.from([9, 8])]]));
});
