/**
 * Tensor: a TypeScript handle on one libtorch `at::Tensor`. Ops return new tensors (tracked by the
 * enclosing `tidy` scope); methods ending in `_` work in place and return `this`. Memory is explicit:
 * call `dispose()` (or use `using`, or `tidy`) — the GC is only a backstop.
 */
import { loadAddon } from '../native/loadAddon.js';
import type { AddonBinding, Handle } from '../native/binding.js';
import { DisposedTensorError } from '../errors.js';
import { type DType, DTYPE_CODE, dtypeFromCode, typedArrayOf, type AnyTypedArray } from './dtype.js';
import { track } from './scope.js';

export type Device = 'cpu' | 'cuda' | `cuda:${number}`;
export type Operand = Tensor | number;

let A: AddonBinding | undefined;
let traced: AddonBinding | undefined;
/** @internal The loaded addon (loaded on first use), or the recording wrapper while `traceOps` runs. */
export function addon(): AddonBinding {
  return traced ?? (A ??= loadAddon());
}
/** @internal The addon itself, never the tracing wrapper. */
export function rawAddon(): AddonBinding {
  return (A ??= loadAddon());
}
/** @internal Installs (or, with undefined, removes) the wrapper `trace.ts` records ops through. */
export function setTracedAddon(b: AddonBinding | undefined): void {
  traced = b;
}

function h(t: Tensor): Handle {
  return t.handle;
}
function operand(o: Operand): Handle | number {
  return typeof o === 'number' ? o : o.handle;
}

export class Tensor {
  #handle: Handle | null;
  #shape: number[] | undefined;

  /** @internal Wraps a native handle; use the creation functions (`tensor`, `zeros`, …) instead. */
  constructor(handle: Handle) {
    this.#handle = handle;
    track(this);
  }

