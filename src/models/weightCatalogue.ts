/**
 * The ImageNet weight sets hpaic knows, with the input convention each was trained with (timm's
 * PretrainedCfg / torchvision's Weights idea: the preprocessing travels with the weights, never a global
 * constant). hpaic cannot download them inside tests; users fetch the files (docs/models.md) and import
 * them with `hpaic weights import` or `model.pretrained` in the config.
 *
 * The seed applies NO normalisation (seed-spec §6.2: RGB floats in [0,1] straight from to-tensor, and
 * BNInception's BGR/0–255 convention ignored). `normalizationFor(arch)` exposes the weights' convention as
 * data so the trainer can apply it when the config asks for it.
 */
import { ConfigError } from '../errors.js';

export interface Normalization {
  /** Channel order the weights expect for the first three channels. */
  inputSpace: 'RGB' | 'BGR';
  /** Value range before mean subtraction: [0, 1] (to-tensor) or [0, 255]. */
  inputRange: [number, number];
  /** Per channel, in `inputSpace` order; (x − mean) / std. */
  mean: number[];
  std: number[];
}

export interface WeightEntry extends Normalization {
  /** Registry name of the architecture. */
  arch: string;
  /** Weight-set tag (torchvision's IMAGENET1K_V1 …, Cadene's imagenet). */
  tag: string;
  /** File name as published; the hash fragment in it is the start of the file's sha256 (torchvision's convention). */
  file: string;
  url: string;
  /** Training input size. */
  inputSize: number;
  numClasses: number;
  /** State-dict key of the first convolution's weight (adapted for other channel counts). */
  firstConv: string;
  /** Key prefixes of the ImageNet classifier (dropped unless the shapes match) and of unused extras (AuxLogits). */
  classifier: string[];
  ignored: string[];
  note?: string;
}

