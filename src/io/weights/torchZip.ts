/**
 * PyTorch's checkpoint format (torch.save since 1.6): a zip archive of stored (uncompressed) records
 * `<archive>/data.pkl` (the pickled value tree), `<archive>/data/<key>` (one record per storage, its bytes
 * aligned to 64 in the file), `<archive>/version` and `<archive>/byteorder`. Read and written here without
 * Python or libtorch; tensors are StoredTensor records.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { crc32 } from 'node:zlib';
import { CheckpointError } from '../../errors.js';
import { isStoredTensor, type StateDict, type StoredTensor } from './StoredTensor.js';
import { pickleTorch, unpickle, type PickleInput, type PickleValue } from './pickle.js';
import { writeChunksAtomic } from '../text/writeChunksAtomic.js';
import { ZipReader } from '../zip/zipReader.js';

const ZIP32_LIMIT = 0xffffffff;
const ALIGNMENT = 64; // torch aligns every record's bytes so they can be memory-mapped
const LOCAL_SIG = 0x04034b50;
const CENTRAL_SIG = 0x02014b50;
const EOCD_SIG = 0x06054b50;

const LEGACY_HINT = 'convert it in Python (PyTorch ≥ 1.6): torch.save(torch.load(f), f2), then load f2';

/** Refuse what is not a torch.save zip (empty, legacy pickle, safetensors, other bytes) with a message that says what it is. */
function identifyCheckpoint(path: string): void {
  const fail = (message: string): never => {
    throw new CheckpointError(`${path}: ${message}`);
  };
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new CheckpointError(`cannot open checkpoint ${path}: ${(err as Error).message}`, { cause: err });
  }
  const head = new Uint8Array(9);
  let n: number;
  try {
    if (fstatSync(fd).size === 0) fail('the file is empty (0 bytes); it is not a PyTorch checkpoint');
    n = readSync(fd, head, 0, 9, 0);
  } finally {
    closeSync(fd);
  }
  if (head[0] === 0x80) fail(`this is a legacy (pre-1.6, non-zip) PyTorch checkpoint, which hpaic cannot read; ${LEGACY_HINT}`);
  if (n === 9 && head[8] === 0x7b) fail('this is a safetensors file, not a torch.save checkpoint; read it with readSafetensors or readWeights');
  if (!(n >= 4 && dv(head).getUint32(0, true) === LOCAL_SIG)) {
    fail(`not a PyTorch checkpoint: it starts with bytes ${hex(head.subarray(0, Math.min(4, n)))}, not a zip archive (torch.save since 1.6)`);
  }
}

function fileSize(path: string): number {
  const fd = openSync(path, 'r');
  try {
    return fstatSync(fd).size;
  } finally {
    closeSync(fd);
  }
}

const checkpointError = (where: string, message: string, hint?: string): CheckpointError => new CheckpointError(`${where}: ${message}`, hint ? { hint } : undefined);

/**
 * Read a `torch.save` checkpoint (zip format). Returns the saved value tree: tensors (and nn.Parameters) as
 * contiguous StoredTensors, dicts as Maps (OrderedDicts as `OrderedDict`), tuples and lists as arrays, ints
 * as numbers (bigints beyond 2^53). Only what `torch.load(weights_only=True)` allows is loaded; anything else
 * (custom classes, numpy scalars, code) is refused with a CheckpointError naming it. Legacy (pre-1.6) files
 * and TorchScript archives are refused with a message that says how to convert them.
 */
export function readTorchFile(path: string): PickleValue {
  identifyCheckpoint(path);
  // torch.save stores its records uncompressed: no record can hold more bytes than the file itself, so a deflated
  // record claiming more (a bomb in a 500 KB .pth) is refused before anything is inflated.
  const zip = ZipReader.openSync(path, { error: checkpointError, maxEntryBytes: fileSize(path) });
  const fail: (message: string, hint?: string) => never = (message, hint) => {
    throw checkpointError(path, message, hint);
  };
  try {
    const names = zip.names();
    // TorchScript archives also hold a data.pkl, but theirs pickles the module's code objects.
    if (names.some((n) => /^[^/]+\/(constants\.pkl|code\/)/.test(n))) {
      fail('this is a TorchScript archive (torch.jit.save), not a torch.save checkpoint', 'in Python: torch.save(torch.jit.load(f).state_dict(), f2)');
    }
    const pkl = names.find((n) => /^[^/]+\/data\.pkl$/.test(n));
    if (!pkl) {
      fail(`not a PyTorch checkpoint: the zip archive has no <archive>/data.pkl record (it has ${names.slice(0, 5).join(', ') || 'no records'})`);
    }
    const prefix = pkl.slice(0, -'data.pkl'.length);
    const byteorder = zip.entries.get(`${prefix}byteorder`);
    if (byteorder && Buffer.from(zip.readSync(byteorder.name)).toString('utf8').trim() !== 'little') {
      fail('the checkpoint was written on a big-endian machine; hpaic reads little-endian checkpoints only');
    }
    return unpickle(zip.readSync(pkl), {
      source: `${path} (${pkl})`,
      loadStorage: (key, byteLength) => {
        const name = `${prefix}data/${key}`;
        if (!zip.has(name)) fail(`the checkpoint refers to storage record ${name}, which the archive lacks`);
        const data = zip.readSync(name);
        if (data.length < byteLength) fail(`record ${name} has ${data.length} bytes but its tensor needs ${byteLength}`);
        return data;
      },
    });
  } finally {
    zip.close();
  }
}

