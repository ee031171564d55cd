import { z } from 'zod';
import { DEFAULTS } from './defaults.js';

/**
 * The training config: the seed's JSON schema (seed-spec §3, same key names and meanings) plus keys hpaic adds.
 * Every leaf carries a description of what it accepts; `formatConfigIssues` quotes it in error messages.
 * Enumerations are case-insensitive as in the seed and come out lower-case.
 */

/** The enumerations of the schema, in the order the docs list them. */
export const MODEL_NAMES = ['resnet18', 'resnet34', 'resnet50', 'resnet101', 'resnet152', 'inceptionv3', 'bninception', 'se_resnet50', 'se_resnext50_32x4d', 'densenet121', 'densenet169'] as const;
export const CRITERION_NAMES = ['bce', 'bce_w', 'bce_pw', 'bfl', 'f1', 'focal', 'lovasz', 'hard_bce', 'focal_lovasz_hard'] as const;
export const OPTIM_NAMES = ['adam', 'sgd'] as const;
export const SAMPLER_MODES = ['mean', 'median', 'max', 'meanmax'] as const;
export const WEIGHT_SCALINGS = ['none', 'median', 'majority', 'minority', 'log'] as const;
export const DATASET_FORMATS = ['hdf5', 'png'] as const;
export const MODEL_HEADS = ['adaptive', 'fc'] as const;
export const PLOT_FORMATS = ['png', 'svg', 'none'] as const;
export const LR_SCHEDULES = ['plateau', 'cosine', 'step'] as const;
export const PRECISIONS = ['fp32', 'bf16', 'fp16'] as const;
export const DIST_MODES = ['ddp', 'folds'] as const;
export const FIRST_CONV_RULES = ['timm', 'copy_first'] as const;

const quoteAll = (values: readonly string[]): string => values.map((v) => JSON.stringify(v)).join(', ');

/** A case-insensitive string enum (the seed lower-cases these names); the output is the lower-case value. */
function ciEnum<const T extends readonly string[]>(values: T) {
  const expected = `one of ${quoteAll(values)}`;
  return z
    .string()
    .transform((s, ctx): T[number] => {
      const v = s.toLowerCase();
      if ((values as readonly string[]).includes(v)) return v as T[number];
      ctx.issues.push({ code: 'custom', message: expected, input: s });
      return z.NEVER;
    })
    .describe(expected);
}

function ciEnumOrNull<const T extends readonly string[]>(values: T) {
  return ciEnum(values).nullable().describe(`null or one of ${quoteAll(values)}`);
}

