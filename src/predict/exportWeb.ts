/**
 * `hpaic export web`: a static folder that predicts in the browser, offline, with onnxruntime-web (WASM):
 * `index.html` + `app.js` (the page), `preprocess.js` (webInput.ts bundled: the loader's Pillow-exact resizes
 * and channel filter), `model.onnx` (the run exported with its sigmoid), `model.json` (class names, input spec,
 * thresholds) and onnxruntime-web's WASM runtime files. Serve the folder with any static web server.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HpaicConfig } from '../config/schema.js';
import { CLASS_NAMES } from '../data/tables/labels.js';
import { UsageError } from '../errors.js';
import { withFsErrors } from '../io/fs/fsError.js';
import { writeFileAtomic } from '../io/text/writeFileAtomic.js';
import { RunFolder } from '../run/runFolder.js';
import { exportRunOnnx } from './exportOnnx.js';
import { pickThreshold } from './predictImages.js';

/** onnxruntime-web's files the page loads: the script, and the WASM module it imports at run time. */
export const ORT_WEB_FILES = ['ort.wasm.min.js', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm'] as const;
const PAGE_FILES = ['index.html', 'app.js', 'app.css'] as const;

export interface ExportWebOptions {
  out: string;
  /** One fold; default: every fold in one graph (as `hpaic predict` ensembles them). */
  fold?: number;
  foldEnsemble?: boolean;
  /** threshold.json kind or a number (default class_best). */
  threshold?: string;
  /** Stored image side (default 512). */
  storeSize?: number;
}

export interface ExportWebResult {
  dir: string;
  page: string;
  files: string[];
}

/** Write the static folder (see the module comment). */
export async function exportWeb(config: HpaicConfig, opts: ExportWebOptions): Promise<ExportWebResult> {
  const dir = resolve(opts.out);
  withFsErrors(dir, 'create the output folder', () => mkdirSync(dir, { recursive: true }));
  const run = RunFolder.of(config);
  const foldEnsemble = opts.fold === undefined ? true : (opts.foldEnsemble ?? false);
  const onnx = await exportRunOnnx(config, { out: join(dir, 'model.onnx'), fold: opts.fold, foldEnsemble, sigmoid: true });
  const threshold = pickThreshold(run, onnx.folds, opts.threshold ?? 'class_best');
  const perClass = typeof threshold.value === 'number' ? new Array<number>(CLASS_NAMES.length).fill(threshold.value) : [...threshold.value];
  const info = {
    model: config.model.name,
    folds: onnx.folds,
    classNames: CLASS_NAMES,
    input: { filters: config.dataset.filters.toLowerCase(), height: config.img_h, width: config.img_w, storeSize: opts.storeSize ?? 512 },
    threshold: { source: threshold.source, perClass },
  };
  const files = [onnx.path];
  const write = (name: string, data: string | Uint8Array): void => {
    writeFileAtomic(join(dir, name), data);
    files.push(join(dir, name));
  };
  write('model.json', JSON.stringify(info, null, 1) + '\n');
  write('preprocess.js', await preprocessBundle());
  const here = dirname(fileURLToPath(import.meta.url));
  for (const f of PAGE_FILES) write(f, readFileSync(join(here, 'web', f)));
  const ortDist = ortWebDist();
  for (const f of ORT_WEB_FILES) {
    withFsErrors(join(dir, f), 'copy onnxruntime-web', () => copyFileSync(join(ortDist, f), join(dir, f)));
    files.push(join(dir, f));
  }
  return { dir, page: join(dir, 'index.html'), files };
}

/** The folder holding onnxruntime-web's browser files. */
function ortWebDist(): string {
  let main: string;
  try {
    main = createRequire(import.meta.url).resolve('onnxruntime-web');
  } catch (err) {
    throw new UsageError(`hpaic export web needs the npm package onnxruntime-web (npm install): ${(err as Error).message.split('\n')[0]}`);
  }
  const dist = dirname(main);
  for (const f of ORT_WEB_FILES) if (!existsSync(join(dist, f))) throw new UsageError(`onnxruntime-web at ${dist} has no ${f}; reinstall it (npm install onnxruntime-web)`);
  return dist;
}

/**
 * webInput.ts for the browser: prebuilt beside this module in a built package (`npm run build:ts` writes
 * dist/predict/web/preprocess.js), else bundled now from the source with esbuild (a development dependency).
 */
async function preprocessBundle(): Promise<string> {
  const here = dirname(fileURLToPath(import.meta.url));
  const prebuilt = join(here, 'web', 'preprocess.js');
  if (existsSync(prebuilt)) return readFileSync(prebuilt, 'utf8');
  const source = join(here, 'webInput.ts');
  if (!existsSync(source)) throw new UsageError(`${prebuilt} is missing; rebuild the package (npm run build:ts)`);
  const esbuild = await import('esbuild');
  const r = await esbuild.build({ entryPoints: [source], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, minify: false, legalComments: 'none' });
  return r.outputFiles[0].text;
}