/** Wrapper keys under which training scripts commonly keep the model's state dict, in the order tried. */
export const STATE_DICT_WRAPPER_KEYS = ['state_dict', 'model_state_dict', 'model', 'net', 'module'] as const;

/** Options of readStateDict. */
export interface ReadStateDictOptions {
  /** Take the state dict from this top-level key of the checkpoint instead of looking for a known wrapper. */
  key?: string;
}

/**
 * Read a checkpoint's model state dict: the top-level dict of tensors, or the one inside a common wrapper
 * (`{'state_dict': …}`, `{'model_state_dict': …}`, `{'model': …}`, `{'net': …}`, `{'module': …}`, or
 * `options.key`). A `module.` prefix on every key (DataParallel) is removed. Throws CheckpointError when no
 * dict of tensors is found, listing the keys that are there.
 */
export function readStateDict(path: string, options: ReadStateDictOptions = {}): StateDict {
  const root = readTorchFile(path);
  let sd: PickleValue = root;
  if (options.key !== undefined) {
    if (!(root instanceof Map) || !root.has(options.key)) {
      throw new CheckpointError(`${path}: the checkpoint has no top-level key '${options.key}' (it has ${keyList(root)})`);
    }
    sd = root.get(options.key)!;
  } else {
    // Unwrap known wrappers (possibly nested, e.g. {'model': {'state_dict': …}}) until a dict of tensors.
    for (let depth = 0; depth < 4 && sd instanceof Map && !isTensorDict(sd); depth++) {
      const wrapper: string | undefined = STATE_DICT_WRAPPER_KEYS.find((k) => (sd as Map<PickleValue, PickleValue>).get(k) instanceof Map);
      if (wrapper === undefined) break;
      sd = sd.get(wrapper)!;
    }
  }
  if (!(sd instanceof Map) || !isTensorDict(sd)) {
    const where = options.key !== undefined ? `under key '${options.key}'` : 'at the top level or under a known wrapper key';
    const bad = sd instanceof Map ? [...sd].find(([k, v]) => typeof k !== 'string' || !isStoredTensor(v)) : undefined;
    throw new CheckpointError(
      `${path}: no state dict (a dict of tensors) ${where}; ${bad ? `entry ${JSON.stringify(String(bad[0]))} is not a tensor; ` : ''}top-level keys: ${keyList(root)}`,
      { hint: `pass { key } to choose the dict; wrapper keys tried: ${STATE_DICT_WRAPPER_KEYS.join(', ')}` },
    );
  }
  const keys = [...sd.keys()] as string[];
  const strip = keys.length > 0 && keys.every((k) => k.startsWith('module.'));
  const out: StateDict = new Map();
  for (const [k, v] of sd) out.set(strip ? (k as string).slice('module.'.length) : (k as string), v as StoredTensor);
  return out;
}

function isTensorDict(m: Map<PickleValue, PickleValue>): boolean {
  if (m.size === 0) return false;
  for (const [k, v] of m) if (typeof k !== 'string' || !isStoredTensor(v)) return false;
  return true;
}

function keyList(v: PickleValue): string {
  if (!(v instanceof Map)) return `none (the checkpoint holds a ${Array.isArray(v) ? 'list' : v === null ? 'None' : typeof v}, not a dict)`;
  const keys = [...v.keys()].map((k) => JSON.stringify(typeof k === 'bigint' ? String(k) : k));
  return keys.length ? `${keys.slice(0, 10).join(', ')}${keys.length > 10 ? `, … (${keys.length} in all)` : ''}` : 'none (empty dict)';
}

/** Options of writeTorchFile. */
export interface WriteTorchFileOptions {
  /** The archive folder inside the zip; torch uses the file's name without extension. */
  archiveName?: string;
}