const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .number()
    .int()
    .min(min)
    .max(max)
    .describe(max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`);
const intOrNull = (min: number) => int(min).nullable().describe(`null or an integer >= ${min}`);
const num = (expected: string, check: (v: number) => boolean) =>
  z
    .number()
    .refine(check, { message: expected })
    .describe(expected);
const numOrNull = () => z.number().nullable().describe('a number or null');
const bool = () => z.boolean().describe('true or false');
const path = () => z.string().min(1).describe('a path (a non-empty string)');
const pathOrNull = () => z.string().min(1).nullable().describe('null or a path (a non-empty string)');

/** Class-weight settings (seed-spec §5.1), used by `sampler.weights` and `criterion.weights`. */
const weightsSchema = (d: { scaling: string | null; min_clip: number | null; max_clip: number | null; damping_r: number | null }) =>
  z
    .strictObject({
      scaling: ciEnumOrNull(WEIGHT_SCALINGS).default(d.scaling as (typeof WEIGHT_SCALINGS)[number] | null),
      min_clip: numOrNull().default(d.min_clip),
      max_clip: numOrNull().default(d.max_clip),
      damping_r: numOrNull().default(d.damping_r),
    })
    .describe('an object with keys scaling, min_clip, max_clip, damping_r');

const FILTERS_EXPECTED = 'channel letters from r, g, b, y, each at most once (e.g. "rgb", "rgby", "rygb")';
const filtersSchema = z
  .string()
  .refine((s) => /^[rgby]{1,4}$/.test(s) && new Set(s).size === s.length, { message: FILTERS_EXPECTED })
  .describe(FILTERS_EXPECTED);

const DEVICE_EXPECTED = '"auto", "cpu", "cuda" or "cuda:<index>"';
const deviceSchema = z
  .string()
  .transform((s, ctx) => {
    const v = s.toLowerCase();
    if (/^(auto|cpu|cuda(:\d+)?)$/.test(v)) return v;
    ctx.issues.push({ code: 'custom', message: DEVICE_EXPECTED, input: s });
    return z.NEVER;
  })
  .describe(DEVICE_EXPECTED);

const INPUT_NORM_EXPECTED = 'null, "pretrained", "hpa_bestfitting", "per_image" or {"mean": [one number per channel], "std": [one number > 0 per channel]}';
const inputNormSchema = z
  .union([z.null(), z.literal('pretrained'), z.literal('hpa_bestfitting'), z.literal('per_image'), z.strictObject({ mean: z.array(z.number()).min(1), std: z.array(z.number().positive()).min(1) })])
  .describe(INPUT_NORM_EXPECTED);

const NAME_EXPECTED = 'a run name usable as a folder name (non-empty, no "/" or "\\", not "." or "..")';
const nameSchema = z
  .string()
  .refine((s) => s.length > 0 && !/[/\\]/.test(s) && s !== '.' && s !== '..', { message: NAME_EXPECTED })
  .describe(NAME_EXPECTED);

/** The number of input channels that `dataset.filters` gives: one per letter, except `rygb` (yellow mixed into R and G) gives 3. */
export function channelsForFilters(filters: string): number {
  return filters === 'rygb' ? 3 : filters.length;
}

const D = DEFAULTS;

/** The config as written in the JSON file (shape only; cross-field rules are in `HpaicConfigSchema`). */
export const HpaicConfigShape = z.strictObject({
  _comment: z.union([z.string(), z.array(z.string())]).optional().describe('a string or a list of strings (a note for readers; ignored)'),
  name: nameSchema,
  device: deviceSchema.default(D.device),
  checkpoint_dir: path().default(D.checkpoint_dir),
  epochs: int(1).default(D.epochs),
  img_h: int(1).default(D.img_h),
  img_w: int(1).default(D.img_w),
  aug: bool().default(D.aug),
  crop_size: intOrNull(1).default(D.crop_size),
  lr_schedule: ciEnum(LR_SCHEDULES).default(D.lr_schedule),
  lr_milestones: z.array(int(1)).describe('a list of increasing integers >= 1 (0-based epochs at which the step lr changes)').default([...D.lr_milestones]),
  lr_factors: z
    .array(num('a number greater than 0', (v) => v > 0))
    .describe('a list of numbers > 0 (the lr from each milestone on, as a multiple of optim.lr)')
    .default([...D.lr_factors]),
  warmup_epochs: int(0).default(D.warmup_epochs),
  warmup_factor: num('a number greater than 0 and at most 1', (v) => v > 0 && v <= 1).default(D.warmup_factor),
  grad_accumulation: int(1).default(D.grad_accumulation),
  average_last: int(0).default(D.average_last),
  lr_patience: int(0).default(D.lr_patience),
  lr_factor: num('a number greater than 0 and less than 1', (v) => v > 0 && v < 1).default(D.lr_factor),
  min_lr: num('a number >= 0', (v) => v >= 0).default(D.min_lr),
  stop_patience: int(1).default(D.stop_patience),
  threads: intOrNull(1).default(D.threads),
  seed: int(0, 2 ** 32 - 1).default(D.seed),
  channels_last: bool().default(D.channels_last),
  amp: bool().default(D.amp),
  precision: ciEnum(PRECISIONS).default(D.precision),
  log_every: int(0).default(D.log_every),
  plots: ciEnum(PLOT_FORMATS).default(D.plots),
  dataset: z
    .strictObject({
      root_dir: path(),
      filters: filtersSchema.default(D.dataset.filters),
      subset: num('a number greater than 0 and at most 1', (v) => v > 0 && v <= 1).default(D.dataset.subset),
      random_state: intOrNull(0).default(D.dataset.random_state),
      format: ciEnum(DATASET_FORMATS).default(D.dataset.format),
      train_csv: path().default(D.dataset.train_csv),
    })
    .describe('an object with keys root_dir, filters, subset, random_state, format, train_csv'),
  sampler: z
    .strictObject({
      mode: ciEnumOrNull(SAMPLER_MODES).default(D.sampler.mode),
      weights: weightsSchema(D.sampler.weights).prefault({}),
    })
    .describe('an object with keys mode, weights')
    .prefault({}),
  dataloader: z
    .strictObject({
      n_splits: int(1).default(D.dataloader.n_splits),
      val_size: num('a number greater than 0 and less than 1', (v) => v > 0 && v < 1)
        .nullable()
        .describe('null or a number greater than 0 and less than 1')
        .default(D.dataloader.val_size),
      batch_size: int(1).default(D.dataloader.batch_size),
      workers: int(0).default(D.dataloader.workers),
      random_state: intOrNull(0).default(D.dataloader.random_state),
    })
    .describe('an object with keys n_splits, val_size, batch_size, workers, random_state')
    .prefault({}),
  model: z
    .strictObject({
      name: ciEnum(MODEL_NAMES).default(D.model.name),
      dropout_p: num('a number from 0 to less than 1', (v) => v >= 0 && v < 1).default(D.model.dropout_p),
      pretrained: pathOrNull().default(D.model.pretrained),
      in_channels: intOrNull(1).default(D.model.in_channels),
      head: ciEnum(MODEL_HEADS).default(D.model.head),
      input_norm: inputNormSchema.default(D.model.input_norm),
      first_conv_rule: ciEnum(FIRST_CONV_RULES).default(D.model.first_conv_rule),
    })
    .describe('an object with keys name, dropout_p, pretrained, in_channels, head, input_norm, first_conv_rule')
    .prefault({}),
  criterion: z
    .strictObject({
      name: ciEnum(CRITERION_NAMES).default(D.criterion.name),
      weights: weightsSchema(D.criterion.weights).prefault({}),
    })
    .describe('an object with keys name, weights')
    .prefault({}),
  optim: z
    .strictObject({
      name: ciEnum(OPTIM_NAMES).default(D.optim.name),
      lr: num('a number greater than 0', (v) => v > 0).default(D.optim.lr),
      weight_decay: num('a number >= 0', (v) => v >= 0).default(D.optim.weight_decay),
    })
    .describe('an object with keys name, lr, weight_decay')
    .prefault({}),
  dist: z
    .strictObject({
      mode: ciEnum(DIST_MODES).default(D.dist.mode),
      sync_bn: bool().default(D.dist.sync_bn),
      timeout_s: num('a number of seconds greater than 0', (v) => v > 0).default(D.dist.timeout_s),
    })
    .describe('an object with keys mode, sync_bn, timeout_s')
    .prefault({}),
  load: z
    .strictObject({
      path: pathOrNull().default(D.load.path),
      weights_only: bool().nullable().describe('true, false or null').default(D.load.weights_only),
    })
    .describe('an object with keys path, weights_only')
    .prefault({}),
});

type Shape = z.output<typeof HpaicConfigShape>;
type WeightsOut = Shape['sampler']['weights'];

/** Rules that involve several keys; each issue names the key to change. */
function crossFieldChecks(c: Shape, ctx: z.RefinementCtx): void {
  const fail = (path: (string | number)[], expected: string) => ctx.addIssue({ code: 'custom', path, message: expected, params: { crossField: true } });
  if (c.dataloader.n_splits === 1 && c.dataloader.val_size === null) {
    fail(['dataloader', 'val_size'], 'a number greater than 0 and less than 1 when dataloader.n_splits is 1');
  }
  const checkWeights = (section: 'sampler' | 'criterion', w: WeightsOut) => {
    if (w.scaling === 'log' && w.damping_r === null) fail([section, 'weights', 'damping_r'], `a number when ${section}.weights.scaling is "log"`);
    if (w.min_clip !== null && w.max_clip !== null && w.min_clip > w.max_clip) {
      fail([section, 'weights', 'max_clip'], `a number >= ${section}.weights.min_clip (${w.min_clip})`);
    }
  };
  checkWeights('sampler', c.sampler.weights);
  checkWeights('criterion', c.criterion.weights);
  // The seed would crash later: a weighted sampler needs class weights to draw with.
  if (c.sampler.mode !== null && c.sampler.weights.scaling === null) {
    fail(['sampler', 'weights', 'scaling'], `one of ${quoteAll(WEIGHT_SCALINGS)} when sampler.mode is "${c.sampler.mode}"`);
  }
  // amp was a placeholder that never did anything; precision is the key that does, so true is refused, not ignored.
  if (c.amp) fail(['amp'], 'false (amp is replaced by "precision": "bf16" (CPU or CUDA) or "fp16" (CUDA))');
  // fp16 autocast and its loss scaler are CUDA-only (libtorch 1.13 has no fp16 CPU autocast); "auto" is checked
  // once the device is resolved.
  if (c.precision === 'fp16' && c.device === 'cpu') fail(['precision'], '"fp32" or "bf16" when device is "cpu" ("fp16" needs CUDA)');
  if (c.lr_milestones.length !== c.lr_factors.length) fail(['lr_factors'], `${c.lr_milestones.length} numbers, one per entry of lr_milestones`);
  if (c.lr_milestones.some((m, i) => i > 0 && m <= c.lr_milestones[i - 1])) fail(['lr_milestones'], 'strictly increasing epochs');
  if (c.lr_schedule === 'step' && c.lr_milestones.length === 0) fail(['lr_milestones'], 'at least one epoch when lr_schedule is "step"');
  // ReduceLROnPlateau owns the lr of a plateau run; a warm-up on top would fight it.
  if (c.warmup_epochs > 0 && c.lr_schedule === 'plateau') fail(['warmup_epochs'], '0 when lr_schedule is "plateau" (warm-up works with "step" and "cosine")');
  if (c.crop_size !== null && c.crop_size > Math.min(c.img_h, c.img_w)) fail(['crop_size'], `null or an integer from 1 to ${Math.min(c.img_h, c.img_w)} (the smaller of img_h and img_w)`);
  if (c.crop_size !== null && !c.aug) fail(['crop_size'], 'null when aug is false (random crops are part of the training augmentation)');
  if (c.average_last > c.epochs) fail(['average_last'], `an integer from 0 to epochs (${c.epochs})`);
  const channels = channelsForFilters(c.dataset.filters);
  if (c.model.in_channels !== null && c.model.in_channels !== channels) {
    fail(['model', 'in_channels'], `null or ${channels} (the number of channels dataset.filters "${c.dataset.filters}" gives)`);
  }
  const norm = c.model.input_norm;
  if (norm === 'hpa_bestfitting' && c.dataset.filters === 'rygb') fail(['model', 'input_norm'], 'not "hpa_bestfitting" with dataset.filters "rygb" (its statistics are per R, G, B, Y channel)');
  if (norm !== null && typeof norm === 'object') {
    for (const key of ['mean', 'std'] as const) {
      if (norm[key].length !== channels) fail(['model', 'input_norm', key], `${channels} numbers, one per input channel of dataset.filters "${c.dataset.filters}"`);
    }
  }
}

/** The full config schema: shape, cross-field rules, then derived defaults (`model.in_channels`). */
export const HpaicConfigSchema = HpaicConfigShape.superRefine(crossFieldChecks).transform((c) => ({
  ...c,
  model: { ...c.model, in_channels: c.model.in_channels ?? channelsForFilters(c.dataset.filters) },
}));

/** A validated config (paths resolved by `loadConfig`). */
export type HpaicConfig = z.output<typeof HpaicConfigSchema>;
/** A config as it may be written in a file (optional keys may be left out). */
export type HpaicConfigInput = z.input<typeof HpaicConfigSchema>;
