/**
 * The ONNX exporter's tracing: an op without an ONNX mapping, or a model left in training mode, stops the export
 * with a message naming it; the addon is un-hooked afterwards even when the export failed; exporting leaves
 * no live tensor behind; constants made inside a forward become initializers holding their values.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Module } from '../../src/nn/Module.js';
import { createModel } from '../../src/models/registry.js';
import { buildOnnxModel } from '../../src/onnx/buildOnnxModel.js';
import { encodeOnnxModel } from '../../src/onnx/onnxProto.js';
import { OnnxGraphBuilder } from '../../src/onnx/traceToOnnx.js';
import { traceOps } from '../../src/tensor/trace.js';
import { liveTensors, manualSeed, rand, tensor, tidy, type Tensor } from '../../src/tensor/index.js';

class ArgMax extends Module {
  forward(x: Tensor): Tensor {
    return x.flatten(1).argmax(1, true);
  }
}

class AddsConstant extends Module {
  forward(x: Tensor): Tensor {
    return tidy(() => x.flatten(1).narrow(1, 0, 4).add(tensor(Float32Array.of(1, 2, 3, 4), [1, 4])));
  }
}

test('an op without an ONNX mapping names itself, and the addon is no longer traced afterwards', () => {
  const m = new ArgMax();
  assert.throws(() => buildOnnxModel([m], { channels: 1, height: 4, width: 4 }), /ONNX export: the op argmax has no ONNX mapping/);
  let recorded = 0;
  traceOps(() => undefined, () => recorded++);
  tidy(() => rand([2]).add(1));
  assert.equal(recorded, 0, 'ops after a trace are not recorded');
});

test('a model in training mode is refused by the tracer; buildOnnxModel puts it in eval mode', () => {
  manualSeed(1);
  const m = createModel('resnet18', { inChannels: 3 }).train();
  try {
    tidy(() => {
      const g = new OnnxGraphBuilder();
      const x = rand([2, 3, 32, 32]);
      g.bind(x, 'input');
      assert.throws(() => g.trace(() => m.forward(x), 2), /batch norm in training mode; call model.eval\(\) first/);
    });
    const onnx = buildOnnxModel([m], { channels: 3, height: 32, width: 32 });
    assert.equal(m.training, false);
    assert.ok(onnx.nodes.some((n) => n.opType === 'BatchNormalization'));
  } finally {
    m.dispose();
  }
});

test('exporting leaves no live tensor; a constant made in the forward becomes an initializer with its values', () => {
  const baseline = liveTensors();
  const onnx = buildOnnxModel([new AddsConstant()], { channels: 1, height: 2, width: 2 });
  assert.equal(liveTensors(), baseline);
  const constant = onnx.initializers.find((t) => t.dims.join() === '1,4');
  assert.ok(constant, 'the [1, 4] constant is an initializer');
  assert.deepEqual(Array.from(new Float32Array(constant.raw.slice().buffer)), [1, 2, 3, 4]);
  assert.deepEqual(onnx.nodes.map((n) => n.opType), ['Flatten', 'Slice', 'Add', 'Identity']);
  const bytes = encodeOnnxModel(onnx);
  assert.ok(bytes.length > 100);
  // A ModelProto starts with ir_version = 7 (field 1, varint).
  assert.deepEqual(Array.from(bytes.subarray(0, 2)), [0x08, 7]);
});