/**
 * Write `value` (a StateDict, or nested dicts/lists/numbers/strings holding StoredTensors) as a `torch.save`
 * zip checkpoint, atomically (temp file + rename). Python loads it with `torch.load(path, weights_only=True)`;
 * a Map of tensors loads into the matching module with `load_state_dict(sd, strict=True)`. Maps are written as
 * dicts, `OrderedDict` instances as OrderedDicts, arrays as lists; safe integers and bigints as ints, other
 * numbers as floats. Note: torch 1.13's weights_only loader refuses floats
 * (it has no BINFLOAT opcode); torch ≥ 2.0 accepts them. Throws CheckpointError above 4 GB (zip64).
 */
export function writeTorchFile(path: string, value: PickleInput, options: WriteTorchFileOptions = {}): void {
  writeChunksAtomic(path, torchFileChunks(value, options.archiveName ?? archiveNameFor(path)));
}

/** The checkpoint bytes writeTorchFile writes, as one buffer. */
export function encodeTorchFile(value: PickleInput, archiveName = 'archive'): Uint8Array {
  return Buffer.concat(torchFileChunks(value, archiveName));
}

/** The checkpoint as consecutive pieces (headers and the tensors' own buffers, uncopied). */
function torchFileChunks(value: PickleInput, archiveName: string): Uint8Array[] {
  const { pickle, storages } = pickleTorch(value);
  const records: { name: string; data: Uint8Array }[] = [{ name: `${archiveName}/data.pkl`, data: pickle }];
  for (const s of storages) records.push({ name: `${archiveName}/data/${s.key}`, data: s.tensor.data });
  records.push({ name: `${archiveName}/version`, data: Buffer.from('3\n') });
  records.push({ name: `${archiveName}/byteorder`, data: Buffer.from('little') });
  if (records.length > 0xffff) throw new CheckpointError(`cannot write ${storages.length} tensors in one checkpoint: more than 65535 zip records need zip64, which hpaic does not write`);

  const chunks: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const r of records) {
    const name = Buffer.from(r.name, 'utf8');
    // Pad with torch's "FB" extra field so the record's bytes start on a 64-byte boundary.
    const headerEnd = offset + 30 + name.length + 4;
    const padding = (ALIGNMENT - (headerEnd % ALIGNMENT)) % ALIGNMENT;
    const crc = crc32(r.data) >>> 0;
    if (offset + 30 + name.length + 4 + padding + r.data.length >= ZIP32_LIMIT) {
      throw new CheckpointError(`cannot write a checkpoint of ${((offset + r.data.length) / 2 ** 30).toFixed(1)} GB: files of 4 GB or more need zip64, which hpaic does not write`, { hint: 'save as safetensors instead' });
    }
    const local = Buffer.alloc(30 + name.length + 4 + padding);
    local.writeUInt32LE(LOCAL_SIG, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt16LE(0, 10); // time 00:00
    local.writeUInt16LE(0x21, 12); // date 1980-01-01: fixed, so equal values give equal files
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(r.data.length, 18);
    local.writeUInt32LE(r.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(4 + padding, 28);
    name.copy(local, 30);
    local.write('FB', 30 + name.length, 'latin1');
    local.writeUInt16LE(padding, 30 + name.length + 2);
    local.fill('Z', 30 + name.length + 4);
    chunks.push(local, r.data);

    const c = Buffer.alloc(46 + name.length);
    c.writeUInt32LE(CENTRAL_SIG, 0);
    c.writeUInt16LE(0x031e, 4); // made by: Unix, spec 3.0
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(0x0800, 8);
    c.writeUInt16LE(0, 10);
    c.writeUInt16LE(0, 12);
    c.writeUInt16LE(0x21, 14);
    c.writeUInt32LE(crc, 16);
    c.writeUInt32LE(r.data.length, 20);
    c.writeUInt32LE(r.data.length, 24);
    c.writeUInt16LE(name.length, 28);
    c.writeUInt32LE(offset, 42);
    name.copy(c, 46);
    central.push(c);
    offset += local.length + r.data.length;
  }
  const cdSize = central.reduce((n, c) => n + c.length, 0);
  if (offset + cdSize >= ZIP32_LIMIT) throw new CheckpointError('cannot write a checkpoint of 4 GB or more (zip64 is not supported)', { hint: 'save as safetensors instead' });
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(EOCD_SIG, 0);
  eocd.writeUInt16LE(records.length, 8);
  eocd.writeUInt16LE(records.length, 10);
  eocd.writeUInt32LE(cdSize, 12);
  eocd.writeUInt32LE(offset, 16);
  return [...chunks, ...central, eocd];
}

/** torch's archive name: the file name without extension, or 'archive' when that is not a plain name. */
function archiveNameFor(path: string): string {
  const name = basename(path, extname(path));
  return /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$/.test(name) ? name : 'archive';
}

function dv(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}
function hex(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');
}
