/**
 * `npm run bench:engine`: ResNet34 training-step and inference throughput (images/s) of hpaic next to PyTorch
 * (/usr/bin/python3, bench/python/engine_bench.py), measured in the same run. Batch 8, 3×256×256, float32 CPU,
 * 2 intra-op threads set explicitly on both sides, contiguous and channels_last memory formats.
 * Train step = zero_grad, forward, BCE-with-logits vs random multi-hot targets, backward, Adam step.
 * Inference = eval mode, no gradients.
 *
 * PyTorch runs as a long-lived child process (engine_bench.py --serve) that executes steps on request, so the two
 * runtimes run the same warm-up and then alternate single timed steps (hpaic, PyTorch, PyTorch, hpaic, …): other
 * load on a shared machine hits both alike. images/s = batch × timed steps / their total time; the ratio is
 * hpaic / PyTorch of those, next to the median of the per-step-pair ratios. With --rounds > 1 every case is
 * repeated with fresh models and the range over rounds is shown.
 *
 * --precision=bf16 (BENCH_PRECISION, default fp32): hpaic runs the forward and the loss under bf16 `autocast`
 * (backward and Adam outside it, fp32 weights), PyTorch under torch.autocast("cpu", dtype=torch.bfloat16) and also
 * in fp32, all three alternating step by step; the table then shows hpaic bf16 ÷ PyTorch bf16 (the engine ratio)
 * and hpaic bf16 ÷ PyTorch fp32 (the speed-up `precision: "bf16"` gives over PyTorch's default).
 *
 * Flags (or env): --warmup=N (BENCH_WARMUP, 3), --steps=N (BENCH_STEPS, 10), --rounds=N (BENCH_ROUNDS, 1),
 * --threads=N (BENCH_THREADS, 2), --batch=N (BENCH_BATCH, 8), --size=N (BENCH_SIZE, 256),
 * --cases=train:contiguous,... (BENCH_CASES, all four). Quick run: `npm run bench:engine -- --steps=2 --warmup=1 --rounds=1`.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { createModel } from '../src/models/registry.js';
import { Adam } from '../src/optim/Adam.js';
import { F, rand, liveTensors, manualSeed, noGrad, setNumThreads, getNumThreads, tidy, keep, engineInfo, autocast } from '../src/tensor/index.js';
import type { Tensor } from '../src/tensor/index.js';
import type { Module } from '../src/nn/Module.js';
import { REPO, benchOption } from './benchOptions.js';


const WARMUP = Number(benchOption('warmup', '3'));
const STEPS = Number(benchOption('steps', '10'));
const ROUNDS = Number(benchOption('rounds', '1'));
const THREADS = Number(benchOption('threads', '2'));
const BATCH = Number(benchOption('batch', '8'));
const SIZE = Number(benchOption('size', '256'));
const CASES = benchOption('cases', 'train:contiguous,train:channels_last,infer:contiguous,infer:channels_last').split(',');
const PRECISION = benchOption('precision', 'fp32');
if (PRECISION !== 'fp32' && PRECISION !== 'bf16') throw new Error(`--precision must be fp32 or bf16 (fp16 is CUDA-only), got "${PRECISION}"`);
const BF16 = PRECISION === 'bf16';
/** The forward (and loss) under bf16 autocast when --precision=bf16. */
const forwardScope = <T>(fn: () => T): T => (BF16 ? autocast(fn, { device: 'cpu', dtype: 'bfloat16' }) : fn());

