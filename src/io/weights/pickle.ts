/**
 * The subset of Python's pickle that PyTorch checkpoints use, without Python. Reading is restricted the way
 * `torch.load(weights_only=True)` is: only allow-listed globals (tensor rebuilders, storage types,
 * OrderedDict, a few builtins) can be named, so a checkpoint can never run code. Writing produces exactly what
 * `torch.save` (protocol 2) writes for dicts of tensors and plain values, which torch 1.13's weights_only
 * unpickler accepts (it knows only protocol-2 opcodes: no FRAME, STACK_GLOBAL or SHORT_BINUNICODE).
 */
import { CheckpointError } from '../../errors.js';
import { DTYPE_SIZE, isStoredTensor, numelOf, storedTensorProblem, type StoredDType, type StoredTensor } from './StoredTensor.js';

/** A Python value as the reader returns it: tuples, lists and sets become arrays; dicts become Maps. */
export type PickleValue = null | boolean | number | bigint | string | Uint8Array | StoredTensor | PickleValue[] | Map<PickleValue, PickleValue>;

/** What the writer accepts: PickleValue plus plain objects (written as dicts with string keys). */
export type PickleInput =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | StoredTensor
  | readonly PickleInput[]
  | ReadonlyMap<PickleInput, PickleInput>
  | { readonly [key: string]: PickleInput };

/**
 * A Python `collections.OrderedDict` (what `model.state_dict()` returns). The reader returns one for every
 * OrderedDict in the file; the writer writes an instance as an OrderedDict and any other Map as a plain dict.
 */
export class OrderedDict<K = PickleValue, V = PickleValue> extends Map<K, V> {}

/** Loads the bytes of storage `key` (a `data/<key>` record) holding at least `byteLength` bytes. */
export type StorageLoader = (key: string, byteLength: number) => Uint8Array;

const STORAGE_DTYPES: Record<string, StoredDType> = {
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};
const DTYPE_STORAGE = Object.fromEntries(Object.entries(STORAGE_DTYPES).map(([k, v]) => [v, k])) as Record<StoredDType, string>;
const TORCH_DTYPES: Record<string, StoredDType> = {
  float32: 'float32', float: 'float32', float64: 'float64', double: 'float64', float16: 'float16', half: 'float16',
  bfloat16: 'bfloat16', int64: 'int64', long: 'int64', int32: 'int32', int: 'int32', int16: 'int16', short: 'int16',
  int8: 'int8', uint8: 'uint8', bool: 'bool',
};
const UNSUPPORTED_STORAGES = /^(Complex\w*|QU?Int\w*|ComplexHalf|Bits\w*|UInt(16|32|64)|Float8\w*)Storage$/;

// ---------------------------------------------------------------------------------------------- reading

/** A named Python global on the unpickler's stack. `dtype` marks storage types; `call` marks callables. */
class Global {
  constructor(
    readonly path: string,
    readonly call?: (args: unknown[]) => unknown,
    readonly dtype?: StoredDType | 'untyped',
  ) {}
}

/** The storage a persistent id resolved to: its bytes and element type. `claimed` once a tensor owns them. */
class Storage {
  claimed = false;
  constructor(readonly key: string, readonly dtype: StoredDType | 'untyped', readonly bytes: Uint8Array) {}
}

export interface UnpickleOptions {
  /** Names the pickle in messages, e.g. `model.pt (archive/data.pkl)`. */
  source: string;
  /** Loads `data/<key>` records for persistent storage ids; absent → persistent ids are refused. */
  loadStorage?: StorageLoader;
}

/**
 * Unpickle `bytes` (protocol 2–5) allowing only the globals that PyTorch checkpoints need. Tensors come out
 * as contiguous StoredTensors (views of one storage become separate copies). Throws CheckpointError naming
 * the source and the refused global, opcode or damaged byte.
 */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions): PickleValue {
  return new Unpickler(bytes, options).load() as PickleValue;
}

class Unpickler {
  private pos = 0;
  private readonly view: DataView;
  private stack: unknown[] = [];
  private readonly metastack: unknown[][] = [];
  private readonly memo = new Map<number, unknown>();
  private readonly storages = new Map<string, Storage>();
  /** Bytes copied out of storages for views (bounded, see rebuildTensor). */
  private copied = 0;
  private readonly globals: Record<string, () => Global>;