const IMAGENET_RGB: Normalization = { inputSpace: 'RGB', inputRange: [0, 1], mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
const TV = 'https://download.pytorch.org/models/';
const CADENE = 'http://data.lip6.fr/cadene/pretrainedmodels/';

function resnetEntry(arch: string, tag: string, file: string): WeightEntry {
  return { arch, tag, file, url: TV + file, inputSize: 224, numClasses: 1000, firstConv: 'conv1.weight', classifier: ['fc.'], ignored: [], ...IMAGENET_RGB };
}

function densenetEntry(arch: string, file: string): WeightEntry {
  const note = 'torchvision stores old layer names (denselayer1.norm.1.weight); they are renamed on load as torchvision does';
  return { arch, tag: 'IMAGENET1K_V1', file, url: TV + file, inputSize: 224, numClasses: 1000, firstConv: 'features.conv0.weight', classifier: ['classifier.'], ignored: [], ...IMAGENET_RGB, note };
}

/** Every known weight set; the first entry of an architecture is its default. */
export const WEIGHT_CATALOGUE: readonly WeightEntry[] = [
  resnetEntry('resnet18', 'IMAGENET1K_V1', 'resnet18-f37072fd.pth'),
  resnetEntry('resnet34', 'IMAGENET1K_V1', 'resnet34-b627a593.pth'),
  resnetEntry('resnet50', 'IMAGENET1K_V1', 'resnet50-0676ba61.pth'),
  resnetEntry('resnet50', 'IMAGENET1K_V2', 'resnet50-11ad3fa6.pth'),
  resnetEntry('resnet101', 'IMAGENET1K_V1', 'resnet101-63fe2227.pth'),
  resnetEntry('resnet152', 'IMAGENET1K_V1', 'resnet152-394f9c45.pth'),
  {
    arch: 'bninception',
    tag: 'imagenet',
    file: 'bn_inception-52deb4733.pth',
    url: CADENE + 'bn_inception-52deb4733.pth',
    inputSize: 224,
    numClasses: 1000,
    firstConv: 'conv1_7x7_s2.weight',
    classifier: ['last_linear.'],
    ignored: [],
    inputSpace: 'BGR',
    inputRange: [0, 255],
    mean: [104, 117, 128],
    std: [1, 1, 1],
    note: 'Caffe-converted: BGR channel order, 0-255 values, mean subtracted, no std division',
  },
  {
    arch: 'se_resnet50',
    tag: 'imagenet',
    file: 'se_resnet50-ce0d4300.pth',
    url: CADENE + 'se_resnet50-ce0d4300.pth',
    inputSize: 224,
    numClasses: 1000,
    firstConv: 'layer0.conv1.weight',
    classifier: ['last_linear.'],
    ignored: [],
    ...IMAGENET_RGB,
    note: 'the seed never loaded these (seed quirk 3); hpaic can',
  },
  {
    arch: 'se_resnext50_32x4d',
    tag: 'imagenet',
    file: 'se_resnext50_32x4d-a260b3a4.pth',
    url: CADENE + 'se_resnext50_32x4d-a260b3a4.pth',
    inputSize: 224,
    numClasses: 1000,
    firstConv: 'layer0.conv1.weight',
    classifier: ['last_linear.'],
    ignored: [],
    ...IMAGENET_RGB,
  },
  densenetEntry('densenet121', 'densenet121-a639ec97.pth'),
  densenetEntry('densenet169', 'densenet169-b2777c0a.pth'),
  {
    arch: 'inceptionv3',
    tag: 'IMAGENET1K_V1',
    file: 'inception_v3_google-0cc3c7bd.pth',
    url: TV + 'inception_v3_google-0cc3c7bd.pth',
    inputSize: 299,
    numClasses: 1000,
    firstConv: 'Conv2d_1a_3x3.conv.weight',
    classifier: ['fc.'],
    ignored: ['AuxLogits.'],
    inputSpace: 'RGB',
    inputRange: [0, 1],
    mean: [0.5, 0.5, 0.5],
    std: [0.5, 0.5, 0.5],
    note: "Google's weights expect [-1, 1] input; torchvision reaches it with transform_input=True from ImageNet-normalised input. hpaic keeps transform_input false (seed quirk 4), so the equivalent direct normalisation is mean 0.5, std 0.5 on [0, 1] RGB. The seed used the older file inception_v3_google-1a9a5a14.pth (same keys).",
  },
];

/** Catalogue entries of `arch` (case-insensitive), default first; empty when unknown. */
export function weightEntries(arch: string): WeightEntry[] {
  return WEIGHT_CATALOGUE.filter((e) => e.arch === arch.toLowerCase());
}

/** The default weight entry of `arch`. @throws ConfigError when hpaic knows no ImageNet weights for it. */
export function weightEntry(arch: string): WeightEntry {
  const e = weightEntries(arch)[0];
  if (!e) throw new ConfigError(`no ImageNet weights are catalogued for model "${arch}"; known: ${[...new Set(WEIGHT_CATALOGUE.map((w) => w.arch))].join(', ')}`);
  return e;
}

/**
 * The input normalisation the ImageNet weights of `arch` expect, extended to `inChannels`: extra channels
 * (RGBY's yellow) take the statistics of the filters they were given by adaptInputConv (cyclic R, G, B).
 * For BGR weights the first three channels must be fed in B, G, R order (swap channels 0 and 2); the yellow
 * channel stays fourth. Apply as (x · scale − mean) / std with scale = inputRange[1] (1 or 255).
 * @example normalizationFor('bninception', 4) // { inputSpace: 'BGR', inputRange: [0, 255], mean: [104, 117, 128, 104], std: [1, 1, 1, 1] }
 */
export function normalizationFor(arch: string, inChannels = 3): Normalization {
  const e = weightEntry(arch);
  const cyc = (v: number[]): number[] => Array.from({ length: inChannels }, (_, i) => v[i % 3]);
  return { inputSpace: e.inputSpace, inputRange: [...e.inputRange], mean: cyc(e.mean), std: cyc(e.std) };
}
