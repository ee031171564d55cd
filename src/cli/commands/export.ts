import { defineCommand, booleanArg, numberArg, requiredString, stringArg } from '../defineCommand.js';
import { UsageError } from '../../errors.js';

export const command = defineCommand({
  name: 'export',
  summary: '`onnx`: write a trained run (one fold or the fold ensemble) or a weights file as an ONNX model; `web`: a static page that predicts with it in the browser',
  positionals: ['onnx|web'],
  examples: [
    'hpaic export onnx --run checkpoint/r18_512 --fold 1 --out r18.onnx',
    'hpaic export onnx --run checkpoint/r18_512 --fold-ensemble --sigmoid --out r18_folds.onnx',
    'hpaic export onnx --weights model.pth --model resnet34 --filters rgby --size 512 --out r34.onnx',
    'hpaic export web --run checkpoint/r18_512 --out r18_web/',
  ],
  options: {
    run: { type: 'string', description: 'the run folder (checkpoint/<name>)' },
    fold: { type: 'string', description: 'the fold to export (default 1)' },
    'fold-ensemble': { type: 'boolean', description: 'every fold in one graph: the mean of their logits' },
    sigmoid: { type: 'boolean', description: 'first output = probabilities (σ of the logits); logits follow' },
    weights: { type: 'string', description: 'a weights file (.pth or .safetensors) instead of --run' },
    model: { type: 'string', description: 'with --weights: the architecture (resnet18 … resnet152, bninception, se_resnet50, inceptionv3)' },
    filters: { type: 'string', default: 'rgb', description: 'with --weights: channel letters of the input (rgb, rgby, …)' },
    head: { type: 'string', default: 'adaptive', description: 'with --weights: adaptive (the seed\'s head) or fc' },
    size: { type: 'string', default: '512', description: 'with --weights: input height = width' },
    'num-classes': { type: 'string', default: '28', description: 'with --weights: outputs' },
    threshold: { type: 'string', default: 'class_best', description: 'export web: the threshold.json kind (or a number) the page applies' },
    out: { type: 'string', description: 'output .onnx file (export onnx) or folder (export web)' },
  },
  async run(args) {
    const sub = args.positionals[0];
    if (sub !== 'onnx' && sub !== 'web') throw new UsageError(`hpaic export expects the subcommand "onnx" or "web" but received ${sub === undefined ? 'none' : `"${sub}"`}`);
    const out = requiredString(args, 'out');
    const sigmoid = booleanArg(args, 'sigmoid');
    const runDir = stringArg(args, 'run');
    if (sub === 'web') {
      if (!runDir) throw new UsageError('hpaic export web needs --run checkpoint/<name>');
      const { loadRunConfig } = await import('../../run/loadRunConfig.js');
      const { exportWeb } = await import('../../predict/exportWeb.js');
      const r = await exportWeb(loadRunConfig(runDir), { out, fold: numberArg(args, 'fold', { integer: true, min: 1 }), foldEnsemble: booleanArg(args, 'fold-ensemble'), threshold: stringArg(args, 'threshold') });
      console.log(`hpaic export web: ${r.dir} (serve the folder with any static web server, e.g. python3 -m http.server -d ${r.dir}, and open index.html)`);
      return 0;
    }
    const { exportRunOnnx, exportWeightsOnnx } = await import('../../predict/exportOnnx.js');
    let r;
    if (runDir) {
      if (stringArg(args, 'weights')) throw new UsageError('give --run or --weights, not both');
      const { loadRunConfig } = await import('../../run/loadRunConfig.js');
      r = await exportRunOnnx(loadRunConfig(runDir), { out, fold: numberArg(args, 'fold', { integer: true, min: 1 }), foldEnsemble: booleanArg(args, 'fold-ensemble'), sigmoid });
    } else {
      const weights = stringArg(args, 'weights');
      if (!weights) throw new UsageError('hpaic export onnx needs --run checkpoint/<name> or --weights FILE --model NAME');
      const head = stringArg(args, 'head');
      if (head !== 'adaptive' && head !== 'fc') throw new UsageError(`--head expects adaptive or fc but received "${head}"`);
      r = await exportWeightsOnnx({ out, weights, model: requiredString(args, 'model'), filters: stringArg(args, 'filters'), head, height: numberArg(args, 'size', { integer: true, min: 1 }), numClasses: numberArg(args, 'num-classes', { integer: true, min: 1 }), sigmoid });
    }
    console.log(`hpaic export onnx: ${r.path} (${(r.bytes / 2 ** 20).toFixed(1)} MiB${r.folds.length ? `, fold${r.folds.length > 1 ? 's' : ''} ${r.folds.join(', ')}` : ''})`);
    return 0;
  },
});
