/**
 * From a traced forward pass (tensor/trace.ts) to ONNX nodes: each recorded addon op becomes one or a few
 * ONNX opset-13 operators. Values are named by the tensor handle that carried them: the graph input, a model's
 * state-dict tensors (initializers named by their state-dict key), op results, and any other tensor an op
 * reads (a constant made inside the forward, e.g. the input normalisation's mean and std) becomes an
 * initializer holding its value at that moment. An op with no ONNX mapping, or a training-mode op, stops the
 * export with its name, so an unsupported model fails loudly rather than exporting something else.
 */
import type { AddonBinding, Handle } from '../native/binding.js';
import { scalarTypeName } from '../native/scalarType.js';
import { rawAddon } from '../tensor/Tensor.js';
import type { Tensor } from '../tensor/Tensor.js';
import { traceOps } from '../tensor/trace.js';
import { UsageError } from '../errors.js';
import { ONNX_FLOAT, ONNX_INT64, type AttributeValue, type OnnxNode, type OnnxTensor } from './onnxProto.js';

/** TensorProto.DataType of hpaic's dtypes (for Cast). */
const ONNX_TYPE: Partial<Record<string, number>> = { float32: 1, uint8: 2, int8: 3, int16: 5, int32: 6, int64: 7, bool: 9, float16: 10, float64: 11, bfloat16: 16 };

