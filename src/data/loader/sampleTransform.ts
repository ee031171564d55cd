/**
 * What the loader does to one stored sample: channel filter → resize → (augmentation | TTA ops) → float CHW.
 * Shared by the main thread (`workers: 0`) and the loader worker threads, so both produce identical bytes.
 */
import { UsageError } from '../../errors.js';
import { type AugOp, applyOps, drawTrainOps } from '../image/augOps.js';
import { type HwcImage, type ImageSize } from '../image/hwcImage.js';
import { augmentToFloatCHW } from '../image/toFloat.js';
import { resizeBilinear } from '../image/resize.js';
import { applyChannelFilter, filterChannelCount, parseChannelFilter } from '../image/channelFilter.js';
import { checkStoredName } from '../store/checkStoredName.js';
import type { ImageStore } from '../store/ImageStore.js';
import { seededRandom } from '../tables/seededRandom.js';

/** The per-sample transform of a loader; plain data, so it can be posted to worker threads. */
export type SampleTransform =
  /** Resize + to-tensor: validation, test, and training without `aug` (seed-spec §10.1 steps 1 and 7). */
  | { readonly kind: 'plain'; readonly height: number; readonly width: number }
  /**
   * The seed's training augmentation, drawn per sample from (seed, epoch, position in the epoch); with `crop`
   * (config `crop_size`, bestfitting: 512 crops of 768 images) a random crop of that size is cut from the
   * height × width image first, at an offset drawn from its own stream of the same sample.
   */
  | { readonly kind: 'train'; readonly height: number; readonly width: number; readonly crop?: ImageSize }
  /** Resize, then fixed ops (one TTA pipeline). */
  | { readonly kind: 'ops'; readonly height: number; readonly width: number; readonly ops: readonly AugOp[] };

/** The fixed parts of a loader's sample pipeline. */
export interface SamplePipeline {
  readonly filter: string;
  readonly transform: SampleTransform;
  readonly seed: number;
}

/** One sample to load: the store row, its position in the epoch (seeds the augmentation), the expected name. */
export interface SampleRequest {
  readonly row: number;
  readonly position: number;
  /** When given, the stored name at `row` must equal it (the seed's check, seed-spec §1.5). */
  readonly name?: string;
}

/** Validates a transform's size; returns it. */
export function transformSize(t: SampleTransform): ImageSize {
  if (!(Number.isInteger(t.height) && Number.isInteger(t.width) && t.height > 0 && t.width > 0)) {
    throw new UsageError(`loader transform: expected a positive integer height and width, received ${t.height}×${t.width}`);
  }
  return { height: t.height, width: t.width };
}

/** Channels, height and width of one output sample. */
export function sampleShape(p: SamplePipeline): [number, number, number] {
  const { height, width } = transformSize(p.transform);
  const crop = cropOf(p.transform);
  if (crop) {
    if (!(Number.isInteger(crop.height) && Number.isInteger(crop.width) && crop.height > 0 && crop.width > 0 && crop.height <= height && crop.width <= width)) {
      throw new UsageError(`loader transform: the crop ${crop.height}×${crop.width} must be positive integers within the ${height}×${width} image`);
    }
    return [filterChannelCount(p.filter), crop.height, crop.width];
  }
  return [filterChannelCount(p.filter), height, width];
}

function cropOf(t: SampleTransform): ImageSize | undefined {
  return t.kind === 'train' ? t.crop : undefined;
}

/** The top-left corner of one sample's random crop: uniform over every position inside the image. */
export function cropOffset(p: SamplePipeline, epoch: number, position: number): { top: number; left: number } {
  const { height, width } = transformSize(p.transform);
  const crop = cropOf(p.transform)!;
  const rng = seededRandom(p.seed, epoch, position, 7);
  return { top: Math.floor(rng() * (height - crop.height + 1)), left: Math.floor(rng() * (width - crop.width + 1)) };
}

/** The `size` window of `img` at (top, left), as a new image. */
export function cropImage(img: HwcImage, top: number, left: number, size: ImageSize): HwcImage {
  const C = img.channels;
  const out = new Uint8Array(size.height * size.width * C);
  for (let y = 0; y < size.height; y++) out.set(img.data.subarray(((top + y) * img.width + left) * C, ((top + y) * img.width + left + size.width) * C), y * size.width * C);
  return { data: out, height: size.height, width: size.width, channels: C };
}

/** Resize to the transform's size, then cut the sample's random crop when the transform has one. */
function resizedAndCropped(img: HwcImage, p: SamplePipeline, epoch: number, position: number): HwcImage {
  const resized = resizeBilinear(img, transformSize(p.transform));
  const crop = cropOf(p.transform);
  if (!crop) return resized;
  const { top, left } = cropOffset(p, epoch, position);
  return cropImage(resized, top, left, crop);
}

/** The ops drawn for one sample: none (plain), the training augmentation for (seed, epoch, position), or the TTA ops. */
export function sampleOps(p: SamplePipeline, epoch: number, position: number): readonly AugOp[] {
  const t = p.transform;
  switch (t.kind) {
    case 'plain':
      return [];
    case 'train':
      return drawTrainOps(seededRandom(p.seed, epoch, position));
    case 'ops':
      return t.ops;
    default:
      throw new UsageError(`loader transform: unknown kind in ${JSON.stringify(t)}`);
  }
}

/** Apply the pipeline's image transform to one channel-filtered image (the reference path of `loadSamples`). */
export function transformImage(img: HwcImage, p: SamplePipeline, epoch: number, position: number): HwcImage {
  return applyOps(resizedAndCropped(img, p, epoch, position), sampleOps(p, epoch, position));
}

/**
 * Read, check, filter, transform and convert `samples` into `out` (N × C × H × W float32, sample i at offset
 * i·C·H·W). Returns `out`.
 * @throws DataError when a stored name differs from the expected one (`checkStoredName`: both names, the row, the store).
 */
export function loadSamples(store: ImageStore, samples: readonly SampleRequest[], p: SamplePipeline, epoch: number, out?: Float32Array, where = 'store'): Float32Array {
  const [C, H, W] = sampleShape(p);
  const per = C * H * W;
  const dst = out ?? new Float32Array(samples.length * per);
  // A plain channel pick (not the rygb mix) can be fused into the augmentation's gather pass.
  const map = p.filter.toLowerCase() === 'rygb' ? undefined : parseChannelFilter(p.filter);
  samples.forEach((s, i) => {
    if (s.name !== undefined) checkStoredName(store, s.row, s.name, where);
    const rgby = store.read(s.row);
    const stored: HwcImage = { data: rgby, height: store.height, width: store.width, channels: 4 };
    const ops = sampleOps(p, epoch, s.position);
    if (map && !cropOf(p.transform) && store.height === H && store.width === W) {
      // No resize: pick the channels inside the fused gather pass instead of copying them first.
      augmentToFloatCHW(stored, ops, dst, i * per, map);
    } else {
      const img: HwcImage = { data: applyChannelFilter(rgby, store.height, store.width, p.filter), height: store.height, width: store.width, channels: C };
      augmentToFloatCHW(resizedAndCropped(img, p, epoch, s.position), ops, dst, i * per);
    }
  });
  return dst;
}

/** A recycled buffer of exactly `floats` float32 values, or undefined (then a fresh one is allocated). */
export function takeBuffer(free: ArrayBuffer[], floats: number): Float32Array | undefined {
  const i = free.findIndex((b) => b.byteLength === floats * 4);
  return i < 0 ? undefined : new Float32Array(free.splice(i, 1)[0]);
}