  /** @internal */
  get handle(): Handle {
    if (this.#handle === null) throw new DisposedTensorError('this tensor was disposed; it cannot be used any more');
    return this.#handle;
  }

  get isDisposed(): boolean {
    return this.#handle === null;
  }

  /** Frees the native memory now (idempotent). */
  dispose(): void {
    if (this.#handle !== null) {
      addon().dispose(this.#handle);
      this.#handle = null;
    }
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  get shape(): number[] {
    return (this.#shape ??= addon().shape(this.handle));
  }
  get ndim(): number {
    return this.shape.length;
  }
  get numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }
  get dtype(): DType {
    return dtypeFromCode(addon().dtype(this.handle));
  }
  get device(): string {
    return addon().device(this.handle);
  }

  /** Copies the values out (Float32Array for float32, BigInt64Array for int64, raw Uint16Array bits for float16). */
  toTypedArray(): AnyTypedArray {
    const dtype = this.dtype;
    return typedArrayOf(dtype, addon().toBuffer(this.handle));
  }
  /** Values as a flat number[] (int64 converted with Number()). */
  toArray(): number[] {
    const a = this.toTypedArray();
    return a instanceof BigInt64Array ? Array.from(a, Number) : Array.from(a as ArrayLike<number>);
  }
  /** The value of a one-element tensor. */
  item(): number {
    return addon().item(this.handle);
  }

  // ---- autograd ----
  get requiresGrad(): boolean {
    return addon().requiresGrad(this.handle);
  }
  set requiresGrad(v: boolean) {
    addon().setRequiresGrad(this.handle, v);
  }
  /** The accumulated gradient (a new handle on it; dispose it when done), or null. */
  get grad(): Tensor | null {
    const g = addon().grad(this.handle);
    return g === null ? null : new Tensor(g);
  }
  /** Drops the accumulated gradient (like `zero_grad(set_to_none=True)`). */
  clearGrad(): void {
    addon().clearGrad(this.handle);
  }
  backward(gradient?: Tensor): void {
    addon().backward(this.handle, gradient ? gradient.handle : null);
  }
  detach(): Tensor {
    return new Tensor(addon().detach(this.handle));
  }
  clone(): Tensor {
    return new Tensor(addon().clone(this.handle));
  }

  // ---- conversion ----
  /** Moves / casts: `t.to('cuda')`, `t.to('float16')`, `t.to({ device: 'cpu', dtype: 'float32' })`. */
  to(target: Device | string | DType | { device?: Device | string; dtype?: DType; nonBlocking?: boolean }): Tensor {
    let device = this.device;
    let dtype = this.dtype;
    let nonBlocking = false;
    if (typeof target === 'string') {
      if (target in DTYPE_CODE) dtype = target as DType;
      else device = target;
    } else {
      device = target.device ?? device;
      dtype = target.dtype ?? dtype;
      nonBlocking = target.nonBlocking ?? false;
    }
    return new Tensor(addon().to(this.handle, DTYPE_CODE[dtype], device, nonBlocking));
  }
  contiguous(): Tensor {
    return new Tensor(addon().contiguous(this.handle, 0));
  }
  /** The channels_last memory format (NHWC strides), +5–20% speed for convnets (design.md). */
  channelsLast(): Tensor {
    return new Tensor(addon().contiguous(this.handle, 1));
  }
  get isChannelsLast(): boolean {
    return this.ndim === 4 && addon().isContiguous(this.handle, 1);
  }

  // ---- elementwise ----
  add(o: Operand, alpha = 1): Tensor {
    return new Tensor(addon().add(this.handle, operand(o), alpha));
  }
  sub(o: Operand, alpha = 1): Tensor {
    return new Tensor(addon().sub(this.handle, operand(o), alpha));
  }
  mul(o: Operand): Tensor {
    return new Tensor(addon().mul(this.handle, operand(o)));
  }
  div(o: Operand): Tensor {
    return new Tensor(addon().div(this.handle, operand(o)));
  }
  pow(o: Operand): Tensor {
    return new Tensor(addon().pow(this.handle, operand(o)));
  }
  maximum(o: Tensor): Tensor {
    return new Tensor(addon().maximum(this.handle, o.handle));
  }
  minimum(o: Tensor): Tensor {
    return new Tensor(addon().minimum(this.handle, o.handle));
  }
  matmul(o: Tensor): Tensor {
    return new Tensor(addon().matmul(this.handle, o.handle));
  }
  neg(): Tensor {
    return new Tensor(addon().neg(this.handle));
  }
  exp(): Tensor {
    return new Tensor(addon().exp(this.handle));
  }
  log(): Tensor {
    return new Tensor(addon().log(this.handle));
  }
  abs(): Tensor {
    return new Tensor(addon().abs(this.handle));
  }
  sqrt(): Tensor {
    return new Tensor(addon().sqrt(this.handle));
  }
  floor(): Tensor {
    return new Tensor(addon().floor(this.handle));
  }
  round(): Tensor {
    return new Tensor(addon().round(this.handle));
  }
  sigmoid(): Tensor {
    return new Tensor(addon().sigmoid(this.handle));
  }
  relu(): Tensor {
    return new Tensor(addon().relu(this.handle));
  }
  clamp(min: number | null, max: number | null = null): Tensor {
    return new Tensor(addon().clamp(this.handle, min, max));
  }

  // ---- comparisons (bool results) ----
  gt(o: Operand): Tensor {
    return new Tensor(addon().gt(this.handle, operand(o)));
  }
  ge(o: Operand): Tensor {
    return new Tensor(addon().ge(this.handle, operand(o)));
  }
  lt(o: Operand): Tensor {
    return new Tensor(addon().lt(this.handle, operand(o)));
  }
  le(o: Operand): Tensor {
    return new Tensor(addon().le(this.handle, operand(o)));
  }
  eq(o: Operand): Tensor {
    return new Tensor(addon().eq(this.handle, operand(o)));
  }
  ne(o: Operand): Tensor {
    return new Tensor(addon().ne(this.handle, operand(o)));
  }

  // ---- reductions (dims omitted = all elements) ----
  sum(dims?: number | number[], keepdim = false): Tensor {
    return new Tensor(addon().sum(this.handle, dimList(dims), keepdim));
  }
  mean(dims?: number | number[], keepdim = false): Tensor {
    return new Tensor(addon().mean(this.handle, dimList(dims), keepdim));
  }
  amax(dims?: number | number[], keepdim = false): Tensor {
    return new Tensor(addon().amax(this.handle, dimList(dims), keepdim));
  }
  amin(dims?: number | number[], keepdim = false): Tensor {
    return new Tensor(addon().amin(this.handle, dimList(dims), keepdim));
  }
  argmax(dim: number, keepdim = false): Tensor {
    return new Tensor(addon().argmax(this.handle, dim, keepdim));
  }

  // ---- shape ----
  reshape(shape: number[]): Tensor {
    return new Tensor(addon().reshape(this.handle, shape));
  }
  permute(dims: number[]): Tensor {
    return new Tensor(addon().permute(this.handle, dims));
  }
  flip(dims: number[]): Tensor {
    return new Tensor(addon().flip(this.handle, dims));
  }
  transpose(d0: number, d1: number): Tensor {
    return new Tensor(addon().transpose(this.handle, d0, d1));
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return new Tensor(addon().narrow(this.handle, dim, start, length));
  }
  select(dim: number, index: number): Tensor {
    return new Tensor(addon().select(this.handle, dim, index));
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return new Tensor(addon().indexSelect(this.handle, dim, index.handle));
  }
  unsqueeze(dim: number): Tensor {
    return new Tensor(addon().unsqueeze(this.handle, dim));
  }
  squeeze(dim: number): Tensor {
    return new Tensor(addon().squeeze(this.handle, dim));
  }
  flatten(start = 0, end = -1): Tensor {
    return new Tensor(addon().flatten(this.handle, start, end));
  }
  expand(shape: number[]): Tensor {
    return new Tensor(addon().expand(this.handle, shape));
  }

  // ---- in place ----
  add_(o: Operand, alpha = 1): this {
    addon().add_(this.handle, operand(o), alpha);
    return this;
  }
  mul_(o: Operand): this {
    addon().mul_(this.handle, operand(o));
    return this;
  }
  copy_(src: Tensor): this {
    addon().copy_(this.handle, src.handle);
    return this;
  }
  zero_(): this {
    addon().zero_(this.handle);
    return this;
  }
  fill_(v: number): this {
    addon().fill_(this.handle, v);
    return this;
  }
  uniform_(from: number, to: number): this {
    addon().uniform_(this.handle, from, to);
    return this;
  }
  normal_(mean: number, std: number): this {
    addon().normal_(this.handle, mean, std);
    return this;
  }
  clamp_(min: number | null, max: number | null = null): this {
    addon().clamp_(this.handle, min, max);
    return this;
  }

  toString(): string {
    return this.isDisposed ? 'Tensor(<disposed>)' : `Tensor(${this.dtype}[${this.shape.join(', ')}] on ${this.device})`;
  }
}

function dimList(dims?: number | number[]): number[] | null {
  if (dims === undefined) return null;
  return typeof dims === 'number' ? [dims] : dims;
}

export { h as handleOf };
