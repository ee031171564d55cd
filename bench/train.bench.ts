/**
 * `npm run bench:train`: epoch time of `hpaic train` next to the seed's training loop reproduced with PyTorch
 * (/usr/bin/python3 bench/python/seed_train_bench.py: torch 1.13, torchvision resnet18 + the seed's adaptive head,
 * h5py + PIL + torchvision transforms, WeightedRandomSampler, torch DataLoader), on the same LZF HDF5 file, with
 * the same batch size, image size, intra-op threads and DataLoader workers, measured in the same run.
 *
 * Data: BENCH_N (256) RGBY images of BENCH_SIZE² (128) — smooth blobs plus mild noise, so LZF compresses them like
 * microscopy — written in the seed's layout with hpaic's Hdf5Writer, and a train.csv with random multi-hot labels.
 * Both sides train a single split (hpaic `val_size` 0.25; the PyTorch script holds out the same number) for
 * BENCH_EPOCHS (2) epochs; an epoch = training pass + validation pass (hpaic's history.json `seconds`; the same
 * span is timed in Python; checkpoint writing excluded on both sides). The table shows the last epoch (the first
 * one includes warm-up) and the ratio PyTorch time / hpaic time (> 1 = hpaic faster). hpaic uses its defaults
 * (channels_last, overlapped loading); the seed used neither.
 *
 * BENCH_PY_MALLOC=tuned runs Python with hpaic's malloc settings (MALLOC_MMAP_MAX_=0,
 * MALLOC_TRIM_THRESHOLD_=1 GiB, which the addon sets with mallopt at start-up; design.md): a control that shows how
 * much of the gap is glibc returning and re-faulting large buffers every step.
 * --precision=bf16 (BENCH_PRECISION): hpaic trains with `precision: "bf16"` and the seed's loop runs its forward and
 * loss under `torch.autocast("cpu", dtype=torch.bfloat16)`; hpaic also trains once in fp32, so the table shows both
 * the engine ratio (PyTorch bf16 ÷ hpaic bf16) and what the one config key buys (hpaic fp32 ÷ hpaic bf16).
 * Env: BENCH_WORKERS (DataLoader workers to try, "0,1,2"), BENCH_ROUNDS (1; rounds alternate which side goes
 * first), BENCH_BATCH (16), BENCH_THREADS (2), BENCH_N, BENCH_SIZE, BENCH_EPOCHS. Flags --workers=..., --rounds=...,
 * --epochs=... override the env.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hdf5Writer } from '../src/data/store/Hdf5Store.js';
import { blobImage, hpaLikeTarget } from './blobImage.js';
import { seededRandom } from '../src/data/tables/seededRandom.js';
import { REPO, benchOption } from './benchOptions.js';

const N = Number(benchOption('n', '256'));
const S = Number(benchOption('size', '128'));
const BATCH = Number(benchOption('batch', '16'));
const THREADS = Number(benchOption('threads', '2'));
const EPOCHS = Number(benchOption('epochs', '2'));
const ROUNDS = Number(benchOption('rounds', '1'));
const WORKERS = benchOption('workers', '0,1,2').split(',').map(Number);
const VAL_SIZE = 0.25;
const PY_MALLOC = benchOption('py_malloc', 'default');
const PRECISION = benchOption('precision', 'fp32');
if (PRECISION !== 'fp32' && PRECISION !== 'bf16') throw new Error(`--precision must be fp32 or bf16 (fp16 is CUDA-only), got "${PRECISION}"`);
type Precision = 'fp32' | 'bf16';
const PY_MALLOC_ENV = PY_MALLOC === 'tuned' ? { MALLOC_MMAP_MAX_: '0', MALLOC_TRIM_THRESHOLD_: String(2 ** 30) } : {};

async function writeDataset(root: string): Promise<void> {
  const rng = seededRandom(7);
  const ids = Array.from({ length: N }, (_, i) => `${String(i).padStart(8, '0')}-bench-0000-0000-000000000000`.slice(0, 36));
  const w = await Hdf5Writer.create(join(root, 'train.hdf5'), { height: S, width: S, nameLength: 36, compression: 'lzf' });
  for (const id of ids) w.append(blobImage(rng, S), id);
  w.close();
  const labels = ids.map(() => hpaLikeTarget(rng));
  writeFileSync(join(root, 'train.csv'), 'Id,Target\n' + ids.map((id, i) => `${id},${labels[i]}`).join('\n') + '\n');
}

function config(root: string, ckpt: string, workers: number, precision: Precision): Record<string, unknown> {
  return {
    name: `bench_w${workers}`,
    device: 'cpu',
    precision,
    checkpoint_dir: ckpt,
    epochs: EPOCHS,
    img_h: S,
    img_w: S,
    aug: true,
    lr_patience: 3,
    lr_factor: 0.2,
    min_lr: 1e-7,
    stop_patience: 10,
    threads: THREADS,
    seed: 0,
    plots: 'none',
    dataset: { root_dir: root, filters: 'rgb', subset: 1.0, random_state: 92, format: 'hdf5' },
    sampler: { mode: 'meanmax', weights: { scaling: 'median', min_clip: null, max_clip: null, damping_r: null } },
    dataloader: { n_splits: 1, val_size: VAL_SIZE, batch_size: BATCH, workers, random_state: 92 },
    model: { name: 'resnet18', dropout_p: 0.5, pretrained: null },
    criterion: { name: 'bce', weights: { scaling: null, min_clip: null, max_clip: null, damping_r: null } },
    optim: { name: 'adam', lr: 1e-3, weight_decay: 0 },
    load: { path: null, weights_only: null },
  };
}

interface Run {
  epochs: number[];
  wall: number;
}

function hpaicRun(root: string, work: string, workers: number, round: number, precision: Precision): Run {
  const ckpt = join(work, `ckpt_${workers}_${round}_${precision}`);
  const cfgPath = join(work, `config_${workers}_${round}_${precision}.json`);
  writeFileSync(cfgPath, JSON.stringify(config(root, ckpt, workers, precision), null, 2));
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(REPO, 'bin/hpaic.js'), 'train', '-c', cfgPath, '--quiet'], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: String(THREADS) } });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`hpaic train failed (exit ${r.status}): ${(r.stderr || r.stdout).trim().split('\n').slice(-5).join(' | ')}`);
  const history = JSON.parse(readFileSync(join(ckpt, `bench_w${workers}`, 'fold_1', 'history.json'), 'utf8')) as { epochs: { seconds: number }[] };
  return { epochs: history.epochs.map((e) => e.seconds), wall };
}

function pytorchRun(root: string, workers: number, valSamples: number, precision: Precision): Run {
  const t0 = performance.now();
  const args = [join(REPO, 'bench/python/seed_train_bench.py'), `--root=${root}`, `--size=${S}`, `--batch=${BATCH}`, `--workers=${workers}`, `--threads=${THREADS}`, `--epochs=${EPOCHS}`, `--val=${valSamples}`, `--precision=${precision}`];
  const r = spawnSync('/usr/bin/python3', args, { encoding: 'utf8', env: { ...process.env, ...PY_MALLOC_ENV, OMP_NUM_THREADS: String(THREADS), OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE' } });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`/usr/bin/python3 bench/python/seed_train_bench.py failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { epoch_s: number[] };
  return { epochs: out.epoch_s, wall };
}

const work = mkdtempSync(join(tmpdir(), 'hpaic-bench-train-'));
try {
  const root = join(work, 'data');
  mkdirSync(root);
  await writeDataset(root);
  const valSamples = Math.ceil(N * VAL_SIZE);
  console.log(
    `bench:train — ${N} RGBY ${S}² images (LZF HDF5), resnet18 + adaptive head, batch ${BATCH}, ${THREADS} threads, aug on, weighted sampler, ` +
      `single split (${N - valSamples} train / ${valSamples} val), ${EPOCHS} epochs; workers ${WORKERS.join('/')}; ${ROUNDS} round(s); Python malloc ${PY_MALLOC}; precision ${PRECISION}`,
  );
  console.log(`load average at start ${loadavg().map((v) => v.toFixed(1)).join(' ')}`);
  // fp32: hpaic vs the seed's loop. bf16: both under bf16 autocast, plus hpaic in fp32 for the speed-up of the key.
  const sides: { label: string; run: (w: number, round: number) => Run }[] =
    PRECISION === 'fp32'
      ? [
          { label: 'hpaic', run: (w, r) => hpaicRun(root, work, w, r, 'fp32') },
          { label: 'PyTorch seed', run: (w) => pytorchRun(root, w, valSamples, 'fp32') },
        ]
      : [
          { label: 'hpaic bf16', run: (w, r) => hpaicRun(root, work, w, r, 'bf16') },
          { label: 'PyTorch seed bf16', run: (w) => pytorchRun(root, w, valSamples, 'bf16') },
          { label: 'hpaic fp32', run: (w, r) => hpaicRun(root, work, w, r, 'fp32') },
        ];
  const ratioHeads = PRECISION === 'fp32' ? ['speed-up (PyTorch s / hpaic s)'] : ['PyTorch bf16 s / hpaic bf16 s', 'hpaic fp32 s / hpaic bf16 s'];
  const rows: string[][] = [['workers', ...sides.map((s) => `${s.label} epoch s (last; all)`), ...ratioHeads, `command wall s ${sides.map((s) => s.label).join(' / ')}`]];
  const last = (r: Run): number => r.epochs[r.epochs.length - 1];
  const all = (r: Run): string => r.epochs.map((v) => v.toFixed(1)).join(', ');
  for (const w of WORKERS) {
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate which side goes first, so background load and warm caches hit every side alike over the rounds.
      const shift = (round + WORKERS.indexOf(w)) % sides.length;
      const runs = new Map<string, Run>();
      for (const side of [...sides.slice(shift), ...sides.slice(0, shift)]) runs.set(side.label, side.run(w, round));
      const got = sides.map((s) => runs.get(s.label)!);
      const ratios = PRECISION === 'fp32' ? [last(got[1]) / last(got[0])] : [last(got[1]) / last(got[0]), last(got[2]) / last(got[0])];
      const row = [String(w), ...got.map((r) => `${last(r).toFixed(1)} (${all(r)})`), ...ratios.map((x) => `${x.toFixed(2)}×`), got.map((r) => r.wall.toFixed(0)).join(' / ')];
      rows.push(row);
      console.log(`  workers ${w} round ${round + 1}: ${sides.map((s, i) => `${s.label} ${row[1 + i]} s`).join(', ')} → ${ratios.map((x) => `${x.toFixed(2)}×`).join(', ')}`);
    }
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  console.log('');
  rows.forEach((r, i) => {
    console.log(`| ${r.map((c, j) => c.padEnd(widths[j])).join(' | ')} |`);
    if (i === 0) console.log(`|${widths.map((x) => '-'.repeat(x + 2)).join('|')}|`);
  });
  console.log(`\nload average at end ${loadavg().map((v) => v.toFixed(1)).join(' ')}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
