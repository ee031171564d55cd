import { defineCommand, numberArg, requiredString, stringArg } from '../defineCommand.js';
import { UsageError } from '../../errors.js';
import { importPretrained } from '../../models/pretrained.js';
import { listModels } from '../../models/registry.js';

export const command = defineCommand({
  name: 'weights',
  summary: 'Weight files. `import`: turn an ImageNet checkpoint (torchvision / pretrainedmodels) into an hpaic model state dict (body adapted, head fresh)',
  positionals: ['import'],
  examples: [
    'hpaic weights import --arch resnet34 --in resnet34-b627a593.pth --out r34_rgby.safetensors --in-channels 4',
    'hpaic weights import --arch bninception --in bn_inception-52deb4733.pth --out bninception.pth',
    'hpaic weights import --arch densenet121 --in densenet121-a639ec97.pth --out dn121_rgby.safetensors --in-channels 4 --first-conv-rule copy_first',
    'hpaic weights import --arch inceptionv3 --in inception_v3_google-0cc3c7bd.pth --out iv3.safetensors --head fc --num-classes 28',
  ],
  options: {
    arch: { type: 'string', description: 'model name: bninception, se_resnet50, se_resnext50_32x4d, densenet121, densenet169, inceptionv3, resnet18 … resnet152' },
    in: { type: 'string', description: 'ImageNet checkpoint (.pth zip from torch.save, or .safetensors)' },
    out: { type: 'string', description: 'output weights: .safetensors (with normalisation metadata) or .pth' },
    'in-channels': { type: 'string', default: '3', description: 'input channels of the model (4 = RGBY; the first conv is adapted)' },
    'num-classes': { type: 'string', default: '28', description: 'outputs of the fresh head' },
    head: { type: 'string', default: 'adaptive', description: "'adaptive' (the seed's head) or 'fc' (the original classifier, numClasses outputs)" },
    'dropout-p': { type: 'string', default: '0.5', description: 'dropout of the adaptive head' },
    'first-conv-rule': { type: 'string', default: 'timm', description: "'timm' (cyclic RGB filters scaled by 3/in_channels) or 'copy_first' (bestfitting: extra channels copy the red filter)" },
  },
  async run(args) {
    const sub = args.positionals[0];
    if (sub !== 'import') throw new UsageError(`hpaic weights expects the subcommand "import" but received ${sub === undefined ? 'none' : `"${sub}"`}`);
    const arch = requiredString(args, 'arch');
    if (!listModels().includes(arch.toLowerCase())) throw new UsageError(`--arch: unknown model "${arch}"; known models: ${listModels().join(', ')}`);
    const head = stringArg(args, 'head');
    if (head !== 'adaptive' && head !== 'fc') throw new UsageError(`--head expects adaptive or fc but received "${head}"`);
    const rule = stringArg(args, 'first-conv-rule');
    if (rule !== 'timm' && rule !== 'copy_first') throw new UsageError(`--first-conv-rule expects timm or copy_first but received "${rule}"`);
    const inPath = requiredString(args, 'in');
    const outPath = requiredString(args, 'out');
    const report = await importPretrained(arch, inPath, outPath, {
      inChannels: numberArg(args, 'in-channels', { integer: true, min: 1 }),
      numClasses: numberArg(args, 'num-classes', { integer: true, min: 1 }),
      dropoutP: numberArg(args, 'dropout-p', { min: 0, max: 1 }),
      head,
      firstConvRule: rule,
      log: (line) => console.log(`  ${line}`),
    });
    const n = report.normalization;
    console.log(`${outPath}: ${report.arch} with ${report.loaded} tensors from ${inPath}`);
    console.log(`input normalisation of these weights: ${n.inputSpace}, range [${n.inputRange.join(', ')}], mean [${n.mean.join(', ')}], std [${n.std.join(', ')}]`);
    if (!outPath.endsWith('.safetensors')) console.log('  (a .pth file carries no metadata; save as .safetensors to keep the normalisation with the weights)');
    return 0;
  },
});
