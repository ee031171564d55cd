/**
 * Loading ImageNet-pretrained weights (torchvision / pretrainedmodels checkpoints, `.pth` zip or
 * `.safetensors`) into an hpaic model: a named, logged step (timm's load_pretrained):
 * 1. refuse a checkpoint of another architecture (recognised by its key signature) with a CheckpointError;
 * 2. drop the ImageNet classifier (fc.* / last_linear.*) unless its shapes equal the model's, and unused
 *    extras (Inception's AuxLogits.*);
 * 3. adapt the first convolution to the model's input channels (adaptInputConv, timm's rule);
 * 4. reshape tensors that differ only by singleton dimensions (old Cadene files store some as (1, C));
 * 5. load the rest non-strictly and report missing / unexpected keys (the head's keys are expected-missing).
 */
import { basename } from 'node:path';
import type { Module } from '../nn/Module.js';
import type { Tensor } from '../tensor/Tensor.js';
import { noGrad } from '../tensor/scope.js';
import { CheckpointError, ConfigError } from '../errors.js';
import { readWeights } from '../io/weights/readWeights.js';
import type { StateDict } from '../io/weights/StoredTensor.js';
import { fromStored, saveWeights } from './weights.js';
import { adaptInputConv, firstConvRuleText, type FirstConvRule } from './adaptInputConv.js';
import { normalizationFor, weightEntry, type Normalization } from './weightCatalogue.js';
import { createModel } from './registry.js';
import { renameLegacyDensenetKey } from './densenet.js';
import type { HeadKind } from './heads.js';

/** What loadPretrained did. */
export interface PretrainedReport {
  /** Architecture of the model (registry name). */
  arch: string;
  /** Architecture the checkpoint's keys point to (null when unrecognised). */
  checkpointArch: string | null;
  /** One line per adaptation ("Converted input conv …", "Dropped classifier …"). */
  adapted: string[];
  /** Number of model tensors filled from the checkpoint. */
  loaded: number;
  /** Model keys the checkpoint lacks, outside the head (body keys left at their initialisation). */
  missing: string[];
  /** Head / classifier keys not taken from the checkpoint (freshly initialised, as intended). */
  expectedMissing: string[];
  /** Checkpoint keys the model has no place for (not counting the dropped classifier and extras). */
  unexpected: string[];
  /** Checkpoint keys deliberately not loaded (ImageNet classifier, AuxLogits). */
  dropped: string[];
  /** The input normalisation the weights expect (see normalizationFor). */
  normalization: Normalization;
}

const count = (keys: Iterable<string>, re: RegExp): number => {
  const ids = new Set<string>();
  for (const k of keys) {
    const m = re.exec(k);
    if (m) ids.add(m[1]);
  }
  return ids.size;
};

/**
 * The architecture a state dict's keys (and, where keys alike, shapes) point to: bninception, inceptionv3,
 * densenet121/169, se_resnet50/101/152, se_resnext50_32x4d (grouped conv2: fewer input channels than conv1's outputs), senet154,
 * resnet18/34/50/101/152 (by block type and the number of blocks in layer3), or null.
 */
export function guessArchitecture(keys: Iterable<string>, shapeOf: (key: string) => readonly number[] | undefined = () => undefined): string | null {
  const ks = [...keys];
  const has = (k: string): boolean => ks.includes(k);
  if (has('conv1_7x7_s2.weight')) return 'bninception';
  if (has('Conv2d_1a_3x3.conv.weight')) return 'inceptionv3';
  if (has('features.conv0.weight')) {
    const n3 = count(ks.map(renameLegacyDensenetKey), /^features\.denseblock3\.denselayer(\d+)\./);
    return ({ 24: 'densenet121', 32: 'densenet169' } as Record<number, string>)[n3] ?? 'densenet';
  }
  const n3 = count(ks, /^layer3\.(\d+)\./);
  if (has('layer0.conv1.weight')) {
    if (has('layer0.conv2.weight')) return 'senet154';
    // SE-ResNeXt's grouped 3×3 conv has 32 groups: conv2 takes width / 32 input channels, fewer than conv1's outputs.
    const conv2 = shapeOf('layer1.0.conv2.weight');
    const conv1 = shapeOf('layer1.0.conv1.weight');
    if (n3 === 6 && conv1 && conv2 && conv2[1] < conv1[0]) return 'se_resnext50_32x4d';
    return ({ 6: 'se_resnet50', 23: 'se_resnet101', 36: 'se_resnet152' } as Record<number, string>)[n3] ?? 'se_resnet';
  }
  if (has('conv1.weight') && has('layer1.0.conv1.weight')) {
    if (has('layer1.0.conv3.weight')) return ({ 6: 'resnet50', 23: 'resnet101', 36: 'resnet152' } as Record<number, string>)[n3] ?? 'resnet (bottleneck)';
    return ({ 2: 'resnet18', 6: 'resnet34' } as Record<number, string>)[n3] ?? 'resnet (basic blocks)';
  }
  return null;
}

