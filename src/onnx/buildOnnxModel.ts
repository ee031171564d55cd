/**
 * One ONNX model from one or more hpaic models of the same architecture (a run's folds): the graph input
 * `input` is float32 N × C × H × W in [0, 1] (pixel / 255) in the run's channel order, with a dynamic batch;
 * the input normalisation (model.input_norm) is folded into the graph; `logits` is the model's output, or the
 * mean of the folds' logits (`Mean`, the fold ensemble of `hpaic submit`); with `sigmoid`, the first output is
 * `probabilities` = σ(logits) and `logits` follows it.
 */
import type { Module } from '../nn/Module.js';
import { type InputNorm, normalizeInput } from '../models/inputNorm.js';
import { rand } from '../tensor/creation.js';
import { noGrad, tidy } from '../tensor/scope.js';
import { UsageError } from '../errors.js';
import { OnnxGraphBuilder } from './traceToOnnx.js';
import { ONNX_FLOAT, type OnnxModel } from './onnxProto.js';

/** Opset 13: Unsqueeze/Squeeze/ReduceSum take axes as inputs, ReduceMean/Max as attributes. */
export const ONNX_OPSET = 13;

export interface BuildOnnxOptions {
  /** Input channels, height and width. */
  channels: number;
  height: number;
  width: number;
  inputNorm?: InputNorm | null;
  sigmoid?: boolean;
  /** `metadata_props` of the model. */
  metadata?: Record<string, string>;
  /** Prefix of each model's initializer names, e.g. `fold_1.` (default: none for one model, `model_<k>.` for several). */
  prefixes?: readonly string[];
  producerVersion?: string;
  docString?: string;
}

/** Trace the models (in eval mode) and return the ONNX model. The models are left in eval mode. */
export function buildOnnxModel(models: readonly Module[], o: BuildOnnxOptions): OnnxModel {
  if (models.length === 0) throw new UsageError('ONNX export: no model to export');
  // The traced batch: any value works; an uncommon one keeps reshapes from mistaking another dimension for it.
  const batch = 3;
  const g = new OnnxGraphBuilder();
  const logits: string[] = [];
  let numClasses = 0;
  tidy(() => {
    const x = rand([batch, o.channels, o.height, o.width]);
    g.bind(x, 'input');
    models.forEach((m, k) => {
      m.eval();
      g.bindStateDict(m.stateDict(), o.prefixes?.[k] ?? (models.length > 1 ? `model_${k + 1}.` : ''));
      const y = noGrad(() => g.trace(() => m.forward(o.inputNorm ? normalizeInput(x, o.inputNorm) : x), batch));
      const shape = y.shape;
      if (shape.length !== 2 || shape[0] !== batch) throw new UsageError(`ONNX export: the model's output is [${shape.join(', ')}]; expected N × classes`);
      if (k > 0 && shape[1] !== numClasses) throw new UsageError(`ONNX export: model ${k + 1} has ${shape[1]} outputs but model 1 has ${numClasses}`);
      numClasses = shape[1];
      logits.push(g.nameOf(y.handle));
    });
  });
  const out = logits.length === 1 ? g.add('Identity', [logits[0]], undefined, ['logits']) : g.add('Mean', logits, undefined, ['logits']);
  const outputs = [{ name: out, elemType: ONNX_FLOAT, dims: ['batch', numClasses] }];
  if (o.sigmoid) outputs.unshift({ name: g.add('Sigmoid', [out], undefined, ['probabilities']), elemType: ONNX_FLOAT, dims: ['batch', numClasses] });
  return {
    graphName: 'hpaic',
    nodes: g.nodes,
    initializers: g.initializers,
    inputs: [{ name: 'input', elemType: ONNX_FLOAT, dims: ['batch', o.channels, o.height, o.width] }],
    outputs,
    opset: ONNX_OPSET,
    producerName: 'hpaic',
    producerVersion: o.producerVersion ?? '',
    docString: o.docString,
    metadata: o.metadata ?? {},
  };
}
