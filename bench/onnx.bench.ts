/**
 * `npm run bench:onnx`: inference of an exported model in onnxruntime-node against hpaic's own forward pass (the
 * engine the export came from), same weights, same input, same thread count, measured in the same run; prints
 * images/s and the ratio ORT ÷ hpaic. For deciding where to deploy; no target.
 *   npm run bench:onnx -- [--model resnet34] [--size 256] [--batch 8] [--threads 2] [--repeats 5]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { createModel } from '../src/models/registry.js';
import { buildOnnxModel } from '../src/onnx/buildOnnxModel.js';
import { encodeOnnxModel } from '../src/onnx/onnxProto.js';
import { rand, tensor } from '../src/tensor/creation.js';
import { noGrad, tidy } from '../src/tensor/scope.js';
import { manualSeed, setNumThreads } from '../src/tensor/runtime.js';

const { values } = parseArgs({ options: { model: { type: 'string', default: 'resnet34' }, size: { type: 'string', default: '256' }, batch: { type: 'string', default: '8' }, threads: { type: 'string', default: '2' }, repeats: { type: 'string', default: '5' } } });
const S = Number(values.size);
const B = Number(values.batch);
const threads = Number(values.threads);
const repeats = Number(values.repeats);
const ort = createRequire(import.meta.url)('onnxruntime-node') as typeof import('onnxruntime-node');
const dir = mkdtempSync(join(tmpdir(), 'hpaic-bench-onnx-'));
try {
  setNumThreads(threads);
  manualSeed(0);
  const model = createModel(values.model!, { inChannels: 3, head: 'adaptive' }).eval();
  const path = join(dir, 'model.onnx');
  const t0 = performance.now();
  writeFileSync(path, encodeOnnxModel(buildOnnxModel([model], { channels: 3, height: S, width: S })));
  console.log(`export: ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  const session = await ort.InferenceSession.create(path, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const data = tidy(() => rand([B, 3, S, S]).toTypedArray() as Float32Array);
  const x = tensor(data, [B, 3, S, S]);
  const hpaicStep = (): void => tidy(() => void noGrad(() => model.forward(x)).toTypedArray());
  const ortStep = async (): Promise<void> => void (await session.run({ input: new ort.Tensor('float32', data, [B, 3, S, S]) }));
  hpaicStep();
  await ortStep();
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let r = 0; r < repeats; r++) {
    let t = performance.now();
    hpaicStep();
    ours.push((B * 1000) / (performance.now() - t));
    t = performance.now();
    await ortStep();
    theirs.push((B * 1000) / (performance.now() - t));
  }
  const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  console.log(`${values.model}, batch ${B}, ${S}², ${threads} thread(s), fp32 inference, median of ${repeats}:`);
  console.log(`  hpaic (libtorch)   ${median(ours).toFixed(1)} img/s`);
  console.log(`  onnxruntime-node   ${median(theirs).toFixed(1)} img/s`);
  console.log(`  ratio ORT ÷ hpaic  ${(median(theirs) / median(ours)).toFixed(2)}×`);
  x.dispose();
  model.dispose();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
