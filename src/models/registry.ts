/**
 * The model registry: architectures by name (case-insensitive, as the seed's config), each built with the
 * same options. `createModel('resnet34', { numClasses: 28, head: 'adaptive' })`.
 */
import type { Module } from '../nn/Module.js';
import { ConfigError } from '../errors.js';
import type { HeadKind } from './heads.js';
import { resnet18, resnet34, resnet50, resnet101, resnet152 } from './resnet.js';
import { bninception } from './bninception.js';
import { seResnet50, seResnext50_32x4d } from './seResnet.js';
import { densenet121, densenet169 } from './densenet.js';
import { inceptionV3 } from './inceptionV3.js';

export interface ModelOptions {
  /** Output logits (default 28 HPA classes). */
  numClasses?: number;
  /** Input channels: 3 (RGB) or 4 (RGBY). */
  inChannels?: number;
  /** 'fc' = torchvision's plain classifier (keys identical to torchvision); 'adaptive' = the seed's head. */
  head?: HeadKind;
  /** Dropout of the adaptive head (config `model.dropout_p`). */
  dropoutP?: number;
}

export type ModelBuilder = (opts: ModelOptions) => Module;
const REGISTRY = new Map<string, ModelBuilder>();

/** Adds an architecture; names are unique (case-insensitive). */
export function registerModel(name: string, builder: ModelBuilder): void {
  const key = name.toLowerCase();
  if (REGISTRY.has(key)) throw new Error(`model "${name}" is already registered`);
  REGISTRY.set(key, builder);
}

export function listModels(): string[] {
  return [...REGISTRY.keys()].sort();
}

/**
 * Builds a model by name with fresh (PyTorch-default) weights. Synchronous.
 * @throws ConfigError for an unknown name (listing the known ones).
 * @example const model = createModel('resnet18', { numClasses: 28, head: 'adaptive', dropoutP: 0.5 });
 */
export function createModel(name: string, opts: ModelOptions = {}): Module {
  const builder = REGISTRY.get(name.toLowerCase());
  if (!builder) throw new ConfigError(`unknown model "${name}"; known models: ${listModels().join(', ')}`);
  const inChannels = opts.inChannels ?? 3;
  if (!Number.isInteger(inChannels) || inChannels < 1) throw new ConfigError(`inChannels must be a positive integer but received ${inChannels}`);
  return builder({ numClasses: 28, inChannels, head: 'fc', dropoutP: 0.5, ...opts });
}

registerModel('resnet18', resnet18);
registerModel('resnet34', resnet34);
registerModel('resnet50', resnet50);
registerModel('resnet101', resnet101);
registerModel('resnet152', resnet152);
registerModel('bninception', bninception);
registerModel('se_resnet50', seResnet50);
registerModel('inceptionv3', inceptionV3);
registerModel('se_resnext50_32x4d', seResnext50_32x4d);
registerModel('densenet121', densenet121);
registerModel('densenet169', densenet169);
