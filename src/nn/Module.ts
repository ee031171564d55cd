/**
 * Module: the base of every layer and model. Parameters, buffers and child modules are registered by name,
 * so `stateDict()` keys are exactly PyTorch's `state_dict()` keys (same names, same order: a module's own
 * parameters, then its buffers, then its children's, recursively).
 */
import { Tensor } from '../tensor/Tensor.js';
import { keep, noGrad } from '../tensor/scope.js';
import { CheckpointError } from '../errors.js';

export abstract class Module {
  training = true;
  readonly #params = new Map<string, Tensor>();
  readonly #buffers = new Map<string, Tensor>();
  readonly #children = new Map<string, Module>();

  abstract forward(x: Tensor): Tensor;

  /** Registers a trainable parameter (kept out of tidy scopes, requires grad). */
  protected registerParameter(name: string, t: Tensor): Tensor {
    keep(t);
    t.requiresGrad = true;
    this.#params.set(name, t);
    return t;
  }
  /** Registers a non-trainable tensor that is part of the state dict (BatchNorm running stats). */
  protected registerBuffer(name: string, t: Tensor): Tensor {
    keep(t);
    this.#buffers.set(name, t);
    return t;
  }
  protected registerModule<M extends Module>(name: string, m: M): M {
    this.#children.set(name, m);
    return m;
  }
  /** @internal The parameter or buffer registered as `name` on this module (after to()/channelsLast it is a new tensor). */
  protected tensorNamed(name: string): Tensor {
    const t = this.#params.get(name) ?? this.#buffers.get(name);
    if (!t) throw new Error(`no parameter or buffer named ${name}`);
    return t;
  }
  protected param(name: string): Tensor {
    return this.#params.get(name) as Tensor;
  }
  protected paramOrNull(name: string): Tensor | null {
    return this.#params.get(name) ?? null;
  }
  protected buffer(name: string): Tensor {
    return this.#buffers.get(name) as Tensor;
  }

  children(): [string, Module][] {
    return [...this.#children];
  }
  child(name: string): Module | undefined {
    return this.#children.get(name);
  }

  *namedModules(prefix = ''): Generator<[string, Module]> {
    yield [prefix, this];
    for (const [n, c] of this.#children) yield* c.namedModules(prefix ? `${prefix}.${n}` : n);
  }

  /** Parameters with their state-dict keys, in PyTorch's order. */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [path, m] of this.namedModules(prefix)) {
      for (const [n, t] of m.#params) out.push([path ? `${path}.${n}` : n, t]);
    }
    return out;
  }
  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Parameters and buffers by PyTorch `state_dict` key (the tensors themselves, not copies). */
  stateDict(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    const visit = (m: Module, prefix: string): void => {
      for (const [n, t] of m.#params) out.set(prefix + n, t);
      for (const [n, t] of m.#buffers) out.set(prefix + n, t);
      for (const [n, c] of m.#children) visit(c, `${prefix}${n}.`);
    };
    visit(this, '');
    return out;
  }

  /**
   * Copies values from `source` into this module's tensors (shapes must match; dtypes are converted).
   * Strict mode reports every missing and unexpected key in one CheckpointError; non-strict returns them.
   */
  loadStateDict(source: Map<string, Tensor>, { strict = true, what = 'state dict' } = {}): { missing: string[]; unexpected: string[] } {
    const own = this.stateDict();
    const missing = [...own.keys()].filter((k) => !source.has(k));
    const unexpected = [...source.keys()].filter((k) => !own.has(k));
    if (strict && (missing.length || unexpected.length)) {
      throw new CheckpointError(
        `${what} does not match the model: ${missing.length} missing key(s)${missing.length ? ` [${missing.join(', ')}]` : ''}, ` +
          `${unexpected.length} unexpected key(s)${unexpected.length ? ` [${unexpected.join(', ')}]` : ''}`,
      );
    }
    const mismatched: string[] = [];
    for (const [k, t] of own) {
      const s = source.get(k);
      if (s && s.shape.join(',') !== t.shape.join(',')) mismatched.push(`${k}: model [${t.shape}] vs file [${s.shape}]`);
    }
    if (mismatched.length) throw new CheckpointError(`${what}: shape mismatch for ${mismatched.join('; ')}`);
    noGrad(() => {
      for (const [k, t] of own) {
        const s = source.get(k);
        if (s) t.copy_(s);
      }
    });
    return { missing, unexpected };
  }

  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }
  eval(): this {
    return this.train(false);
  }

  /** Replaces every parameter and buffer by `convert(t)` (device moves, memory format), keeping grad flags. */
  protected mapTensors(convert: (t: Tensor, isParam: boolean) => Tensor): this {
    for (const [, m] of this.namedModules()) {
      for (const map of [m.#params, m.#buffers]) {
        for (const [n, t] of map) {
          const isParam = map === m.#params;
          const c = noGrad(() => convert(t, isParam));
          if (c === t) continue;
          keep(c);
          if (isParam) c.requiresGrad = true;
          map.set(n, c);
          t.dispose();
        }
      }
    }
    return this;
  }

  /** Moves every parameter and buffer to `device` ('cpu', 'cuda', 'cuda:1'). Create optimizers after this. */
  to(device: string): this {
    return this.mapTensors((t) => (t.device === device || (device === 'cuda' && t.device === 'cuda:0') ? t : t.to(device)));
  }

  /** Stores 4-D weights in channels_last format (NHWC strides; faster convolutions, design.md). */
  channelsLast(): this {
    return this.mapTensors((t) => (t.ndim === 4 ? t.channelsLast() : t));
  }

  /** Frees every parameter and buffer. */
  dispose(): void {
    for (const t of this.stateDict().values()) t.dispose();
  }

  /** Number of trainable values. */
  parameterCount(): number {
    return this.parameters().reduce((n, p) => n + p.numel, 0);
  }
}
