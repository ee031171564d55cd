import type * as H5 from 'h5wasm/node';
import { existsSync } from 'node:fs';
import { DataError, UsageError } from '../../errors.js';
import type { EncodedChunk } from '../../native/loadIngestAddon.js';
import type { ImageStore } from './ImageStore.js';
import type { StoreWriter } from './StoreWriter.js';
import { checkRowImage, checkRowName } from './storeRowChecks.js';

/** Compression of the `images` dataset. `lzf` is the seed's default. */
export type Hdf5Compression = 'lzf' | 'zstd' | 'gzip' | 'none';
export const HDF5_COMPRESSIONS: readonly Hdf5Compression[] = ['lzf', 'zstd', 'gzip', 'none'];

/** HDF5 filter ids and parameters (the registered ids h5py/hdf5plugin use, so both sides read each other's files). */
const FILTERS: Record<Exclude<Hdf5Compression, 'none'>, { id: number; opts: number[] }> = {
  lzf: { id: 32000, opts: [] },
  zstd: { id: 32015, opts: [3] },
  gzip: { id: 1, opts: [4] },
};

type H5Module = typeof H5;

/** Bounds checked on a store's declared shapes before anything is read (a crafted header cannot allocate more). */
export const HDF5_LIMITS = { maxSide: 16384, maxRows: 50_000_000, maxNameBytes: 4096, maxNamesTotal: 1 << 30 } as const;
let loading: Promise<H5Module> | undefined;

/**
 * Load h5wasm once per process, put h5wasm-plugins' filters (LZF, zstd, ...) on the plugin path and make HDF5
 * errors throw. This module is the only one that imports h5wasm.
 */
export function loadH5wasm(): Promise<H5Module> {
  loading ??= (async () => {
    const h5 = await import('h5wasm/node');
    const mod = await h5.ready;
    const { install_local_plugins } = await import('h5wasm-plugins');
    install_local_plugins(mod);
    mod.activate_throwing_error_handler();
    return h5;
  })();
  return loading;
}

function h5message(err: unknown): string {
  const text = String((err as Error)?.message ?? err);
  // HDF5's error stack is long; the innermost "minor:" line or the first line is what a user can act on.
  const minors = [...text.matchAll(/minor: (.*)/g)].map((m) => m[1].trim());
  return minors.length ? minors[minors.length - 1] : text.split('\n')[0];
}

function toNames(value: unknown, strpad: number | undefined): string[] {
  const arr = (Array.isArray(value) ? value : [value]) as unknown[];
  return arr.map((v) => {
    let s = typeof v === 'string' ? v : v instanceof Uint8Array ? new TextDecoder().decode(v) : String(v);
    // A space-padded fixed-length string (what h5wasm writes) keeps its padding when read back.
    if (strpad === 2) s = s.replace(/ +$/, '');
    return s;
  });
}

/**
 * The seed's HDF5 image store (seed-spec §1.4): dataset `images` uint8 (N, H, W, 4) RGBY and dataset `names`
 * (N,) strings. Reads one image per call, so the 2 GiB wasm heap never holds more than one image.
 */
export class Hdf5Store implements ImageStore {
  readonly length: number;
  readonly height: number;
  readonly width: number;
  /** Filter names of the `images` dataset, e.g. `['lzf']` or `[]`. */
  readonly compression: string[];
  /** Chunk shape of the `images` dataset (null when contiguous). */
  readonly chunks: number[] | null;
  private readonly names: string[];
  private file: H5.File | null;
  private readonly images: H5.Dataset;

