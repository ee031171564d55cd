/**
 * `npm run bench:convert`: `hpaic convert` against the seed's converter (bench/python/seed_convert_bench.py: PIL
 * decodes one PNG at a time, h5py appends batches of 20, LZF) on the same synthetic 512² PNG quartets in
 * train.zip / test.zip, measured in the same run, each side into its own empty folder; hpaic twice, with the ingest
 * addon (libdeflate PNG planes and LZF on libuv threads, chunks written by libhdf5; the default where it is built)
 * and without it (HPAIC_NATIVE_INGEST=0: zlib + JavaScript unfilter, h5wasm). Both sides' own clocks
 * (start of work to files closed, no interpreter start) give the ratio; whole-process times are printed beside.
 * Then where hpaic's time goes, and the HPAv18 downloader's resize (2048² JPEG → Lanczos 512² → luma PNG) per
 * core against the seed's PIL code, served from a local HTTP server.
 * Flags (or BENCH_ env): --train (96), --test (32), --size (512), --rounds (2; alternating which side goes first),
 * --hpav18 (16 JPEGs; 0 skips that part), --real=1 (quartets of the real Kaggle PNGs in ../shared/data/real-samples,
 * cycled, instead of synthetic ones; 512² only).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { decodeChannelsRgby } from '../src/data/image/decodeImage.js';
import { Hdf5Writer } from '../src/data/store/Hdf5Store.js';
import { NativeHdf5Writer } from '../src/data/store/NativeHdf5Writer.js';
import { loadIngestAddon } from '../src/native/loadIngestAddon.js';
import { REPO, benchOption } from './benchOptions.js';

const TRAIN = Number(benchOption('train', '96'));
const TEST = Number(benchOption('test', '32'));
const S = Number(benchOption('size', '512'));
const ROUNDS = Number(benchOption('rounds', '2'));
const HPAV18 = Number(benchOption('hpav18', '16'));
const REAL = benchOption('real', '0') === '1';
const COLORS = ['red', 'green', 'blue', 'yellow'];
const ENV = { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' };

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = ENV): { seconds: number; stdout: string } {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${(r.stderr || r.stdout).trim().split('\n').slice(-4).join(' | ')}`);
  return { seconds: (performance.now() - t0) / 1000, stdout: r.stdout };
}

/** As {@link run}, but the event loop keeps running (the HPAv18 part serves the JPEGs from this process). */
function runAsync(cmd: string, args: string[]): Promise<{ seconds: number; stdout: string }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => (code === 0 ? resolve({ seconds: (performance.now() - t0) / 1000, stdout: out }) : reject(new Error(`${cmd} failed (${code}): ${err.trim().split('\n').slice(-3).join(' | ')}`))));
  });
}

interface Side {
  name: string;
  own: number[];
  wall: number[];
  go: (dest: string) => { own: number; wall: number };
}

function hpaicSide(name: string, env: NodeJS.ProcessEnv, src: string): Side {
  return {
    name,
    own: [],
    wall: [],
    go: (dest) => {
      const r = run(process.execPath, [join(REPO, 'bin/hpaic.js'), 'convert', '--src', src, '--dest', dest, '--size', String(S), '--quiet'], env);
      const m = /converted \d+ samples in ([\d.]+) s/.exec(r.stdout);
      if (!m) throw new Error(`hpaic convert printed no timing: ${r.stdout}`);
      return { own: Number(m[1]), wall: r.seconds };
    },
  };
}

