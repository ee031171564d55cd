/**
 * `npm run bench:convert`: `hpaic convert` against the seed's converter (bench/python/seed_convert_bench.py: PIL
 * decodes one PNG at a time, h5py appends batches of 20, LZF) on the same synthetic 512² PNG quartets in
 * train.zip / test.zip, measured in the same run, each side into its own empty folder. Also prints where hpaic's
 * time goes: decoding the PNGs (sharp, in flight as convert runs them) and the HDF5 writes with LZF (h5wasm) alone.
 * Flags (or BENCH_ env): --train (96), --test (32), --size (512), --rounds (2; alternating which side goes first).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeChannelsRgby } from '../src/data/image/decodeImage.js';
import { Hdf5Writer } from '../src/data/store/Hdf5Store.js';
import { REPO, benchOption } from './benchOptions.js';

const TRAIN = Number(benchOption('train', '96'));
const TEST = Number(benchOption('test', '32'));
const S = Number(benchOption('size', '512'));
const ROUNDS = Number(benchOption('rounds', '2'));
const COLORS = ['red', 'green', 'blue', 'yellow'];

function run(cmd: string, args: string[]): { seconds: number; stdout: string } {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${(r.stderr || r.stdout).trim().split('\n').slice(-4).join(' | ')}`);
  return { seconds: (performance.now() - t0) / 1000, stdout: r.stdout };
}

const work = mkdtempSync(join(tmpdir(), 'hpaic-bench-convert-'));
try {
  const src = join(work, 'src');
  run(process.execPath, [join(REPO, 'bin/hpaic.js'), 'synth', '--out', src, '--train', String(TRAIN), '--test', String(TEST), '--size', String(S), '--quiet']);
  // Kaggle ships zips: store the PNGs as they are (they are already deflate-compressed).
  for (const split of ['train', 'test']) {
    run('/usr/bin/python3', ['-c', `import os, sys, zipfile\nd = sys.argv[1]\nwith zipfile.ZipFile(d + '.zip', 'w', zipfile.ZIP_STORED) as z:\n    [z.write(os.path.join(d, n), n) for n in sorted(os.listdir(d))]`, join(src, split)]);
    rmSync(join(src, split), { recursive: true });
  }
  console.log(`bench:convert — ${TRAIN} train + ${TEST} test synthetic RGBY quartets of ${S}² PNGs in train.zip/test.zip, LZF, ${ROUNDS} round(s)`);
  console.log(`load average at start ${loadavg().map((v) => v.toFixed(1)).join(' ')}`);
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const sides = [
      () => {
        const dest = join(work, `hpaic_${round}`);
        ours.push(run(process.execPath, [join(REPO, 'bin/hpaic.js'), 'convert', '--src', src, '--dest', dest, '--size', String(S), '--quiet']).seconds);
      },
      () => {
        const dest = join(work, `seed_${round}`);
        mkdirSync(dest);
        theirs.push(JSON.parse(run('/usr/bin/python3', [join(REPO, 'bench/python/seed_convert_bench.py'), '--src', src, '--dest', dest]).stdout.trim().split('\n').pop()!).seconds);
      },
    ];
    for (const side of round % 2 === 0 ? sides : sides.reverse()) side();
    console.log(`  round ${round + 1}: hpaic ${ours.at(-1)!.toFixed(2)} s, seed ${theirs.at(-1)!.toFixed(2)} s`);
  }
  // Where hpaic's time goes: the same train PNGs, decoded as convert does, then appended with LZF alone.
  const unzipped = join(work, 'png');
  run('/usr/bin/python3', ['-c', 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])', join(src, 'train.zip'), unzipped]);
  const ids = [...new Set(readdirSync(unzipped).map((f) => f.replace(/_(red|green|blue|yellow)\.png$/, '')))].sort();
  const bytes = ids.map((id) => COLORS.map((c) => readFileSync(join(unzipped, `${id}_${c}.png`))));
  let t0 = performance.now();
  const images: Uint8Array[] = [];
  for (let i = 0; i < ids.length; i += 2) {
    images.push(...(await Promise.all(ids.slice(i, i + 2).map((_, k) => decodeChannelsRgby(bytes[i + k], { files: COLORS, width: S, height: S })))));
  }
  const decodeS = (performance.now() - t0) / 1000;
  t0 = performance.now();
  const w = await Hdf5Writer.create(join(work, 'lzf_only.hdf5'), { height: S, width: S, nameLength: 36, compression: 'lzf' });
  images.forEach((img, i) => w.append(img, ids[i]));
  w.close();
  const writeS = (performance.now() - t0) / 1000;
  const best = (a: number[]): number => Math.min(...a);
  console.log(`hpaic   ${ours.map((s) => s.toFixed(2)).join(' / ')} s`);
  console.log(`seed    ${theirs.map((s) => s.toFixed(2)).join(' / ')} s  [PIL + h5py, batches of 20]`);
  console.log(`ratio   ${(best(theirs) / best(ours)).toFixed(2)}× (best of ${ROUNDS}; > 1 means hpaic is faster; the issue's goal is ≥ 2×)`);
  console.log(`hpaic's parts on the ${ids.length} train quartets: decode (sharp, 2 samples = 8 PNGs in flight) ${decodeS.toFixed(2)} s = ${((1000 * decodeS) / ids.length).toFixed(1)} ms/sample; ` +
    `HDF5 append with LZF (h5wasm, one thread) ${writeS.toFixed(2)} s = ${((1000 * writeS) / ids.length).toFixed(1)} ms/sample`);
  console.log(`load average at end ${loadavg().map((v) => v.toFixed(1)).join(' ')}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