  private constructor(readonly path: string, file: H5.File) {
    this.file = file;
    const images = file.get('images');
    const names = file.get('names');
    if (!images || !('shape' in images)) throw new DataError(`${path}: no dataset "images" (keys: ${file.keys().join(', ') || 'none'})`);
    if (!names || !('shape' in names)) throw new DataError(`${path}: no dataset "names" (keys: ${file.keys().join(', ') || 'none'})`);
    const shape = images.shape;
    const meta = images.metadata;
    if (!shape || shape.length !== 4 || shape[3] !== 4) {
      throw new DataError(`${path}: dataset "images" must have shape (N, H, W, 4) but has (${shape?.join(', ')})`);
    }
    if (meta.type !== 0 || meta.size !== 1 || meta.signed) {
      throw new DataError(`${path}: dataset "images" must be uint8 but has type class ${meta.type}, ${meta.size} bytes${meta.signed ? ', signed' : ''}`);
    }
    this.images = images as H5.Dataset;
    [this.length, this.height, this.width] = shape;
    const L = HDF5_LIMITS;
    if (this.height < 1 || this.width < 1 || this.height > L.maxSide || this.width > L.maxSide) {
      throw new DataError(`${path}: dataset "images" declares ${this.height}×${this.width} images; hpaic reads sides of 1 to ${L.maxSide} pixels (corrupt or foreign file)`);
    }
    if (this.length > L.maxRows) throw new DataError(`${path}: dataset "images" declares ${this.length} rows, more than the ${L.maxRows} hpaic reads (corrupt or foreign file)`);
    const nameBytes = (names as H5.Dataset).metadata.size;
    const nameRows = names.shape?.[0] ?? 0;
    if (nameRows !== this.length) throw new DataError(`${path}: "names" has ${nameRows} entries but "images" has ${this.length} rows`);
    if (!(nameBytes >= 1 && nameBytes <= L.maxNameBytes) || nameRows * nameBytes > L.maxNamesTotal) {
      throw new DataError(`${path}: dataset "names" declares ${nameRows} names of ${nameBytes} bytes; hpaic reads names of 1 to ${L.maxNameBytes} bytes (corrupt or foreign file)`);
    }
    this.chunks = meta.chunks ?? null;
    this.compression = this.images.filters.map((f) => filterName(f.id));
    const namesDs = names as H5.Dataset;
    this.names = this.length === 0 ? [] : toNames(namesDs.value, namesDs.metadata.strpad);
    if (this.names.length !== this.length) {
      throw new DataError(`${path}: "names" has ${this.names.length} entries but "images" has ${this.length} rows`);
    }
  }

  /**
   * Open an HDF5 file read-only.
   * @throws DataError naming the file when it is missing, not HDF5, or not in the seed's layout.
   */
  static async open(path: string): Promise<Hdf5Store> {
    if (!existsSync(path)) throw new DataError(`${path}: no such HDF5 file`, { hint: 'create it with `hpaic convert`' });
    const h5 = await loadH5wasm();
    let file: H5.File;
    try {
      file = new h5.File(path, 'r');
    } catch (err) {
      throw new DataError(`${path}: cannot open as HDF5 (${h5message(err)})`, { cause: err });
    }
    try {
      return new Hdf5Store(path, file);
    } catch (err) {
      file.close();
      throw err;
    }
  }

  nameAt(index: number): string {
    this.check(index);
    return this.names[index];
  }

  /** All stored names, in row order (a copy). */
  allNames(): string[] {
    return this.names.slice();
  }

  read(index: number): Uint8Array {
    this.check(index);
    let out: unknown;
    try {
      out = this.images.slice([[index, index + 1]]);
    } catch (err) {
      throw new DataError(`${this.path}: cannot read image ${index} ("${this.names[index]}"): ${h5message(err)}`, { cause: err });
    }
    if (!(out instanceof Uint8Array) || out.length !== this.height * this.width * 4) {
      throw new DataError(`${this.path}: image ${index} did not read as ${this.height}×${this.width}×4 uint8`);
    }
    return out;
  }

  close(): void {
    this.file?.close();
    this.file = null;
  }

  private check(index: number): void {
    if (!this.file) throw new DataError(`${this.path}: the store is closed`);
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new DataError(`${this.path}: row ${index} does not exist (the store has ${this.length} rows); does the CSV list more samples than the store holds?`, {
        hint: 'rebuild the store from this CSV with `hpaic convert`',
      });
    }
  }
}

function filterName(id: number): string {
  if (id === 32000) return 'lzf';
  if (id === 32015) return 'zstd';
  if (id === 1) return 'gzip';
  return `filter-${id}`;
}

/** Options for a new store file. */
export interface Hdf5WriterOptions {
  height: number;
  width: number;
  /** Bytes of the fixed-length `names` strings: the longest name that will be written (UTF-8). */
  nameLength: number;
  compression?: Hdf5Compression;
}

/**
 * Writes the seed's layout incrementally: `images` (N, H, W, 4) uint8 with max shape (None, H, W, 4), one image
 * per chunk and LZF by default; `names` fixed-length UTF-8 strings (unlimited, uncompressed, 1024 per chunk).
 * Rows are appended one at a time (resize + write of one chunk), so memory stays at one image.
 */
export class Hdf5Writer implements StoreWriter {
  readonly backend = 'h5wasm';
  private file: H5.File | null;
  private readonly images: H5.Dataset;
  private readonly namesDs: H5.Dataset;
  private n: number;
  readonly height: number;
  readonly width: number;
  readonly nameLength: number;
  readonly compression: string[];