const work = mkdtempSync(join(tmpdir(), 'hpaic-bench-convert-'));
try {
  const src = join(work, 'src');
  if (REAL) realSamples(src);
  else run(process.execPath, [join(REPO, 'bin/hpaic.js'), 'synth', '--out', src, '--train', String(TRAIN), '--test', String(TEST), '--size', String(S), '--quiet']);
  // Kaggle ships zips: store the PNGs as they are (they are already deflate-compressed).
  for (const split of ['train', 'test']) {
    run('/usr/bin/python3', ['-c', `import os, sys, zipfile\nd = sys.argv[1]\nwith zipfile.ZipFile(d + '.zip', 'w', zipfile.ZIP_STORED) as z:\n    [z.write(os.path.join(d, n), n) for n in sorted(os.listdir(d))]`, join(src, split)]);
  }
  const unzipped = join(src, 'train');
  const nativeWhy = loadIngestAddon().why;
  console.log(`bench:convert — ${TRAIN} train + ${TEST} test ${REAL ? 'RGBY quartets of the real Kaggle 512² PNGs in ../shared/data/real-samples (cycled)' : `synthetic RGBY quartets of ${S}² PNGs`} in train.zip/test.zip, LZF, ${ROUNDS} round(s)`);
  console.log(`ingest addon: ${nativeWhy ? `not used (${nativeWhy})` : `libhdf5 ${loadIngestAddon().addon!.hdf5Version()}`}`);
  console.log(`load average at start ${loadavg().map((v) => v.toFixed(1)).join(' ')}`);
  const zips = join(work, 'zips');
  mkdirSync(zips);
  for (const f of ['train.csv', 'sample_submission.csv', 'train.zip', 'test.zip']) writeFileSync(join(zips, f), readFileSync(join(src, f)));
  const seed: Side = {
    name: 'seed',
    own: [],
    wall: [],
    go: (dest) => {
      const r = run('/usr/bin/python3', [join(REPO, 'bench/python/seed_convert_bench.py'), '--src', zips, '--dest', dest]);
      return { own: JSON.parse(r.stdout.trim().split('\n').pop()!).seconds, wall: r.seconds };
    },
  };
  const sides = [hpaicSide('hpaic', ENV, zips), ...(nativeWhy ? [] : [hpaicSide('hpaic (no addon)', { ...ENV, HPAIC_NATIVE_INGEST: '0' }, zips)]), seed];
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) {
      const dest = join(work, `${side.name.replace(/\W+/g, '_')}_${round}`);
      mkdirSync(dest);
      const t = side.go(dest);
      side.own.push(t.own);
      side.wall.push(t.wall);
      rmSync(dest, { recursive: true });
    }
    console.log(`  round ${round + 1}: ${sides.map((s) => `${s.name} ${s.own.at(-1)!.toFixed(2)} s`).join(', ')}`);
  }
  const best = (a: number[]): number => Math.min(...a);
  const n = TRAIN + TEST;
  for (const s of sides) {
    console.log(`${s.name.padEnd(15)} own clock ${s.own.map((v) => v.toFixed(2)).join(' / ')} s (${((1000 * best(s.own)) / n).toFixed(1)} ms/sample); whole process ${s.wall.map((v) => v.toFixed(2)).join(' / ')} s`);
  }
  for (const s of sides.slice(0, -1)) {
    console.log(`ratio ${s.name}: ${(best(seed.own) / best(s.own)).toFixed(2)}× on both sides' own clocks, ${(best(seed.wall) / best(s.wall)).toFixed(2)}× whole process (best of ${ROUNDS}; > 1 means hpaic is faster; the issue's goal is ≥ 2×)`);
  }

  // Where hpaic's time goes: the same train PNGs, decoded as convert does but one sample at a time (latency, not
  // the pipelined rate), then the appends alone.
  const ids = [...new Set(readdirSync(unzipped).map((f) => f.replace(/_(red|green|blue|yellow)\.png$/, '')))].sort();
  const bytes = ids.map((id) => COLORS.map((c) => readFileSync(join(unzipped, `${id}_${c}.png`))));
  let t0 = performance.now();
  const images: Uint8Array[] = [];
  for (let i = 0; i < ids.length; i++) images.push(await decodeChannelsRgby(bytes[i], { files: COLORS, width: S, height: S }));
  const perSample = (t: number) => `${((performance.now() - t) / ids.length).toFixed(1)} ms/sample`;
  const parts = [`decode ${perSample(t0)}`];
  const addon = loadIngestAddon().addon;
  if (addon) {
    const w = NativeHdf5Writer.create(addon, join(work, 'native.hdf5'), { height: S, width: S, nameLength: 36, compression: 'lzf' });
    t0 = performance.now();
    const chunks = [];
    for (let i = 0; i < images.length; i++) chunks.push(await w.encode(images[i], ids[i]));
    parts.push(`LZF in the addon ${perSample(t0)}`);
    t0 = performance.now();
    chunks.forEach((c, i) => w.appendEncoded(c, ids[i]));
    w.close();
    parts.push(`native chunk writes ${perSample(t0)}`);
  }
  t0 = performance.now();
  const w = await Hdf5Writer.create(join(work, 'lzf_only.hdf5'), { height: S, width: S, nameLength: 36, compression: 'lzf' });
  images.forEach((img, i) => w.append(img, ids[i]));
  w.close();
  parts.push(`h5wasm append with LZF ${perSample(t0)}`);
  console.log(`hpaic's parts, one thread, on the ${ids.length} train quartets: ${parts.join('; ')}`);

  if (HPAV18 > 0) await hpav18Resize(work, unzipped, ids);
  console.log(`load average at end ${loadavg().map((v) => v.toFixed(1)).join(' ')}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** `src/train` + `src/test` + the CSVs, each sample's four channels copied from the real 8-bit Kaggle PNGs in turn. */
function realSamples(src: string): void {
  const dir = join(REPO, '..', 'shared', 'data', 'real-samples');
  const pngs = ['kaggle2018_train', 'kaggle2018_test'].flatMap((d) => readdirSync(join(dir, d)).filter((f) => f.endsWith('.png')).sort().map((f) => join(dir, d, f)));
  if (pngs.length === 0) throw new Error(`--real=1: no PNGs in ${dir}`);
  let k = 0;
  const make = (split: string, n: number): string[] => {
    mkdirSync(join(src, split), { recursive: true });
    return Array.from({ length: n }, (_, i) => {
      const id = `${String(i).padStart(8, '0')}-${split === 'train' ? 'bbc3' : 'bad2'}-11e8-b2bc-ac1f6b6435d0`;
      for (const color of COLORS) writeFileSync(join(src, split, `${id}_${color}.png`), readFileSync(pngs[k++ % pngs.length]));
      return id;
    });
  };
  const train = make('train', TRAIN);
  const test = make('test', TEST);
  writeFileSync(join(src, 'train.csv'), ['Id,Target', ...train.map((id, i) => `${id},${i % 28}`)].join('\n') + '\n');
  writeFileSync(join(src, 'sample_submission.csv'), ['Id,Predicted', ...test.map((id) => `${id},0`)].join('\n') + '\n');
}

/**
 * The downloader's CPU work: 2048² RGB JPEGs (made from the synthetic green channels) served on loopback to
 * `hpaic download-hpav18`, and the seed's PIL resize of the same files on one core.
 */
async function hpav18Resize(work: string, pngDir: string, ids: string[]): Promise<void> {
  const jpegDir = join(work, 'hpav18_jpeg');
  mkdirSync(jpegDir);
  const hpaIds: string[] = [];
  const served = new Map<string, Buffer>();
  for (let k = 0; k * 4 < HPAV18; k++) {
    const id = `${1000 + k}_${k % 9}_A1_${k}`;
    hpaIds.push(id);
    const green = readFileSync(join(pngDir, `${ids[k % ids.length]}_green.png`));
    for (const [c, color] of COLORS.entries()) {
      const jpeg = await sharp(green).resize(2048, 2048).toColourspace('srgb').modulate({ brightness: 1 + c / 8 }).jpeg({ quality: 90 }).toBuffer();
      const [dir, rest] = [id.slice(0, id.indexOf('_')), id.slice(id.indexOf('_') + 1)];
      served.set(`/${dir}/${rest}_${color}.jpg`, jpeg);
      writeFileSync(join(jpegDir, `${id}_${color}.jpg`), jpeg);
    }
  }
  const server = createServer((req, res) => {
    const body = served.get(req.url ?? '');
    res.writeHead(body ? 200 : 404, { 'content-type': 'image/jpeg' });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const csv = join(work, 'HPAv18_train.csv');
  writeFileSync(csv, ['Id,Target', ...hpaIds.map((id) => `${id},0`)].join('\n') + '\n');
  const files = hpaIds.length * 4;
  const cores = availableParallelism();
  const ours = [];
  const theirs = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const out = join(work, `hpav18_out_${round}`);
      const r = await runAsync(process.execPath, [join(REPO, 'bin/hpaic.js'), 'download-hpav18', '--csv', csv, '--out', out, '--base-url', `http://127.0.0.1:${port}/`, '--size', String(S), '--quiet']);
      const m = /in ([\d.]+) s/.exec(r.stdout);
      ours.push(m ? Number(m[1]) : r.seconds);
      const dest = join(work, `hpav18_seed_${round}`);
      mkdirSync(dest);
      theirs.push(JSON.parse(run('/usr/bin/python3', [join(REPO, 'bench/python/seed_hpav18_resize_bench.py'), '--src', jpegDir, '--dest', dest, '--size', String(S)]).stdout.trim()).seconds);
      rmSync(out, { recursive: true });
      rmSync(dest, { recursive: true });
    }
  } finally {
    server.close();
  }
  const best = (a: number[]): number => Math.min(...a);
  const oursPerCore = files / best(ours) / cores;
  const seedPerCore = files / best(theirs);
  console.log(
    `HPAv18 resize (${files} 2048² JPEGs → Lanczos ${S}² → luma PNG): hpaic download-hpav18 ${ours.map((v) => v.toFixed(2)).join(' / ')} s on ${cores} cores = ${oursPerCore.toFixed(1)} files/s per core; ` +
      `seed's PIL loop ${theirs.map((v) => v.toFixed(2)).join(' / ')} s on one core = ${seedPerCore.toFixed(1)} files/s; per core ${(oursPerCore / seedPerCore).toFixed(2)}×`,
  );
}
