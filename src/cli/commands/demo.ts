import { defineCommand, booleanArg, numberArg, stringArg } from '../defineCommand.js';
import type { DemoOptions, DemoPreset } from '../../demo/runDemo.js';

export const command = defineCommand({
  name: 'demo',
  summary: 'the whole workflow on synthetic data: synth → convert → train → thresholds → TTA submission → ensemble → score',
  examples: ['hpaic demo', 'hpaic demo --out /tmp/hpaic-demo --preset tiny', 'hpaic demo --out demo-bf16 --precision bf16'],
  options: {
    out: { type: 'string', short: 'o', default: 'demo-out', description: 'folder for everything the demo writes' },
    preset: { type: 'string', default: 'default', description: 'default (under 10 minutes on 2 cores), tiny (a smoke test) or benchmark (10k samples at 96², about half an hour on 2 cores)' },
    seed: { type: 'string', default: '1', description: 'seed of the synthetic data and the training' },
    precision: { type: 'string', default: 'fp32', description: 'fp32, bf16 (autocast; fast on CPUs with AVX512-BF16/AMX) or fp16 (CUDA only): the config key precision' },
    quiet: { type: 'boolean', short: 'q', description: 'only the step lines and the result' },
  },
  async run(args) {
    const { runDemo } = await import('../../demo/runDemo.js');
    await runDemo({ out: stringArg(args, 'out') as string, preset: stringArg(args, 'preset') as DemoPreset, seed: numberArg(args, 'seed', { integer: true, min: 0 }), precision: stringArg(args, 'precision') as DemoOptions['precision'], quiet: booleanArg(args, 'quiet') });
  },
});