  private constructor(readonly path: string, file: H5.File) {
    this.file = file;
    const images = file.get('images') as H5.Dataset | null;
    const names = file.get('names') as H5.Dataset | null;
    if (!images || !names || !images.shape || images.shape.length !== 4) throw new DataError(`${path}: not an hpaic/seed image store (needs "images" and "names")`);
    this.images = images;
    this.namesDs = names;
    [this.n, this.height, this.width] = images.shape;
    const nm = names.metadata;
    if (nm.type !== 3 || nm.vlen) throw new DataError(`${path}: "names" must be fixed-length strings to append to it`);
    this.nameLength = nm.size;
    this.compression = images.filters.map((f) => filterName(f.id));
    if ((names.shape?.[0] ?? 0) !== this.n) throw new DataError(`${path}: "names" has ${names.shape?.[0]} rows but "images" has ${this.n}`);
  }

  /** Create (truncate) `path` with empty `images` and `names` datasets. */
  static async create(path: string, opts: Hdf5WriterOptions): Promise<Hdf5Writer> {
    const { height, width, nameLength } = opts;
    const compression = opts.compression ?? 'lzf';
    if (!HDF5_COMPRESSIONS.includes(compression)) throw new UsageError(`compression must be one of ${HDF5_COMPRESSIONS.join(', ')} but received "${compression}"`);
    if (!(nameLength >= 1)) throw new RangeError(`nameLength must be >= 1 but is ${nameLength}`);
    const h5 = await loadH5wasm();
    const file = new h5.File(path, 'w');
    try {
      const filter = compression === 'none' ? undefined : FILTERS[compression];
      file.create_dataset({
        name: 'images',
        data: new Uint8Array(0),
        shape: [0, height, width, 4],
        dtype: '<B',
        maxshape: [null, height, width, 4],
        chunks: [1, height, width, 4],
        ...(filter ? { compression: filter.id, compression_opts: filter.opts } : {}),
      });
      // Names stay uncompressed: h5wasm can only add mandatory filters, and LZF refuses (fails on) a chunk of
      // incompressible 36-byte ids, which h5py tolerates only because it marks LZF optional.
      file.create_dataset({ name: 'names', data: [], shape: [0], dtype: `S${nameLength}`, maxshape: [null], chunks: [1024] });
      return new Hdf5Writer(path, file);
    } catch (err) {
      file.close();
      throw err;
    }
  }

  /** Open an existing store for appending (the seed's HPAv18 pass, or resuming a conversion). */
  static async openAppend(path: string): Promise<Hdf5Writer> {
    const h5 = await loadH5wasm();
    let file: H5.File;
    try {
      file = new h5.File(path, 'a');
    } catch (err) {
      throw new DataError(`${path}: cannot open as HDF5 for appending (${h5message(err)})`, { cause: err });
    }
    try {
      return new Hdf5Writer(path, file);
    } catch (err) {
      file.close();
      throw err;
    }
  }

  get length(): number {
    return this.n;
  }

  /** The stored names, in row order. */
  names(): string[] {
    return this.n === 0 ? [] : toNames(this.namesDs.value, this.namesDs.metadata.strpad);
  }

  /**
   * Append one image (`height × width × 4` RGBY) and its name.
   * @throws DataError for a wrong buffer size, a name longer than the fixed width, or a filter failure.
   */
  append(image: Uint8Array, name: string): void {
    checkRowImage(this.path, name, image, this.height, this.width);
    checkRowName(this.path, name, this.nameLength);
    const i = this.n;
    this.images.resize([i + 1, this.height, this.width, 4]);
    try {
      this.images.write_slice([[i, i + 1]], image);
    } catch (err) {
      this.images.resize([i, this.height, this.width, 4]);
      const lzf = this.compression.includes('lzf');
      throw new DataError(`${this.path}: writing image "${name}" failed: ${h5message(err)}`, {
        cause: err,
        hint: lzf ? 'LZF fails on an image it cannot shrink (e.g. pure noise) because h5wasm marks filters mandatory; use --compression zstd or none' : undefined,
      });
    }
    this.namesDs.resize([i + 1]);
    this.namesDs.write_slice([[i, i + 1]], [name]);
    this.n = i + 1;
  }

  /** {@link StoreWriter}: h5wasm compresses inside `append`, so encoding only checks the size. */
  async encode(image: Uint8Array, name: string): Promise<EncodedChunk> {
    checkRowImage(this.path, name, image, this.height, this.width);
    return { data: image, filterMask: 0 };
  }

  appendEncoded(chunk: EncodedChunk, name: string): void {
    this.append(chunk.data, name);
  }

  /** Drop rows from `length` down to `n` (used when resuming from the last checkpoint). */
  truncate(n: number): void {
    if (n > this.n) throw new RangeError(`cannot truncate ${this.path} from ${this.n} up to ${n} rows`);
    this.images.resize([n, this.height, this.width, 4]);
    this.namesDs.resize([n]);
    this.n = n;
  }

  /** Write cached data and metadata to disk (a checkpoint a killed process can resume from). */
  flush(): void {
    this.file?.flush();
  }

  close(): void {
    this.file?.close();
    this.file = null;
  }
}
