/**
 * Tensor lifetime scopes. Native memory is freed explicitly (design.md: tensors freed only by GC pile up):
 * `tidy(fn)` disposes every tensor created inside `fn` except the ones it returns or `keep()`s;
 * `noGrad(fn)` runs `fn` with autograd recording off.
 */
import { loadAddon } from '../native/loadAddon.js';

/** Anything with a dispose method that scopes track (Tensor implements it). */
export interface Disposable {
  dispose(): void;
  readonly isDisposed: boolean;
}

const scopes: Set<Disposable>[] = [];

/** @internal Called by every new Tensor. */
export function track(t: Disposable): void {
  if (scopes.length > 0) scopes[scopes.length - 1].add(t);
}

/** Removes `t` from every open scope so that it outlives them (parameters, results kept across steps). */
export function keep<T extends Disposable>(t: T): T {
  for (const s of scopes) s.delete(t);
  return t;
}

function collectKept(value: unknown, out: Set<unknown>, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 4) return;
  if ('dispose' in value && 'isDisposed' in value) {
    out.add(value);
    return;
  }
  if (Array.isArray(value)) for (const v of value) collectKept(v, out, depth + 1);
  else if (value instanceof Map) for (const v of value.values()) collectKept(v, out, depth + 1);
  else if (Object.getPrototypeOf(value) === Object.prototype) for (const v of Object.values(value)) collectKept(v, out, depth + 1);
}

/**
 * Runs `fn` and disposes the tensors it created, except those in its result (a tensor, or arrays / plain
 * objects / Maps of tensors), which move to the enclosing scope. Synchronous only: an async `fn` would end
 * the scope at its first await.
 * @example const loss = tidy(() => criterion(model.forward(x), y));
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Disposable>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    scopes.pop();
    for (const t of scope) t.dispose();
    throw err;
  }
  scopes.pop();
  if (result instanceof Promise) throw new Error('tidy(fn): fn must be synchronous (it returned a Promise)');
  const kept = new Set<unknown>();
  collectKept(result, kept);
  for (const t of scope) {
    if (kept.has(t)) track(t);
    else t.dispose();
  }
  return result;
}

/** Runs `fn` with gradient recording disabled (like `torch.no_grad()`), restoring the previous mode. */
export function noGrad<T>(fn: () => T): T {
  const addon = loadAddon();
  const prev = addon.isGradEnabled();
  addon.setGradEnabled(false);
  try {
    const r = fn();
    if (r instanceof Promise) throw new Error('noGrad(fn): fn must be synchronous (it returned a Promise)');
    return r;
  } finally {
    addon.setGradEnabled(prev);
  }
}

/** Number of live native tensors (handles not yet disposed or collected): the leak-test counter. */
export function liveTensors(): number {
  return loadAddon().liveTensors();
}