/** One hpaic case: a fresh ResNet34 (and Adam) in the requested memory format; `step()` returns seconds. */
class HpaicBench {
  readonly x0: Tensor;
  readonly y: Tensor;
  private model: Module | null = null;
  private optimizer: Adam | null = null;
  private x: Tensor | null = null;
  private kind = '';
  constructor() {
    setNumThreads(THREADS);
    manualSeed(0);
    this.x0 = keep(rand([BATCH, 3, SIZE, SIZE]));
    this.y = keep(tidy(() => rand([BATCH, 28]).lt(0.15).to('float32')));
  }
  setup(c: string): void {
    this.release();
    const [kind, format] = c.split(':');
    this.kind = kind;
    const model = createModel('resnet34', { numClasses: 28, head: 'fc' });
    const cl = format === 'channels_last';
    if (cl) model.channelsLast();
    this.x = cl ? keep(this.x0.channelsLast()) : this.x0;
    if (kind === 'train') {
      model.train();
      this.optimizer = new Adam(model.parameters(), { lr: 1e-3 });
    } else model.eval();
    this.model = model;
  }
  step(): number {
    const model = this.model!;
    const x = this.x!;
    const t0 = performance.now();
    if (this.kind === 'train') {
      const optimizer = this.optimizer!;
      tidy(() => {
        optimizer.zeroGrad();
        const loss = forwardScope(() => F.binaryCrossEntropyWithLogits(model.forward(x), this.y));
        loss.backward();
        optimizer.step();
        loss.item();
      });
    } else {
      noGrad(() => tidy(() => forwardScope(() => model.forward(x)).sum().item()));
    }
    return (performance.now() - t0) / 1000;
  }
  release(): void {
    this.optimizer?.dispose();
    this.model?.dispose();
    if (this.x && this.x !== this.x0) this.x.dispose();
    this.optimizer = this.model = this.x = null;
  }
  dispose(): void {
    this.release();
    this.x0.dispose();
    this.y.dispose();
  }
}