/** Key prefixes of the models' heads (adaptive `head.*`, Cadene `last_linear.*`, torchvision `fc.*`). */
const HEAD_PREFIXES = ['head.', 'last_linear.', 'fc.'];

/**
 * Loads ImageNet weights from `path` into `model` (built by createModel), adapting them as described in
 * the file comment. `inChannels` / `numClasses`, when given, must agree with the model (a guard for callers
 * that pass the config's values).
 * @throws CheckpointError for a checkpoint of another architecture, shape mismatches, or a body mostly absent.
 * @example const report = await loadPretrained(createModel('bninception', { inChannels: 4, head: 'adaptive' }), 'bn_inception-52deb4733.pth');
 */
export async function loadPretrained(
  model: Module,
  path: string,
  opts: { inChannels?: number; numClasses?: number; firstConvRule?: FirstConvRule; log?: (line: string) => void } = {},
): Promise<PretrainedReport> {
  const own = model.stateDict();
  const arch = guessArchitecture(own.keys(), (k) => own.get(k)?.shape);
  if (arch === null) throw new ConfigError('loadPretrained: the model is not one of the catalogued architectures (resnet*, densenet121/169, bninception, se_resnet50, se_resnext50_32x4d, inceptionv3)');
  const entry = weightEntry(arch);
  const firstConv = own.get(entry.firstConv)!;
  const inChannels = firstConv.shape[1];
  if (opts.inChannels !== undefined && opts.inChannels !== inChannels) {
    throw new ConfigError(`loadPretrained: inChannels ${opts.inChannels} was asked for but the model's ${entry.firstConv} takes ${inChannels} channels`);
  }
  if (opts.numClasses !== undefined) {
    const last = [...own].filter(([k, t]) => HEAD_PREFIXES.some((p) => k.startsWith(p)) && k.endsWith('.weight') && t.ndim === 2).pop();
    if (last && last[1].shape[0] !== opts.numClasses) {
      throw new ConfigError(`loadPretrained: numClasses ${opts.numClasses} was asked for but the model's classifier ${last[0]} has ${last[1].shape[0]} outputs`);
    }
  }

  const { tensors: raw } = readWeights(path);
  const records: StateDict = arch.startsWith('densenet') ? new Map([...raw].map(([k, v]) => [renameLegacyDensenetKey(k), v])) : raw;
  const checkpointArch = guessArchitecture(records.keys(), (k) => records.get(k)?.shape);
  if (checkpointArch !== null && checkpointArch !== arch) {
    throw new CheckpointError(`${path}: this looks like a ${checkpointArch} checkpoint, not ${arch}`, {
      hint: `use a ${arch} weight file (${entry.url}) or choose model ${checkpointArch}`,
    });
  }
  return adaptAndLoad(model, own, records, { path, arch, checkpointArch, inChannels, rule: opts.firstConvRule ?? 'timm', log: opts.log ?? (() => {}) });
}