  constructor(private readonly bytes: Uint8Array, private readonly options: UnpickleOptions) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.globals = this.allowedGlobals();
  }

  private fail(message: string, hint?: string): never {
    throw new CheckpointError(`${this.options.source}: ${message}`, hint ? { hint } : undefined);
  }

  private need(n: number): number {
    // A negative or absurd length (BINSTRING of −5) would move the cursor backwards and loop forever.
    if (!Number.isSafeInteger(n) || n < 0) this.fail(`a length of ${n} bytes at byte ${this.pos} is impossible; the file is damaged`);
    if (this.pos + n > this.bytes.length) this.fail(`the pickle ends early at byte ${this.bytes.length} (needed ${n} more bytes at byte ${this.pos}); the file is truncated or damaged`);
    const at = this.pos;
    this.pos += n;
    return at;
  }
  private u8(): number { return this.bytes[this.need(1)]; }
  private u16(): number { return this.view.getUint16(this.need(2), true); }
  private u32(): number { return this.view.getUint32(this.need(4), true); }
  private i32(): number { return this.view.getInt32(this.need(4), true); }
  private u64(): number {
    const v = this.view.getBigUint64(this.need(8), true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`a length of ${v} bytes is impossible; the file is damaged`);
    return Number(v);
  }
  private take(n: number): Uint8Array { const at = this.need(n); return this.bytes.subarray(at, at + n); }
  private line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) this.fail(`the pickle ends early inside a text line at byte ${this.pos}; the file is truncated or damaged`);
    const s = Buffer.from(this.bytes.buffer, this.bytes.byteOffset + this.pos, end - this.pos).toString('utf8');
    this.pos = end + 1;
    return s;
  }
  private text(n: number): string {
    const b = this.take(n);
    return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
  }
  private pop(): unknown {
    if (this.stack.length === 0) this.fail(`the pickle pops an empty stack at byte ${this.pos - 1}; the file is damaged`);
    return this.stack.pop();
  }
  private top(): unknown {
    if (this.stack.length === 0) this.fail(`the pickle reads an empty stack at byte ${this.pos - 1}; the file is damaged`);
    return this.stack[this.stack.length - 1];
  }
  private popMark(): unknown[] {
    const items = this.stack;
    const prev = this.metastack.pop();
    if (!prev) this.fail(`the pickle has no MARK for the opcode at byte ${this.pos - 1}; the file is damaged`);
    this.stack = prev;
    return items;
  }
  private memoGet(i: number): unknown {
    if (!this.memo.has(i)) this.fail(`the pickle refers to memo entry ${i}, which was never stored; the file is damaged`);
    return this.memo.get(i);
  }
  private container<T>(want: 'list' | 'dict' | 'set', v: unknown): T {
    const ok = want === 'dict' ? v instanceof Map : Array.isArray(v);
    if (!ok) this.fail(`the pickle adds items to a ${describe(v)} where a ${want} was expected (byte ${this.pos - 1})`);
    return v as T;
  }

  load(): unknown {
    for (;;) {
      const op = this.u8();
      switch (op) {
        case 0x80: { // PROTO
          const proto = this.u8();
          if (proto > 5) this.fail(`pickle protocol ${proto} is newer than the protocols 2–5 hpaic reads`);
          break;
        }
        case 0x95: this.need(8); break; // FRAME: framing is only a read-ahead hint
        case 0x2e: { // STOP
          const v = this.pop();
          return this.finish(v);
        }
        case 0x28: this.metastack.push(this.stack); this.stack = []; break; // MARK
        case 0x30: this.pop(); break; // POP
        case 0x31: this.popMark(); break; // POP_MARK
        case 0x32: this.stack.push(this.top()); break; // DUP
        case 0x4e: this.stack.push(null); break; // NONE
        case 0x88: this.stack.push(true); break; // NEWTRUE
        case 0x89: this.stack.push(false); break; // NEWFALSE
        case 0x4a: this.stack.push(this.i32()); break; // BININT
        case 0x4b: this.stack.push(this.u8()); break; // BININT1
        case 0x4d: this.stack.push(this.u16()); break; // BININT2
        case 0x8a: this.stack.push(decodeLong(this.take(this.u8()))); break; // LONG1
        case 0x8b: { // LONG4
          const n = this.i32();
          if (n < 0) this.fail(`LONG4 has a negative length at byte ${this.pos - 4}`);
          // Decoding is quadratic in the length; no checkpoint holds an integer of more than a few bytes.
          if (n > MAX_LONG_BYTES) this.fail(`LONG4 at byte ${this.pos - 5} holds a ${n}-byte integer, more than the ${MAX_LONG_BYTES} bytes hpaic reads`);
          this.stack.push(decodeLong(this.take(n)));
          break;
        }
        case 0x47: this.stack.push(this.view.getFloat64(this.need(8), false)); break; // BINFLOAT (big-endian)
        case 0x58: this.stack.push(this.text(this.u32())); break; // BINUNICODE
        case 0x8c: this.stack.push(this.text(this.u8())); break; // SHORT_BINUNICODE
        case 0x8d: this.stack.push(this.text(this.u64())); break; // BINUNICODE8
        case 0x55: this.stack.push(latin1(this.take(this.u8()))); break; // SHORT_BINSTRING (Python 2 str)
        case 0x54: this.stack.push(latin1(this.take(this.i32()))); break; // BINSTRING
        case 0x43: this.stack.push(this.take(this.u8()).slice()); break; // SHORT_BINBYTES
        case 0x42: this.stack.push(this.take(this.u32()).slice()); break; // BINBYTES
        case 0x8e: this.stack.push(this.take(this.u64()).slice()); break; // BINBYTES8
        case 0x96: this.stack.push(this.take(this.u64()).slice()); break; // BYTEARRAY8
        case 0x29: this.stack.push([]); break; // EMPTY_TUPLE
        case 0x74: { const items = this.popMark(); this.stack.push(items); break; } // TUPLE
        case 0x85: this.stack.push([this.pop()]); break; // TUPLE1
        case 0x86: { const b = this.pop(); const a = this.pop(); this.stack.push([a, b]); break; } // TUPLE2
        case 0x87: { const c = this.pop(); const b = this.pop(); const a = this.pop(); this.stack.push([a, b, c]); break; } // TUPLE3
        case 0x5d: this.stack.push([]); break; // EMPTY_LIST
        case 0x6c: { const items = this.popMark(); this.stack.push(items); break; } // LIST
        case 0x61: { const v = this.pop(); this.container<unknown[]>('list', this.top()).push(v); break; } // APPEND
        case 0x65: { const items = this.popMark(); appendAll(this.container<unknown[]>('list', this.top()), items); break; } // APPENDS
        case 0x7d: this.stack.push(new Map()); break; // EMPTY_DICT
        case 0x64: { // DICT
          const items = this.popMark();
          const d = new Map();
          for (let i = 0; i + 1 < items.length; i += 2) d.set(items[i], items[i + 1]);
          this.stack.push(d);
          break;
        }
        case 0x73: { const v = this.pop(); const k = this.pop(); this.container<Map<unknown, unknown>>('dict', this.top()).set(k, v); break; } // SETITEM
        case 0x75: { // SETITEMS
          const items = this.popMark();
          const d = this.container<Map<unknown, unknown>>('dict', this.top());
          for (let i = 0; i + 1 < items.length; i += 2) d.set(items[i], items[i + 1]);
          break;
        }
        case 0x8f: this.stack.push([]); break; // EMPTY_SET (sets become arrays)
        case 0x90: { const items = this.popMark(); appendAll(this.container<unknown[]>('set', this.top()), items); break; } // ADDITEMS
        case 0x91: { const items = this.popMark(); this.stack.push(items); break; } // FROZENSET
        case 0x63: { const module = this.line(); const name = this.line(); this.stack.push(this.global(module, name)); break; } // GLOBAL
        case 0x93: { // STACK_GLOBAL
          const name = this.pop();
          const module = this.pop();
          if (typeof module !== 'string' || typeof name !== 'string') this.fail(`STACK_GLOBAL needs two strings at byte ${this.pos - 1}`);
          this.stack.push(this.global(module, name));
          break;
        }
        case 0x52: { // REDUCE
          const args = this.pop();
          const fn = this.pop();
          this.stack.push(this.call(fn, args));
          break;
        }
        case 0x81: { // NEWOBJ
          const args = this.pop();
          const cls = this.pop();
          this.stack.push(this.call(cls, args));
          break;
        }
        case 0x62: { // BUILD
          const state = this.pop();
          const obj = this.top();
          // OrderedDict state is its __dict__ (state_dict `_metadata`: version numbers for old layouts); a
          // tensor's is Parameter state. Neither changes the weights, so both are dropped.
          if (!(obj instanceof Map) && !isStoredTensor(obj)) this.fail(`the pickle sets the state of a ${describe(obj)} (only OrderedDicts and tensors are allowed)`);
          void state;
          break;
        }
        case 0x51: { const pid = this.pop(); this.stack.push(this.persistentLoad(pid)); break; } // BINPERSID
        case 0x68: this.stack.push(this.memoGet(this.u8())); break; // BINGET
        case 0x6a: this.stack.push(this.memoGet(this.u32())); break; // LONG_BINGET
        case 0x71: this.memo.set(this.u8(), this.top()); break; // BINPUT
        case 0x72: this.memo.set(this.u32(), this.top()); break; // LONG_BINPUT
        case 0x94: this.memo.set(this.memo.size, this.top()); break; // MEMOIZE
        case 0x97: case 0x98: // NEXT_BUFFER / READONLY_BUFFER
          this.fail('the pickle uses out-of-band buffers (protocol 5), which torch.save never writes');
          break;
        default:
          this.fail(`unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')} at byte ${this.pos - 1} (hpaic reads the protocol 2–5 opcodes torch.save writes)`);
      }
    }
  }

  private finish(v: unknown): unknown {
    // Anything left that is not plain data (a bare global, a storage) is outside what a checkpoint may return.
    // Iterative with a visited set: memo references can make containers deep or even cyclic.
    const seen = new Set<unknown>();
    const todo: [unknown, string][] = [[v, '']];
    while (todo.length > 0) {
      const [x, path] = todo.pop()!;
      if (x instanceof Global) this.fail(`${path || 'the top level'} is the Python object ${x.path}, not a value hpaic can load`);
      if (x instanceof Storage) this.fail(`${path || 'the top level'} is a bare storage, not a tensor; save tensors instead`);
      if (typeof x !== 'object' || x === null || seen.has(x)) continue;
      seen.add(x);
      if (Array.isArray(x)) x.forEach((e, i) => todo.push([e, `${path}[${i}]`]));
      else if (x instanceof Map) for (const [k, e] of x) todo.push([e, `${path}[${JSON.stringify(String(k))}]`]);
    }
    return v;
  }

  private global(module: string, name: string): Global {
    const path = `${module}.${name}`;
    if (Object.hasOwn(this.globals, path)) return this.globals[path]();
    if (module === 'torch' || module === 'torch.cuda') {
      const dtype = STORAGE_DTYPES[name];
      if (dtype) return new Global(path, undefined, dtype);
      if (UNSUPPORTED_STORAGES.test(name)) this.fail(`tensors stored as ${path} are not supported (hpaic reads ${Object.values(STORAGE_DTYPES).join(', ')})`);
    }
    if (module === 'torch' && TORCH_DTYPES[name]) return new Global(path, undefined, TORCH_DTYPES[name]);
    return this.fail(
      `refusing to load the Python global '${path}': hpaic loads only tensors, state dicts and plain values (like torch.load(weights_only=True))`,
      `in Python, re-save just the weights: torch.save(model.state_dict(), path)`,
    );
  }

  private call(fn: unknown, args: unknown): unknown {
    if (!(fn instanceof Global) || !fn.call) this.fail(`the pickle calls ${fn instanceof Global ? `'${fn.path}'` : `a ${describe(fn)}`}, which is not an allowed function`);
    if (!Array.isArray(args)) this.fail(`the arguments of '${fn.path}' are a ${describe(args)}, not a tuple`);
    return fn.call(args);
  }

  private allowedGlobals(): Record<string, () => Global> {
    const g = (path: string, call: (args: unknown[]) => unknown) => () => new Global(path, call);
    const odict = g('collections.OrderedDict', (args) => {
      const d = new OrderedDict<unknown, unknown>();
      if (Array.isArray(args[0])) for (const kv of args[0]) if (Array.isArray(kv) && kv.length === 2) d.set(kv[0], kv[1]);
      return d;
    });
    const set = (path: string) => g(path, (args) => (Array.isArray(args[0]) ? [...args[0]] : []));
    const codecsEncode = g('_codecs.encode', (args) => {
      // Protocol 2 writes Python 3 bytes as _codecs.encode(latin-1 text, 'latin1').
      if (typeof args[0] !== 'string') this.fail(`_codecs.encode expects a string, got a ${describe(args[0])}`);
      return Uint8Array.from(Buffer.from(args[0], 'latin1'));
    });
    const v2 = (path: string) => g(path, (a) => this.rebuildTensor(a[0], a[1], a[2], a[3], path));
    const v3 = g('torch._utils._rebuild_tensor_v3', (a) => this.rebuildTensor(a[0], a[1], a[2], a[3], 'torch._utils._rebuild_tensor_v3', a[6]));
    const param = (path: string) => g(path, (a) => {
      if (!isStoredTensor(a[0])) this.fail(`${path} expects a tensor, got a ${describe(a[0])}`);
      return a[0];
    });
    const untyped = (path: string) => () => new Global(path, undefined, 'untyped');
    return {
      'collections.OrderedDict': odict,
      'builtins.set': set('builtins.set'),
      'builtins.frozenset': set('builtins.frozenset'),
      '__builtin__.set': set('__builtin__.set'),
      '__builtin__.frozenset': set('__builtin__.frozenset'),
      '_codecs.encode': codecsEncode,
      'torch._utils._rebuild_tensor': v2('torch._utils._rebuild_tensor'),
      'torch._utils._rebuild_tensor_v2': v2('torch._utils._rebuild_tensor_v2'),
      'torch._utils._rebuild_tensor_v3': v3,
      'torch._utils._rebuild_parameter': param('torch._utils._rebuild_parameter'),
      'torch._utils._rebuild_parameter_with_state': param('torch._utils._rebuild_parameter_with_state'),
      'torch.UntypedStorage': untyped('torch.UntypedStorage'),
      'torch._UntypedStorage': untyped('torch._UntypedStorage'),
      'torch.storage.UntypedStorage': untyped('torch.storage.UntypedStorage'),
      'torch.storage._UntypedStorage': untyped('torch.storage._UntypedStorage'),
      'torch.storage.TypedStorage': untyped('torch.storage.TypedStorage'),
      'torch.storage._TypedStorage': untyped('torch.storage._TypedStorage'),
    };
  }

  private persistentLoad(pid: unknown): Storage {
    if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) this.fail(`unsupported persistent id ${describe(pid)} (only ('storage', type, key, location, numel) is allowed)`);
    const [, type, key, , numel] = pid as unknown[];
    if (!(type instanceof Global) || type.dtype === undefined) this.fail(`the storage type ${type instanceof Global ? type.path : describe(type)} is not a tensor storage`);
    if (typeof key !== 'string' || typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) this.fail(`malformed storage id (key ${describe(key)}, numel ${describe(numel)})`);
    const itemSize = type.dtype === 'untyped' ? 1 : DTYPE_SIZE[type.dtype];
    const cached = this.storages.get(key);
    if (cached) return cached;
    if (!this.options.loadStorage) this.fail(`storage '${key}' refers to a data record, but this pickle has none`);
    const s = new Storage(key, type.dtype, this.options.loadStorage(key, numel * itemSize));
    this.storages.set(key, s);
    return s;
  }

  private rebuildTensor(storage: unknown, offset: unknown, size: unknown, stride: unknown, fn: string, dtypeArg?: unknown): StoredTensor {
    if (!(storage instanceof Storage)) this.fail(`${fn} expects a storage, got a ${describe(storage)}`);
    const ints = (v: unknown): v is number[] => Array.isArray(v) && v.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0);
    if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0 || !ints(size) || !ints(stride) || size.length !== stride.length)
      this.fail(`${fn} got a malformed layout (offset ${describe(offset)}, size ${describe(size)}, stride ${describe(stride)}) for storage '${storage.key}'`);
    let dtype: StoredDType;
    if (storage.dtype !== 'untyped') dtype = storage.dtype;
    else if (dtypeArg instanceof Global && dtypeArg.dtype && dtypeArg.dtype !== 'untyped') dtype = dtypeArg.dtype;
    else return this.fail(`${fn} rebuilds a tensor from untyped storage '${storage.key}' without a known dtype`);
    const item = DTYPE_SIZE[dtype];
    const numel = numelOf(size);
    const shape = [...size];
    if (numel === 0) return { dtype, shape, data: new Uint8Array(0) };
    if (numel * item > 2 ** 32) this.fail(`a tensor of shape [${shape.join(', ')}] would need ${numel * item} bytes, more than the 4 GB hpaic reads per tensor`);
    let last = offset;
    for (let i = 0; i < size.length; i++) last += (size[i] - 1) * stride[i];
    const storageNumel = Math.floor(storage.bytes.byteLength / item);
    if (last >= storageNumel) this.fail(`a tensor of shape [${shape.join(', ')}] (offset ${offset}, stride [${stride.join(', ')}]) reaches element ${last} of storage '${storage.key}', which has ${storageNumel}`);
    // Views are copied out of their storage. Broadcast views (stride 0) or many views of one storage could make a
    // small file allocate gigabytes, so the copies together may not exceed twice the storages (plus 64 MiB).
    const owns = isContiguous(size, stride) && offset === 0 && numel * item === storage.bytes.byteLength && !storage.claimed;
    if (!owns) {
      this.copied += numel * item;
      let stored = 0;
      for (const st of this.storages.values()) stored += st.bytes.byteLength;
      if (this.copied > 2 * stored + COPY_SLACK) {
        this.fail(`the tensors rebuilt from storage '${storage.key}' and the others would copy ${this.copied} bytes out of ${stored} stored bytes (broadcast or repeated views); the file is damaged or crafted`);
      }
    }
    if (isContiguous(size, stride)) {
      const begin = offset * item;
      const end = begin + numel * item;
      if (begin === 0 && end === storage.bytes.byteLength && !storage.claimed) {
        storage.claimed = true; // the common case: the tensor owns its whole storage, no copy
        return { dtype, shape, data: storage.bytes };
      }
      return { dtype, shape, data: storage.bytes.slice(begin, end) };
    }
    return { dtype, shape, data: gather(storage.bytes, item, offset, size, stride) };
  }
}