/** A graph under construction: nodes, initializers and the name of each live value. */
export class OnnxGraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private readonly names = new Map<Handle, string>();
  private readonly used = new Set<string>();
  private counter = 0;
  private readonly A: AddonBinding = rawAddon();

  /** A fresh value name starting with `base`. */
  fresh(base: string): string {
    let n = base;
    while (this.used.has(n)) n = `${base}_${++this.counter}`;
    this.used.add(n);
    return n;
  }

  /** Name the value a tensor holds (graph input, parameter). */
  bind(t: Tensor | Handle, name: string): void {
    const h = (t as Tensor).handle ?? (t as Handle);
    this.used.add(name);
    this.names.set(h, name);
  }

  /** Bind every state-dict tensor of a model to `prefix + key`; they become initializers when first read. */
  bindStateDict(sd: Map<string, Tensor>, prefix = ''): void {
    for (const [k, t] of sd) this.pendingParams.set(t.handle, `${prefix}${k}`);
  }
  private readonly pendingParams = new Map<Handle, string>();

  /** The value name of a handle, adding it as an initializer (parameter or constant) when first seen. */
  nameOf(h: Handle): string {
    const known = this.names.get(h);
    if (known) return known;
    const name = this.fresh(this.pendingParams.get(h) ?? 'const');
    this.initializers.push(this.tensorValue(h, name));
    this.names.set(h, name);
    return name;
  }

  private tensorValue(h: Handle, name: string): OnnxTensor {
    const dtype = scalarTypeName(this.A.dtype(h));
    const dims = this.A.shape(h);
    const bytes = new Uint8Array(this.A.toBuffer(h));
    if (dtype === 'float32') return { name, dims, dataType: ONNX_FLOAT, raw: bytes };
    if (dtype === 'int64') return { name, dims, dataType: ONNX_INT64, raw: bytes };
    throw new UsageError(`ONNX export: the tensor ${name} is ${dtype ?? 'of an unknown type'}; only float32 and int64 constants are exported (export in fp32)`);
  }

  /** A float32 constant. */
  floatConst(values: readonly number[], dims: readonly number[], base = 'const'): string {
    const name = this.fresh(base);
    this.initializers.push({ name, dims, dataType: ONNX_FLOAT, raw: new Uint8Array(Float32Array.from(values).buffer) });
    return name;
  }

  /** An int64 constant (shapes, axes; negative values allowed here). */
  intConst(values: readonly number[], base = 'ints'): string {
    const name = this.fresh(base);
    this.initializers.push({ name, dims: [values.length], dataType: ONNX_INT64, raw: new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer) });
    return name;
  }

  /** Add a node; returns its (first) output name. */
  add(opType: string, inputs: readonly string[], attributes?: Record<string, AttributeValue>, outputs?: readonly string[]): string {
    const outs = outputs ?? [this.fresh(`${opType.toLowerCase()}_out`)];
    this.nodes.push({ opType, inputs, outputs: outs, name: this.fresh(`${opType}_${this.nodes.length}`), ...(attributes ? { attributes } : {}) });
    return outs[0];
  }

  /** Record that `h` now holds the value `name` (op results, in-place ops). */
  set(h: Handle, name: string): void {
    this.names.set(h, name);
  }

  has(h: Handle): boolean {
    return this.names.has(h);
  }

  shape(h: Handle): number[] {
    return this.A.shape(h);
  }

  /**
   * Run `fn` (a forward pass) recording its ops into this graph; `batch` is the traced batch size, which
   * reshapes keep dynamic (a leading dimension equal to it becomes ONNX's "copy from input" 0).
   */
  trace<T>(fn: () => T, batch: number): T {
    return traceOps(fn, (op, args, result) => this.record(op, args, result, batch));
  }

  private record(op: string, args: readonly unknown[], result: unknown, batch: number): void {
    const h = (i: number): Handle => args[i] as Handle;
    const x = (i: number): string => this.nameOf(h(i));
    const rank = (i: number): number => this.shape(h(i)).length;
    const axis = (d: number, r: number): number => (d < 0 ? d + r : d);
    const out = (name: string): void => this.set(result as Handle, name);
    const operand = (i: number): string => (typeof args[i] === 'number' ? this.floatConst([args[i] as number], [], 'scalar') : x(i));
    const pads = (p: readonly number[]): number[] => [p[0], p[1], p[0], p[1]];
    switch (op) {
      // Creation ops: their values are read when another op uses them (nameOf).
      case 'fromBuffer':
      case 'empty':
      case 'zeros':
      case 'ones':
      case 'full':
      case 'arange':
        return;
      case 'conv2d': {
        const w = this.shape(h(1));
        const ins = [x(0), x(1), ...(args[2] ? [x(2)] : [])];
        return out(this.add('Conv', ins, { kernel_shape: { ints: w.slice(2) }, strides: { ints: args[3] as number[] }, pads: { ints: pads(args[4] as number[]) }, dilations: { ints: args[5] as number[] }, group: { i: args[6] as number } }));
      }
      case 'batchNorm': {
        if (args[5]) throw new UsageError('ONNX export: batch norm in training mode; call model.eval() first');
        const c = this.shape(h(0))[1];
        const scale = args[1] ? x(1) : this.floatConst(new Array<number>(c).fill(1), [c], 'bn_ones');
        const bias = args[2] ? x(2) : this.floatConst(new Array<number>(c).fill(0), [c], 'bn_zeros');
        if (!args[3] || !args[4]) throw new UsageError('ONNX export: batch norm without running statistics is not exported');
        return out(this.add('BatchNormalization', [x(0), scale, bias, x(3), x(4)], { epsilon: { f: args[7] as number } }));
      }
      case 'relu':
        return out(this.add('Relu', [x(0)]));
      case 'relu_':
        return this.set(h(0), this.add('Relu', [x(0)]));
      case 'sigmoid':
        return out(this.add('Sigmoid', [x(0)]));
      case 'exp':
      case 'log':
      case 'neg':
      case 'abs':
      case 'sqrt':
      case 'floor':
        return out(this.add(op[0].toUpperCase() + op.slice(1), [x(0)]));
      case 'softmax':
        return out(this.add('Softmax', [x(0)], { axis: { i: axis(args[1] as number, rank(0)) } }));
      case 'maxPool2d': {
        const [, k, s, p, d, ceil] = args as [unknown, number[], number[], number[], number[], boolean];
        return out(this.add('MaxPool', [x(0)], { kernel_shape: { ints: k }, strides: { ints: s }, pads: { ints: pads(p) }, dilations: { ints: d }, ceil_mode: { i: ceil ? 1 : 0 } }));
      }
      case 'avgPool2d': {
        const [, k, s, p, ceil, includePad] = args as [unknown, number[], number[], number[], boolean, boolean];
        return out(this.add('AveragePool', [x(0)], { kernel_shape: { ints: k }, strides: { ints: s }, pads: { ints: pads(p) }, ceil_mode: { i: ceil ? 1 : 0 }, count_include_pad: { i: includePad ? 1 : 0 } }));
      }
      case 'adaptiveAvgPool2d':
      case 'adaptiveMaxPool2d': {
        const size = args[1] as number[];
        if (size[0] !== 1 || size[1] !== 1) throw new UsageError(`ONNX export: ${op} to ${size.join('×')} is not exported (only global pooling, 1×1)`);
        return out(this.add(op === 'adaptiveAvgPool2d' ? 'GlobalAveragePool' : 'GlobalMaxPool', [x(0)]));
      }
      case 'linear': {
        if (rank(0) !== 2) throw new UsageError(`ONNX export: linear on a rank-${rank(0)} input is not exported (flatten to N × features first)`);
        return out(this.add('Gemm', [x(0), x(1), ...(args[2] ? [x(2)] : [])], { transB: { i: 1 } }));
      }
      case 'dropout':
        if (args[2]) throw new UsageError('ONNX export: dropout in training mode; call model.eval() first');
        return out(x(0));
      case 'contiguous':
      case 'clone':
      case 'detach':
        return out(x(0));
      case 'to': {
        const from = scalarTypeName(rawAddon().dtype(h(0)));
        const to = scalarTypeName(args[1] as number);
        if (from === to) return out(x(0));
        const code = to === undefined ? undefined : ONNX_TYPE[to];
        if (code === undefined) throw new UsageError(`ONNX export: a cast from ${from} to ${to} inside the forward is not exported`);
        return out(this.add('Cast', [x(0)], { to: { i: code } }));
      }
      case 'flatten': {
        const r = rank(0);
        const start = axis(args[1] as number, r);
        const end = axis(args[2] as number, r);
        if (end === r - 1) return out(this.add('Flatten', [x(0)], { axis: { i: start } }));
        return out(this.reshape(x(0), this.shape(result as Handle), batch));
      }
      case 'reshape':
        return out(this.reshape(x(0), args[1] as number[], batch));
      case 'permute':
        return out(this.add('Transpose', [x(0)], { perm: { ints: (args[1] as number[]).map((d) => axis(d, rank(0))) } }));
      case 'transpose': {
        const r = rank(0);
        const perm = Array.from({ length: r }, (_, i) => i);
        const a = axis(args[1] as number, r);
        const b = axis(args[2] as number, r);
        [perm[a], perm[b]] = [perm[b], perm[a]];
        return out(this.add('Transpose', [x(0)], { perm: { ints: perm } }));
      }
      case 'cat': {
        const list = args[0] as Handle[];
        const r = this.shape(list[0]).length;
        return out(this.add('Concat', list.map((t) => this.nameOf(t)), { axis: { i: axis(args[1] as number, r) } }));
      }
      case 'narrow': {
        const d = axis(args[1] as number, rank(0));
        const start = args[2] as number;
        return out(this.add('Slice', [x(0), this.intConst([start], 'starts'), this.intConst([start + (args[3] as number)], 'ends'), this.intConst([d], 'axes')]));
      }
      case 'unsqueeze':
        return out(this.add('Unsqueeze', [x(0), this.intConst([axis(args[1] as number, rank(0) + 1)], 'axes')]));
      case 'squeeze':
        return out(this.add('Squeeze', [x(0), this.intConst([axis(args[1] as number, rank(0))], 'axes')]));
      case 'add':
      case 'sub':
      case 'add_': {
        let b = operand(1);
        const alpha = args[2] as number;
        if (alpha !== 1) b = this.add('Mul', [b, this.floatConst([alpha], [], 'alpha')]);
        const y = this.add(op === 'sub' ? 'Sub' : 'Add', [x(0), b]);
        return op === 'add_' ? this.set(h(0), y) : out(y);
      }
      case 'mul':
      case 'div':
      case 'pow':
      case 'mul_': {
        const y = this.add(op === 'div' ? 'Div' : op === 'pow' ? 'Pow' : 'Mul', [x(0), operand(1)]);
        return op === 'mul_' ? this.set(h(0), y) : out(y);
      }
      case 'maximum':
      case 'minimum':
        return out(this.add(op === 'maximum' ? 'Max' : 'Min', [x(0), x(1)]));
      case 'matmul':
        return out(this.add('MatMul', [x(0), x(1)]));
      case 'clamp': {
        const lo = args[1] === null ? '' : this.floatConst([args[1] as number], [], 'min');
        const hi = args[2] === null ? '' : this.floatConst([args[2] as number], [], 'max');
        return out(this.add('Clip', hi ? [x(0), lo, hi] : lo ? [x(0), lo] : [x(0)]));
      }
      case 'mean':
      case 'sum':
      case 'amax':
      case 'amin': {
        const r = rank(0);
        const dims = (args[1] as number[] | null) ?? Array.from({ length: r }, (_, i) => i);
        const keep = { keepdims: { i: args[2] ? 1 : 0 } };
        const axes = dims.map((d) => axis(d, r));
        if (op === 'sum') return out(this.add('ReduceSum', [x(0), this.intConst(axes, 'axes')], keep));
        return out(this.add(op === 'mean' ? 'ReduceMean' : op === 'amax' ? 'ReduceMax' : 'ReduceMin', [x(0)], { axes: { ints: axes }, ...keep }));
      }
      case 'logSigmoid':
        return out(this.add('Log', [this.add('Sigmoid', [x(0)])]));
      case 'stack': {
        const list = args[0] as Handle[];
        const d = axis(args[1] as number, this.shape(list[0]).length + 1);
        const axes = this.intConst([d], 'axes');
        return out(this.add('Concat', list.map((t) => this.add('Unsqueeze', [this.nameOf(t), axes])), { axis: { i: d } }));
      }
      case 'select': {
        const d = axis(args[1] as number, rank(0));
        const i = args[2] as number;
        const index = i < 0 ? i + this.shape(h(0))[d] : i;
        return out(this.add('Squeeze', [this.add('Slice', [x(0), this.intConst([index], 'starts'), this.intConst([index + 1], 'ends'), this.intConst([d], 'axes')]), this.intConst([d], 'axes')]));
      }
      case 'indexSelect':
        return out(this.add('Gather', [x(0), x(2)], { axis: { i: axis(args[1] as number, rank(0)) } }));
      case 'expand': {
        // Expand broadcasts: a 1 keeps the input's size, so the batch stays dynamic; -1 (keep) is 1 too.
        const inShape = this.shape(h(0));
        const target = (args[1] as number[]).map((d, i) => {
          const j = i - ((args[1] as number[]).length - inShape.length);
          return d === -1 || (j >= 0 && inShape[j] === d) ? 1 : d;
        });
        return out(this.add('Expand', [x(0), this.intConst(target, 'shape')]));
      }
      case 'upsampleBilinear2d':
      case 'upsampleNearest2d': {
        // Sizes from the input's own N and C (dynamic batch) and the traced H × W.
        const nc = this.add('Slice', [this.add('Shape', [x(0)]), this.intConst([0], 'starts'), this.intConst([2], 'ends'), this.intConst([0], 'axes')]);
        const sizes = this.add('Concat', [nc, this.intConst(args[1] as number[], 'hw')], { axis: { i: 0 } });
        const attrs: Record<string, AttributeValue> =
          op === 'upsampleNearest2d'
            ? { mode: { s: 'nearest' }, coordinate_transformation_mode: { s: 'asymmetric' }, nearest_mode: { s: 'floor' } }
            : { mode: { s: 'linear' }, coordinate_transformation_mode: { s: args[2] ? 'align_corners' : 'pytorch_half_pixel' } };
        return out(this.add('Resize', [x(0), '', '', sizes], attrs));
      }
      case 'where':
        return out(this.add('Where', [x(0), x(1), x(2)]));
      case 'gt':
      case 'lt':
      case 'ge':
      case 'le':
      case 'eq': {
        const names = { gt: 'Greater', lt: 'Less', ge: 'GreaterOrEqual', le: 'LessOrEqual', eq: 'Equal' } as const;
        return out(this.add(names[op], [x(0), operand(1)]));
      }
      default:
        throw new UsageError(`ONNX export: the op ${op} has no ONNX mapping yet (src/onnx/traceToOnnx.ts)`);
    }
  }

  /** Reshape to `shape`, keeping a leading batch dimension dynamic. */
  private reshape(input: string, shape: readonly number[], batch: number): string {
    const target = shape.map((d, i) => (i === 0 && d === batch ? 0 : d));
    return this.add('Reshape', [input, this.intConst(target, 'shape')]);
  }
}