function adaptAndLoad(
  model: Module,
  own: Map<string, Tensor>,
  records: StateDict,
  ctx: { path: string; arch: string; checkpointArch: string | null; inChannels: number; rule: FirstConvRule; log: (line: string) => void },
): PretrainedReport {
  const entry = weightEntry(ctx.arch);
  const adapted: string[] = [];
  const note = (line: string): void => {
    adapted.push(line);
    ctx.log(line);
  };
  const source = new Map<string, Tensor>();
  const dropped: string[] = [];
  const unexpected: string[] = [];
  const mismatched: string[] = [];
  const reshaped: string[] = [];
  try {
    for (const [k, rec] of records) {
      const target = own.get(k);
      const isClassifier = entry.classifier.some((p) => k.startsWith(p));
      if (entry.ignored.some((p) => k.startsWith(p)) || (isClassifier && (!target || target.shape.join() !== rec.shape.join()))) {
        dropped.push(k);
        continue;
      }
      if (!target) {
        unexpected.push(k);
        continue;
      }
      const t = fromStored(rec);
      if (k === entry.firstConv && rec.shape.length === 4 && rec.shape[1] === 3 && ctx.inChannels !== 3 && target.shape.join() === [rec.shape[0], ctx.inChannels, ...rec.shape.slice(2)].join()) {
        source.set(k, adaptInputConv(t, ctx.inChannels, ctx.rule));
        t.dispose();
        note(`Converted input conv ${k} from 3 to ${ctx.inChannels} channels (${firstConvRuleText(ctx.rule)})`);
        continue;
      }
      if (t.shape.join() === target.shape.join()) source.set(k, t);
      else if (t.numel === target.numel && t.shape.filter((d) => d !== 1).join() === target.shape.filter((d) => d !== 1).join()) {
        source.set(k, noGrad(() => t.reshape(target.shape)));
        t.dispose();
        reshaped.push(k);
      } else {
        mismatched.push(`${k}: model [${target.shape.join(', ')}] vs file [${rec.shape.join(', ')}]`);
        t.dispose();
      }
    }
    if (reshaped.length) note(`Reshaped ${reshaped.length} tensor(s) stored with singleton dimensions (e.g. ${reshaped[0]})`);
    const isHead = (k: string): boolean => HEAD_PREFIXES.some((p) => k.startsWith(p));
    const bodyKeys = [...own.keys()].filter((k) => !isHead(k));
    const bodyMissing = bodyKeys.filter((k) => !source.has(k));
    // Checkpoints older than PyTorch 0.4.1 have no num_batches_tracked: harmless, the counter stays 0.
    const missing = bodyMissing.filter((k) => !k.endsWith('num_batches_tracked'));
    const weightKeys = bodyKeys.filter((k) => !k.endsWith('num_batches_tracked'));
    if (mismatched.length || missing.length > weightKeys.length / 2) {
      const what = ctx.checkpointArch ? `a ${ctx.checkpointArch} checkpoint` : 'a checkpoint of another architecture';
      throw new CheckpointError(
        `${ctx.path}: does not fit ${ctx.arch}; it looks like ${what} ` +
          `(${missing.length} of ${weightKeys.length} body tensors missing, ${mismatched.length} shape mismatch(es)${mismatched.length ? `: ${mismatched.slice(0, 5).join('; ')}${mismatched.length > 5 ? '; …' : ''}` : ''})`,
      );
    }
    if (dropped.length) note(`Dropped ${dropped.length} checkpoint tensor(s) not used by the model: ${summarise(dropped)}`);
    const expectedMissing = [...own.keys()].filter((k) => isHead(k) && !source.has(k));
    if (expectedMissing.length) note(`Initialised the head freshly: ${summarise(expectedMissing)}`);
    if (missing.length) note(`WARNING: ${missing.length} body tensor(s) absent from the checkpoint keep their initialisation: ${summarise(missing)}`);
    if (unexpected.length) note(`WARNING: ${unexpected.length} checkpoint tensor(s) have no place in the model: ${summarise(unexpected)}`);
    model.loadStateDict(source, { strict: false, what: ctx.path });
    return {
      arch: ctx.arch,
      checkpointArch: ctx.checkpointArch,
      adapted,
      loaded: source.size,
      missing,
      expectedMissing,
      unexpected,
      dropped,
      normalization: normalizationFor(ctx.arch, ctx.inChannels),
    };
  } finally {
    for (const t of source.values()) t.dispose();
  }
}

/** Keys grouped by their first component: "fc.* (2), AuxLogits.* (12)". */
function summarise(keys: string[]): string {
  const groups = new Map<string, number>();
  for (const k of keys) groups.set(k.split('.')[0], (groups.get(k.split('.')[0]) ?? 0) + 1);
  return [...groups].map(([g, n]) => `${g}.* (${n})`).join(', ');
}

/** Options of importPretrained (the `hpaic weights import` command). */
export interface ImportPretrainedOptions {
  inChannels?: number;
  numClasses?: number;
  head?: HeadKind;
  dropoutP?: number;
  firstConvRule?: FirstConvRule;
  log?: (line: string) => void;
}

/**
 * Builds `arch` (fresh head), loads the ImageNet checkpoint `inPath` into it with loadPretrained and saves
 * the model's state dict to `outPath` (.safetensors: with metadata recording the architecture, the weights'
 * source, the 4-channel rule and the input normalisation; otherwise PyTorch's .pth zip format).
 */
export async function importPretrained(arch: string, inPath: string, outPath: string, opts: ImportPretrainedOptions = {}): Promise<PretrainedReport> {
  const { inChannels = 3, numClasses = 28, head = 'adaptive', dropoutP = 0.5 } = opts;
  const model = createModel(arch, { inChannels, numClasses, head, dropoutP });
  try {
    const rule = opts.firstConvRule ?? 'timm';
    const report = await loadPretrained(model, inPath, { firstConvRule: rule, log: opts.log ?? (() => {}) });
    const n = report.normalization;
    await saveWeights(model, outPath, {
      metadata: {
        format: 'pt',
        hpaic_arch: report.arch,
        hpaic_head: head,
        hpaic_in_channels: String(inChannels),
        hpaic_num_classes: String(numClasses),
        pretrained_source: basename(inPath),
        first_conv_rule: inChannels === 3 ? 'unchanged' : firstConvRuleText(rule),
        input_space: n.inputSpace,
        input_range: JSON.stringify(n.inputRange),
        mean: JSON.stringify(n.mean),
        std: JSON.stringify(n.std),
      },
    });
    return report;
  } finally {
    model.dispose();
  }
}
