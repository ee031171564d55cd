/**
 * Default values of every config key that may be left out. The seed required every key (seed-spec §3); hpaic
 * accepts the seed's files unchanged and fills in what newer or smaller configs omit. Values of keys the seed
 * has are the ones most of its shipped configs use (seed-spec §3.1); new keys default to the seed's behaviour
 * where there is one. `name` and `dataset.root_dir` have no default.
 */
export const DEFAULTS = {
  device: 'auto',
  checkpoint_dir: 'checkpoint',
  epochs: 100,
  img_h: 512,
  img_w: 512,
  aug: true,
  lr_patience: 3,
  lr_factor: 0.2,
  min_lr: 1e-7,
  stop_patience: 10,
  // New keys (not in the seed).
  threads: null,
  seed: 0,
  channels_last: true,
  amp: false,
  precision: 'fp32',
  log_every: 50,
  plots: 'png',
  lr_schedule: 'plateau',
  crop_size: null,
  lr_milestones: [],
  lr_factors: [],
  warmup_epochs: 0,
  warmup_factor: 0.1,
  grad_accumulation: 1,
  average_last: 0,
  dataset: {
    filters: 'rgb',
    subset: 1.0,
    random_state: 92,
    format: 'hdf5',
    train_csv: 'train.csv',
  },
  sampler: {
    mode: null,
    weights: { scaling: 'median', min_clip: null, max_clip: null, damping_r: null },
  },
  dataloader: {
    n_splits: 5,
    val_size: null,
    batch_size: 16,
    workers: 4,
    random_state: 92,
  },
  model: {
    name: 'resnet34',
    dropout_p: 0.5,
    pretrained: null,
    in_channels: null,
    input_norm: null,
    head: 'adaptive',
    first_conv_rule: 'timm',
  },
  criterion: {
    name: 'bce',
    weights: { scaling: null, min_clip: null, max_clip: null, damping_r: null },
  },
  optim: { name: 'adam', lr: 1e-3, weight_decay: 0 },
  load: { path: null, weights_only: null },
  // Used only when a launcher starts several ranks (WORLD_SIZE > 1); docs/distributed.md. 1800 s is torch's default.
  dist: { mode: 'ddp', sync_bn: false, timeout_s: 1800 },
} as const satisfies Record<string, unknown>;
