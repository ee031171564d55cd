/** ONNX export: a traced forward pass as an ONNX ModelProto (`hpaic/onnx`). */
export { buildOnnxModel, ONNX_OPSET, type BuildOnnxOptions } from './buildOnnxModel.js';
export { encodeOnnxModel, type OnnxModel, type OnnxNode, type OnnxTensor, type OnnxValueInfo } from './onnxProto.js';
export { OnnxGraphBuilder } from './traceToOnnx.js';