/** engine_bench.py --serve: one PyTorch process that runs steps on request. */
class PytorchServer {
  private readonly proc;
  private readonly lines: AsyncIterator<string>;
  private stderr = '';
  constructor() {
    const args = [resolve(REPO, 'bench/python/engine_bench.py'), '--serve', `--threads=${THREADS}`, `--batch=${BATCH}`, `--size=${SIZE}`];
    this.proc = spawn('/usr/bin/python3', args, { env: { ...process.env, OMP_NUM_THREADS: String(THREADS), MKL_NUM_THREADS: String(THREADS), OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE' }, stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.lines = createInterface({ input: this.proc.stdout })[Symbol.asyncIterator]();
  }
  private async read(): Promise<Record<string, unknown>> {
    const r = await this.lines.next();
    if (r.done) throw new Error(`/usr/bin/python3 bench/python/engine_bench.py --serve ended: ${this.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    return JSON.parse(r.value) as Record<string, unknown>;
  }
  async ready(): Promise<{ torch: string; threads: number }> {
    return (await this.read()) as unknown as { torch: string; threads: number };
  }
  async steps(c: string, n: number): Promise<number[]> {
    this.proc.stdin.write(`${c} ${n}\n`);
    return (await this.read()).step_s as number[];
  }
  close(): void {
    this.proc.stdin.end();
  }
}

const info = engineInfo();
console.log(`bench:engine — ResNet34, batch ${BATCH}, 3×${SIZE}×${SIZE}, ${BF16 ? 'bf16 autocast (vs PyTorch bf16 autocast and fp32)' : 'float32'} CPU, ${THREADS} threads; ${WARMUP} warm-up + ${STEPS} timed steps per side, alternating; ${ROUNDS} round(s)`);
const py = new PytorchServer();
const pyInfo = await py.ready();
console.log(`hpaic on libtorch ${info.torch}; PyTorch ${pyInfo.torch} (/usr/bin/python3, ${pyInfo.threads} threads); load average at start ${loadavg().map((v) => v.toFixed(1)).join(' ')}`);

const live0 = liveTensors();
const hp = new HpaicBench();
const sum = (v: number[]): number => v.reduce((a, b) => a + b, 0);
const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
interface Measured {
  hp: number;
  /** PyTorch in the same precision as hpaic. */
  py: number;
  pairMedian: number;
  /** PyTorch fp32 (bf16 runs only). */
  pyFp32?: number;
}
const results = new Map<string, Measured[]>();
for (let round = 0; round < ROUNDS; round++) {
  for (const c of CASES) {
    const t0 = performance.now();
    hp.setup(c);
    const pyCase = BF16 ? `${c}:bf16` : c;
    for (let i = 0; i < WARMUP; i++) hp.step();
    await py.steps(pyCase, WARMUP);
    if (BF16) await py.steps(c, WARMUP);
    const a: number[] = [];
    const b: number[] = [];
    const f: number[] = [];
    // hpaic, PyTorch (same precision)[, PyTorch fp32], then the reverse order: background load hits all alike.
    const order: (() => Promise<void>)[] = [
      async () => void a.push(hp.step()),
      async () => void b.push(...(await py.steps(pyCase, 1))),
      ...(BF16 ? [async () => void f.push(...(await py.steps(c, 1)))] : []),
    ];
    for (let i = 0; i < STEPS; i++) for (const run of i % 2 === 0 ? order : [...order].reverse()) await run();
    const m: Measured = { hp: (BATCH * STEPS) / sum(a), py: (BATCH * STEPS) / sum(b), pairMedian: median(b.map((v, i) => v / a[i])) };
    if (BF16) m.pyFp32 = (BATCH * STEPS) / sum(f);
    results.set(c, [...(results.get(c) ?? []), m]);
    const fp32Note = m.pyFp32 === undefined ? '' : `, PyTorch fp32 ${m.pyFp32.toFixed(2)} img/s`;
    console.log(`  round ${round + 1}/${ROUNDS} ${c.padEnd(20)} hpaic ${m.hp.toFixed(2)} img/s, PyTorch ${m.py.toFixed(2)} img/s${fp32Note} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
}
hp.dispose();
py.close();
if (getNumThreads() !== THREADS) console.log(`warning: hpaic ran with ${getNumThreads()} threads`);
const leaked = liveTensors() - live0;

const f2 = (v: number): string => v.toFixed(2);
const show = (vs: number[], unit = ''): string => (vs.length > 1 ? `${f2(median(vs))}${unit} (${f2(Math.min(...vs))}–${f2(Math.max(...vs))})` : `${f2(vs[0])}${unit}`);
const p = BF16 ? ' bf16' : '';
const rows = [
  [
    'case',
    'format',
    `hpaic${p} img/s`,
    `PyTorch${p} img/s`,
    ...(BF16 ? ['PyTorch fp32 img/s'] : []),
    `hpaic${p} / PyTorch${p}`,
    'median per-step ratio',
    ...(BF16 ? ['hpaic bf16 / PyTorch fp32'] : []),
  ],
  ...CASES.map((c) => {
    const ms = results.get(c)!;
    const [kind, format] = c.split(':');
    return [
      kind === 'train' ? 'training step' : 'inference',
      format,
      show(ms.map((m) => m.hp)),
      show(ms.map((m) => m.py)),
      ...(BF16 ? [show(ms.map((m) => m.pyFp32!))] : []),
      show(ms.map((m) => m.hp / m.py), '×'),
      show(ms.map((m) => m.pairMedian), '×'),
      ...(BF16 ? [show(ms.map((m) => m.hp / m.pyFp32!), '×')] : []),
    ];
  }),
];
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
console.log('');
rows.forEach((r, i) => {
  console.log(`| ${r.map((cell, j) => cell.padEnd(widths[j])).join(' | ')} |`);
  if (i === 0) console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
});

// The limit: achieved FLOP/s as a share of this CPU's peak, for both sides.
const fwd = resnet34Flops(SIZE);
const peak = peakGflops();
console.log(`\nResNet34 at ${SIZE}²: ${(fwd / 1e9).toFixed(2)} GFLOP per image forward (convolutions + fc, 2 FLOP per multiply-add), ` +
  `training step counted as 3× forward. Peak${p}: ${peak.nominal.toFixed(0)} GFLOP/s nominal, ${peak.measured.toFixed(0)} GFLOP/s measured (${peak.how})`);
for (const c of CASES) {
  const ms = results.get(c)!;
  const perImage = c.startsWith('train') ? 3 * fwd : fwd;
  const g = (imgs: number): string => {
    const gf = (imgs * perImage) / 1e9;
    return `${gf.toFixed(0)} GFLOP/s (${((100 * gf) / peak.nominal).toFixed(0)} % nominal, ${((100 * gf) / peak.measured).toFixed(0)} % of the matmul)`;
  };
  const med = (k: 'hp' | 'py' | 'pyFp32'): number => median(ms.map((m) => m[k]!));
  console.log(`  ${c.padEnd(20)} hpaic${p} ${g(med('hp'))}, PyTorch${p} ${g(med('py'))}${BF16 ? `, PyTorch fp32 ${g(med('pyFp32'))} (against the bf16 peaks)` : ''}`);
}
console.log(`\nload average at end ${loadavg().map((v) => v.toFixed(1)).join(' ')}; hpaic tensors leaked by the benchmark: ${leaked}`);

/** Multiply-adds ×2 of torchvision's ResNet34 (basic blocks [3, 4, 6, 3]) with a 28-class fc, at size² input. */
function resnet34Flops(size: number): number {
  let macs = 0;
  const conv = (out: number, cin: number, cout: number, k: number): void => void (macs += out * out * cin * cout * k * k);
  let h = Math.ceil(size / 2);
  conv(h, 3, 64, 7);
  h = Math.ceil(h / 2); // max pool
  let cin = 64;
  [[3, 64], [4, 128], [6, 256], [3, 512]].forEach(([blocks, width], stage) => {
    for (let b = 0; b < blocks; b++) {
      if (b === 0 && stage > 0) h = Math.ceil(h / 2);
      conv(h, cin, width, 3);
      conv(h, width, width, 3);
      if (cin !== width) conv(h, cin, width, 1); // downsample
      cin = width;
    }
  });
  macs += 512 * 28;
  return 2 * macs;
}

/**
 * Two peaks for the benchmark's threads. Nominal: threads × FLOP per cycle per core × clock, from /proc/cpuinfo:
 * FLOP per cycle (BENCH_FLOP_PER_CYCLE overrides) = FMA pipes × lanes × 2 — AMD family 26 (Zen 5: two 512-bit FMA
 * pipes) and Intel with AVX-512 (two 512-bit FMA ports on Xeon Gold/Platinum) 64 for fp32, AMD family 25 (Zen 4:
 * 512-bit ops on two 256-bit pipes) and AVX2-only CPUs 32; bf16 twice that (VDPBF16PS: two products per fp32 lane;
 * AMX, far above, is not modelled). The clock is /proc/cpuinfo's MHz (BENCH_CLOCK_GHZ overrides), which on a VM is
 * the nominal clock: boost runs above it, so shares of this peak can pass 100 %. Measured: the best of five
 * 2048³ matrix products through libtorch in the benchmark's precision, the attainable ceiling of dense arithmetic.
 */
function peakGflops(): { nominal: number; measured: number; how: string } {
  const info = readFileSync('/proc/cpuinfo', 'utf8');
  const family = Number(info.match(/cpu family\s*:\s*(\d+)/)?.[1] ?? 0);
  const amd = /AuthenticAMD/.test(info);
  const avx512 = /\bavx512f\b/.test(info);
  const fp32PerCycle = amd ? (family >= 26 ? 64 : 32) : avx512 ? 64 : 32;
  const perCycle = Number(process.env.BENCH_FLOP_PER_CYCLE ?? 0) || (BF16 ? 2 : 1) * fp32PerCycle;
  const ghz = Number(process.env.BENCH_CLOCK_GHZ ?? 0) || Number(info.match(/cpu MHz\s*:\s*([\d.]+)/)?.[1] ?? 0) / 1000;
  const n = 2048;
  const measured = tidy(() => {
    const a = rand([n, n]);
    const b = rand([n, n]);
    let best = Infinity;
    for (let i = 0; i < 6; i++) {
      const t0 = performance.now();
      forwardScope(() => a.matmul(b)).sum().item();
      if (i > 0) best = Math.min(best, (performance.now() - t0) / 1000);
    }
    return (2 * n ** 3) / best / 1e9;
  });
  const cpu = `${amd ? 'AMD' : 'Intel'} family ${family}${avx512 ? ', AVX-512' : ''}`;
  return { nominal: THREADS * perCycle * ghz, measured, how: `nominal ${THREADS} cores × ${perCycle} FLOP/cycle × ${ghz.toFixed(2)} GHz (${cpu}); measured: a 2048³ matmul${p}` };
}
