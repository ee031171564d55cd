/**
 * `npm run bench:dist`: data-parallel training on this machine, hpaic next to PyTorch DDP in the same run, both on
 * Gloo over 127.0.0.1 with the same model (torchvision's ResNet18, fc head, 28 classes, channels_last), SGD, batch
 * BENCH_BATCH (8) per rank of BENCH_SIZE² (64) random images, BENCH_STEPS (20) timed steps after 3 warm-up ones:
 * - 1 process × 2 threads on the global batch (2 × BENCH_BATCH), hpaic and PyTorch;
 * - 2 ranks × 1 thread each, hpaic (hpaic's own launcher, the env:// contract) and PyTorch
 *   (/usr/bin/torchrun --redirects 1 --tee 1 bench/python/ddp_bench.py, DistributedDataParallel);
 * and for hpaic the allreduce time per step, its share of the step and the bytes it carried (the projection in
 * docs/distributed.md starts from them). Ratios are PyTorch time ÷ hpaic time (≥ 1: hpaic as fast or faster).
 * The data path is left out on purpose (bench:train measures it): this measures the engine and the collectives.
 */
import { spawn, spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';

const REPO = resolve(fileURLToPath(new URL('..', import.meta.url)));
const PY = '/usr/bin/python3';
// Passive OpenMP waiting on both sides (hpaic sets it itself, loadAddon.ts): spinning threads cost PyTorch 10–20× on a busy machine.
const env = { ...process.env, OMP_NUM_THREADS: '1', OMP_WAIT_POLICY: 'PASSIVE', HPAIC_QUIET: '1', HPAIC_FROM_SOURCE: '1' };

function port(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
}

function parse(out: string, what: string): Record<string, number> {
  // torchrun --tee prefixes each line with [default<rank>]:
  const line = out.split('\n').find((l) => /^(\[default\d+\]:)?\{/.test(l));
  if (!line) throw new Error(`${what} printed no result:\n${out}`);
  return JSON.parse(line.slice(line.indexOf('{')));
}

function run(cmd: string, args: string[], extra: Record<string, string>, what: string): Record<string, number> {
  const r = spawnSync(cmd, args, { cwd: REPO, env: { ...env, ...extra }, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${what} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return parse(r.stdout + r.stderr, what);
}

async function hpaicRanks(n: number, extra: Record<string, string>): Promise<Record<string, number>> {
  const p = String(await port());
  const procs = Array.from({ length: n }, (_, r) =>
    new Promise<string>((res, rej) => {
      const c = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'bench', 'distWorker.ts')], { cwd: REPO, env: { ...env, ...extra, RANK: String(r), WORLD_SIZE: String(n), LOCAL_RANK: String(r), LOCAL_WORLD_SIZE: String(n), MASTER_ADDR: '127.0.0.1', MASTER_PORT: p } });
      let out = '';
      c.stdout.on('data', (d: Buffer) => (out += d));
      c.stderr.on('data', (d: Buffer) => (out += d));
      c.on('close', (code: number) => (code === 0 ? res(out) : rej(new Error(`hpaic rank ${r} failed:\n${out}`))));
    }),
  );
  const outs = await Promise.all(procs);
  return parse(outs[0], 'hpaic rank 0');
}

const B = Number(process.env.BENCH_BATCH ?? 8);
const common = { BENCH_SIZE: process.env.BENCH_SIZE ?? '64', BENCH_STEPS: process.env.BENCH_STEPS ?? '20', BENCH_WARMUP: '3' };
console.log(`bench:dist — ResNet18 ${common.BENCH_SIZE}², SGD, ${common.BENCH_STEPS} steps; global batch ${2 * B}; load average before: ${loadavg()[0].toFixed(2)} (2-core machine, shared)`);

const oneH = run(process.execPath, ['--import', 'tsx', join(REPO, 'bench', 'distWorker.ts')], { ...common, BENCH_BATCH: String(2 * B), BENCH_THREADS: '2', HPAIC_NUM_THREADS: '2' }, 'hpaic 1×2');
const oneP = run(PY, [join(REPO, 'bench', 'python', 'ddp_bench.py')], { ...common, BENCH_BATCH: String(2 * B), BENCH_THREADS: '2', OMP_NUM_THREADS: '2' }, 'PyTorch 1×2');
const twoH = await hpaicRanks(2, { ...common, BENCH_BATCH: String(B), BENCH_THREADS: '1', HPAIC_NUM_THREADS: '1' });
const twoP = run('/usr/bin/torchrun', ['--redirects', '1', '--tee', '1', '--nproc_per_node=2', `--master_port=${await port()}`, join(REPO, 'bench', 'python', 'ddp_bench.py')], { ...common, BENCH_BATCH: String(B), BENCH_THREADS: '1' }, 'PyTorch DDP 2×1');

const ms = (s: number): string => `${(s * 1000).toFixed(0)} ms`;
console.log('| setup | hpaic step | PyTorch step | PyTorch ÷ hpaic | hpaic allreduce / step (share) | allreduce volume / step |');
console.log('|---|---|---|---|---|---|');
console.log(`| 1 process × 2 threads, batch ${2 * B} | ${ms(oneH.stepSeconds)} | ${ms(oneP.stepSeconds)} | ${(oneP.stepSeconds / oneH.stepSeconds).toFixed(2)} | — | — |`);
console.log(
  `| 2 ranks × 1 thread, batch ${B} each (Gloo) | ${ms(twoH.stepSeconds)} | ${ms(twoP.stepSeconds)} | ${(twoP.stepSeconds / twoH.stepSeconds).toFixed(2)} | ${ms(twoH.allreduceSeconds)} (${((100 * twoH.allreduceSeconds) / twoH.stepSeconds).toFixed(1)} %) | ${(twoH.bytesPerStep / 2 ** 20).toFixed(1)} MiB in ${twoH.callsPerStep} buckets |`,
);
console.log(`epoch of ${Number(common.BENCH_STEPS) * 2 * B} images: hpaic 1×2 ${(oneH.stepSeconds * Number(common.BENCH_STEPS)).toFixed(1)} s, 2×1 ${(twoH.stepSeconds * Number(common.BENCH_STEPS)).toFixed(1)} s; load average after: ${loadavg()[0].toFixed(2)}`);
