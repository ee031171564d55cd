/**
 * `hpaic export onnx`: a run's fold model (`--fold k`, default 1), all its folds as one graph
 * (`--fold-ensemble`, the mean of the folds' logits as `hpaic submit` ensembles them), or a weights file with a
 * named architecture, written as an ONNX model (src/onnx/) with what a user of the file needs to feed it and
 * read it in `metadata_props` (docs/predict-export.md lists the keys).
 */
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import type { HpaicConfig } from '../config/schema.js';
import { filterChannelCount } from '../data/image/channelFilter.js';
import { CLASS_NAMES, NUM_CLASSES } from '../data/tables/labels.js';
import { CheckpointError, UsageError } from '../errors.js';
import { writeFileAtomic } from '../io/text/writeFileAtomic.js';
import { type InputNorm, inputNormFor } from '../models/inputNorm.js';
import { createModel } from '../models/registry.js';
import { loadWeights } from '../models/weights.js';
import type { HeadKind } from '../models/heads.js';
import type { Module } from '../nn/Module.js';
import { buildOnnxModel } from '../onnx/buildOnnxModel.js';
import { encodeOnnxModel } from '../onnx/onnxProto.js';
import { buildModel } from '../run/buildModel.js';
import { RunFolder } from '../run/runFolder.js';
import { foldThresholdList, readThresholdFile } from './thresholdFile.js';
import { meanThresholds } from './submissionFiles.js';

export interface ExportOnnxResult {
  path: string;
  bytes: number;
  folds: number[];
  metadata: Record<string, string>;
}

export interface ExportRunOptions {
  out: string;
  /** The fold to export (default 1); ignored with `foldEnsemble`. */
  fold?: number;
  /** Every fold of the run in one graph, their logits averaged. */
  foldEnsemble?: boolean;
  /** Add `probabilities` = σ(logits) as the first output. */
  sigmoid?: boolean;
}

/** Export a trained run (see the module comment). */
export async function exportRunOnnx(config: HpaicConfig, opts: ExportRunOptions): Promise<ExportOnnxResult> {
  const run = RunFolder.of(config);
  const all = run.folds().map((f) => f.fold);
  if (all.length === 0) throw new CheckpointError(`${run.root}: no fold checkpoint (fold_1/model.pth); train the run first`);
  const folds = opts.foldEnsemble ? all : [opts.fold ?? 1];
  for (const k of folds) if (!all.includes(k)) throw new CheckpointError(`fold ${k} not found: ${run.fold(k).model} (the run has folds 1-${all.length})`);
  const models: Module[] = [];
  try {
    for (const k of folds) {
      const m = await buildModel({ ...config, model: { ...config.model, pretrained: null } });
      models.push(m);
      await loadWeights(m, run.fold(k).model);
    }
    const channels = config.model.in_channels ?? filterChannelCount(config.dataset.filters);
    const metadata = runMetadata(config, folds, run, opts.sigmoid ?? false);
    return writeOnnx(models, { out: opts.out, channels, height: config.img_h, width: config.img_w, inputNorm: inputNormFor(config), sigmoid: opts.sigmoid, metadata, prefixes: folds.map((k) => (folds.length > 1 ? `fold_${k}.` : '')) }, folds);
  } finally {
    models.forEach((m) => m.dispose());
  }
}

export interface ExportWeightsOptions {
  out: string;
  weights: string;
  model: string;
  channels?: number;
  head?: HeadKind;
  numClasses?: number;
  height?: number;
  width?: number;
  /** The channel letters the weights expect (recorded, e.g. `rgby`). */
  filters?: string;
  inputNorm?: InputNorm | null;
  sigmoid?: boolean;
}

/** Export a weights file of a registry architecture. */
export async function exportWeightsOnnx(o: ExportWeightsOptions): Promise<ExportOnnxResult> {
  if (!existsSync(o.weights)) throw new UsageError(`--weights: ${o.weights} does not exist`);
  const filters = o.filters ?? 'rgb';
  const channels = o.channels ?? filterChannelCount(filters);
  const height = o.height ?? 512;
  const width = o.width ?? height;
  const m = createModel(o.model, { inChannels: channels, head: o.head ?? 'adaptive', numClasses: o.numClasses ?? NUM_CLASSES });
  try {
    await loadWeights(m, o.weights);
    const metadata: Record<string, string> = {
      ...commonMetadata({ model: o.model.toLowerCase(), filters, height, width, inputNorm: o.inputNorm ?? null, sigmoid: o.sigmoid ?? false }),
      'hpaic.source': basename(o.weights),
    };
    return await writeOnnx([m], { out: o.out, channels, height, width, inputNorm: o.inputNorm ?? null, sigmoid: o.sigmoid, metadata }, []);
  } finally {
    m.dispose();
  }
}

async function writeOnnx(models: Module[], o: Parameters<typeof buildOnnxModel>[1] & { out: string }, folds: number[]): Promise<ExportOnnxResult> {
  const version = process.env.npm_package_version ?? '';
  const bytes = encodeOnnxModel(buildOnnxModel(models, { ...o, producerVersion: version }));
  writeFileAtomic(o.out, bytes);
  return { path: o.out, bytes: bytes.length, folds, metadata: o.metadata ?? {} };
}

function commonMetadata(o: { model: string; filters: string; height: number; width: number; inputNorm: InputNorm | null; sigmoid: boolean }): Record<string, string> {
  return {
    'hpaic.model': o.model,
    'hpaic.class_names': JSON.stringify(CLASS_NAMES),
    'hpaic.channel_filter': o.filters.toLowerCase(),
    'hpaic.image_size': JSON.stringify([o.height, o.width]),
    'hpaic.input': `float32 N×C×${o.height}×${o.width}, pixel/255 in [0, 1], channels in the order of hpaic.channel_filter (r, g, b, y; "rygb": red and green take yellow where they are 0), each image Pillow-bilinear-resized from the stored 512² channels`,
    'hpaic.input_norm': o.inputNorm ? JSON.stringify({ folded_in: true, ...o.inputNorm }) : 'none',
    'hpaic.outputs': o.sigmoid ? 'probabilities (sigmoid of logits), logits' : 'logits',
  };
}

function runMetadata(config: HpaicConfig, folds: number[], run: RunFolder, sigmoid: boolean): Record<string, string> {
  const meta: Record<string, string> = {
    ...commonMetadata({ model: config.model.name, filters: config.dataset.filters, height: config.img_h, width: config.img_w, inputNorm: inputNormFor(config), sigmoid }),
    // The run's name, not its path: the file may be shared.
    'hpaic.run': basename(run.root),
    'hpaic.folds': JSON.stringify(folds),
  };
  if (existsSync(run.thresholdJson)) {
    // Per kind, the folds' mean threshold (one fold: its own), as `hpaic predict` applies them.
    const list = foldThresholdList(readThresholdFile(run.thresholdJson));
    const kinds: Record<string, number | number[]> = {};
    for (const { key } of list[0] ?? []) {
      const per = folds.map((k) => list[k - 1]?.find((t) => t.key === key)?.threshold);
      if (per.every((t) => t !== undefined)) {
        const t = per.length === 1 ? per[0]! : meanThresholds(per as (number | number[])[]);
        kinds[key] = typeof t === 'number' ? t : [...t];
      }
    }
    meta['hpaic.thresholds'] = JSON.stringify(kinds);
  }
  return meta;
}