/** The largest LONG4 integer read (bytes): torch.save writes ints of at most 8. */
const MAX_LONG_BYTES = 1024;
/** Bytes of view copies allowed beyond twice the stored bytes. */
const COPY_SLACK = 64 * 2 ** 20;

/** `out.push(...items)` without spreading: a pickle can MARK a million items, more arguments than a call takes. */
function appendAll(out: unknown[], items: readonly unknown[]): void {
  for (const x of items) out.push(x);
}

function isContiguous(size: number[], stride: number[]): boolean {
  let expected = 1;
  for (let i = size.length - 1; i >= 0; i--) {
    if (size[i] !== 1 && stride[i] !== expected) return false;
    expected *= size[i];
  }
  return true;
}

/** Copy a strided view into C order, moving the longest contiguous inner run at once. */
function gather(src: Uint8Array, item: number, offset: number, size: number[], stride: number[]): Uint8Array {
  // Drop size-1 dims, then fold inner dims that are contiguous in the source into one run.
  const dims = size.map((s, i) => [s, stride[i]] as const).filter(([s]) => s !== 1);
  let run = 1;
  while (dims.length > 0 && dims[dims.length - 1][1] === run) run *= dims.pop()![0];
  const out = new Uint8Array(numelOf(size) * item);
  const outer = dims.map(([s]) => s);
  const strides = dims.map(([, st]) => st);
  const idx = new Array<number>(outer.length).fill(0);
  const runBytes = run * item;
  // Single-element runs (transposes) copy through word-sized views when the buffers are aligned.
  const words = item === 8 ? 2 : 1;
  const W = item === 1 ? Uint8Array : item === 2 ? Uint16Array : Uint32Array;
  const wordBytes = W.BYTES_PER_ELEMENT;
  const aligned = run === 1 && src.byteOffset % wordBytes === 0 && src.byteLength % wordBytes === 0;
  const srcW = aligned ? new W(src.buffer, src.byteOffset, src.byteLength / wordBytes) : undefined;
  const outW = aligned ? new W(out.buffer, 0, out.byteLength / wordBytes) : undefined;
  let base = offset;
  let o = 0;
  for (;;) {
    if (srcW && outW) {
      const s = base * words;
      outW[o * words] = srcW[s];
      if (words === 2) outW[o * words + 1] = srcW[s + 1];
    } else {
      out.set(src.subarray(base * item, base * item + runBytes), o * item);
    }
    o += run;
    let d = outer.length - 1;
    while (d >= 0) {
      idx[d]++;
      base += strides[d];
      if (idx[d] < outer[d]) break;
      base -= strides[d] * outer[d];
      idx[d] = 0;
      d--;
    }
    if (d < 0) return out;
  }
}

function decodeLong(b: Uint8Array): number | bigint {
  if (b.length === 0) return 0;
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function latin1(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
}

function describe(v: unknown): string {
  if (v === null) return 'None';
  if (v instanceof Global) return `global ${v.path}`;
  if (v instanceof Storage) return 'storage';
  if (isStoredTensor(v)) return 'tensor';
  if (Array.isArray(v)) return 'tuple/list';
  if (v instanceof Map) return 'dict';
  if (v instanceof Uint8Array) return 'bytes';
  if (typeof v === 'string') return `str ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return typeof v === 'object' ? 'object' : `${typeof v} ${String(v)}`;
}

// ---------------------------------------------------------------------------------------------- writing

/** A tensor's storage as the writer assigns it: `data/<key>` holds `tensor.data`. */
export interface PickledStorage {
  key: string;
  tensor: StoredTensor;
}

/**
 * Pickle `value` the way torch.save (protocol 2) does. Every distinct StoredTensor gets a storage key ('0',
 * '1', … in order of appearance; the same object twice shares one storage, like tied weights). Returns the
 * pickle bytes and the storages to write as `data/<key>` records. Throws CheckpointError naming the path of a
 * value that cannot be written (functions, cycles, malformed tensors).
 */
export function pickleTorch(value: PickleInput): { pickle: Uint8Array; storages: PickledStorage[] } {
  const w = new PickleWriter();
  w.write(value);
  return { pickle: w.finish(), storages: w.storages };
}

class PickleWriter {
  private buf = Buffer.allocUnsafe(1 << 16);
  private len = 0;
  private readonly memo = new Map<string, number>();
  private readonly active = new Set<object>();
  private readonly tensorKeys = new Map<StoredTensor, string>();
  readonly storages: PickledStorage[] = [];

  constructor() {
    this.bytes(0x80, 2); // PROTO 2, as torch.save's default
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
  private bytes(...b: number[]): void {
    this.ensure(b.length);
    for (const x of b) this.buf[this.len++] = x;
  }
  private u32(v: number): void { this.ensure(4); this.buf.writeUInt32LE(v, this.len); this.len += 4; }
  private raw(b: Uint8Array): void { this.ensure(b.length); this.buf.set(b, this.len); this.len += b.length; }

  finish(): Uint8Array {
    this.bytes(0x2e); // STOP
    return this.buf.subarray(0, this.len);
  }

  /** Write a GLOBAL once, then fetch it from the memo (as Python's pickler does). */
  private global(module: string, name: string): void {
    this.memoized(`g:${module}.${name}`, () => this.raw(Buffer.from(`c${module}\n${name}\n`, 'utf8')));
  }
  private memoized(id: string, emit: () => void): void {
    const at = this.memo.get(id);
    if (at !== undefined) {
      if (at < 256) this.bytes(0x68, at); // BINGET
      else { this.bytes(0x6a); this.u32(at); } // LONG_BINGET
      return;
    }
    emit();
    const i = this.memo.size;
    this.memo.set(id, i);
    if (i < 256) this.bytes(0x71, i); // BINPUT
    else { this.bytes(0x72); this.u32(i); } // LONG_BINPUT
  }

  private str(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.bytes(0x58); // BINUNICODE
    this.u32(b.length);
    this.raw(b);
  }

  private int(v: number | bigint): void {
    if (typeof v === 'number' && v >= 0 && v < 256) this.bytes(0x4b, v); // BININT1
    else if (typeof v === 'number' && v >= 0 && v < 65536) this.bytes(0x4d, v & 0xff, v >> 8); // BININT2
    else if (typeof v === 'number' && v >= -0x80000000 && v <= 0x7fffffff) { this.bytes(0x4a); this.ensure(4); this.buf.writeInt32LE(v, this.len); this.len += 4; } // BININT
    else {
      // LONG1: minimal little-endian two's complement
      let x = BigInt(v);
      const out: number[] = [];
      for (;;) {
        const byte = Number(x & 0xffn);
        out.push(byte);
        x >>= 8n;
        if ((x === 0n && !(byte & 0x80)) || (x === -1n && byte & 0x80)) break;
      }
      if (out.length > 255) throw new CheckpointError(`cannot save the integer ${v}: it needs more than 255 bytes`);
      this.bytes(0x8a, out.length, ...out);
    }
  }

  private tuple(items: readonly number[]): void {
    if (items.length === 0) { this.bytes(0x29); return; } // EMPTY_TUPLE
    if (items.length > 3) this.bytes(0x28); // MARK
    for (const x of items) this.int(x);
    this.bytes(items.length === 1 ? 0x85 : items.length === 2 ? 0x86 : items.length === 3 ? 0x87 : 0x74);
  }

  private tensor(t: StoredTensor, path: string): void {
    const problem = storedTensorProblem(t);
    if (problem) throw new CheckpointError(`cannot save the tensor at ${path || 'the top level'}: ${problem}`);
    let key = this.tensorKeys.get(t);
    if (key === undefined) {
      key = String(this.storages.length);
      this.tensorKeys.set(t, key);
      this.storages.push({ key, tensor: t });
    }
    const numel = numelOf(t.shape);
    const stride = new Array<number>(t.shape.length);
    for (let i = t.shape.length - 1, s = 1; i >= 0; i--) { stride[i] = s; s *= t.shape[i]; }
    this.global('torch._utils', '_rebuild_tensor_v2');
    this.bytes(0x28); // MARK: the args tuple
    this.bytes(0x28); // MARK: the persistent id tuple
    this.memoized('s:storage', () => this.str('storage'));
    this.global('torch', DTYPE_STORAGE[t.dtype]);
    this.str(key);
    this.memoized('s:cpu', () => this.str('cpu'));
    this.int(numel);
    this.bytes(0x74, 0x51); // TUPLE, BINPERSID
    this.int(0); // storage offset
    this.tuple(t.shape);
    this.tuple(stride);
    this.bytes(0x89); // requires_grad=False
    this.global('collections', 'OrderedDict'); // backward_hooks = OrderedDict()
    this.bytes(0x29, 0x52); // EMPTY_TUPLE, REDUCE
    this.bytes(0x74, 0x52); // TUPLE, REDUCE
  }

  write(v: PickleInput, path = ''): void {
    if (v === null) { this.bytes(0x4e); return; }
    if (v === true || v === false) { this.bytes(v ? 0x88 : 0x89); return; }
    if (typeof v === 'bigint') { this.int(v); return; }
    if (typeof v === 'number') {
      // Safe integers are Python ints; other numbers (fractions, ±0, huge, NaN, ±Infinity) are floats. Use a
      // bigint for an int beyond 2^53.
      if (Number.isSafeInteger(v) && !Object.is(v, -0)) { this.int(v); return; }
      this.bytes(0x47); // BINFLOAT, big-endian
      this.ensure(8);
      this.buf.writeDoubleBE(v, this.len);
      this.len += 8;
      return;
    }
    if (typeof v === 'string') { this.str(v); return; }
    if (isStoredTensor(v)) { this.tensor(v, path); return; }
    if (v instanceof Uint8Array) {
      // Protocol 2 has no bytes opcode for Python 3: torch.save writes _codecs.encode(latin-1 text, 'latin1').
      this.global('_codecs', 'encode');
      this.str(Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('latin1'));
      this.memoized('s:latin1', () => this.str('latin1'));
      this.bytes(0x86, 0x52); // TUPLE2, REDUCE
      return;
    }
    if (typeof v !== 'object') throw new CheckpointError(`cannot save ${path || 'the top level'}: a ${typeof v} is not a value a checkpoint can hold`);
    if (this.active.has(v)) throw new CheckpointError(`cannot save ${path || 'the top level'}: it contains itself`);
    this.active.add(v);
    if (Array.isArray(v)) {
      this.bytes(0x5d); // EMPTY_LIST
      this.batched(v.length, (i) => this.write(v[i], `${path}[${i}]`), 0x65); // APPENDS
    } else {
      const entries = v instanceof Map ? [...(v as ReadonlyMap<PickleInput, PickleInput>)] : Object.entries(v as Record<string, PickleInput>);
      if (v instanceof OrderedDict) {
        this.global('collections', 'OrderedDict');
        this.bytes(0x29, 0x52); // EMPTY_TUPLE, REDUCE
      } else if (v instanceof Map || isPlainObject(v)) {
        this.bytes(0x7d); // EMPTY_DICT
      } else {
        throw new CheckpointError(`cannot save ${path || 'the top level'}: a ${(v as object).constructor?.name ?? 'object'} is not a value a checkpoint can hold`);
      }
      this.batched(entries.length, (i) => {
        const [k, x] = entries[i];
        const kp = `${path}[${JSON.stringify(typeof k === 'bigint' ? k.toString() : k)}]`;
        if (Array.isArray(k)) this.key(k, kp);
        else this.write(k, kp);
        this.write(x, kp);
      }, 0x75); // SETITEMS
    }
    this.active.delete(v);
  }

  /** Array keys are tuples in Python (lists are unhashable). */
  private key(k: readonly PickleInput[], path: string): void {
    this.bytes(0x28);
    k.forEach((x, i) => (Array.isArray(x) ? this.key(x, `${path}[${i}]`) : this.write(x, `${path}[${i}]`)));
    this.bytes(0x74);
  }

  /** MARK … APPENDS/SETITEMS in batches of 1000, like Python's pickler. */
  private batched(n: number, item: (i: number) => void, op: number): void {
    for (let start = 0; start < n; start += 1000) {
      this.bytes(0x28);
      for (let i = start; i < Math.min(n, start + 1000); i++) item(i);
      this.bytes(op);
    }
  }
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}
