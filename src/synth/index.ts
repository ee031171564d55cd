/** Synthetic HPA-like data (`hpaic synth`, `hpaic/synth`). */
export { generateSynthDataset, synthJobs, SYNTH_DEFAULTS, type SynthOptions, type SynthResult } from './generateSynthDataset.js';
export { synthImage, synthId, type SynthJob, type SynthSplit } from './synthSample.js';
export { type SynthChannels } from './renderSample.js';
export { renderContactSheet, writeContactSheet, compositeRgb, type ContactSheetOptions } from './contactSheet.js';
export { LabelSampler, labelTargets, MAX_MIN_CLASS_FRAC, type LabelTargets } from './LabelSampler.js';
export { REAL_ROWS, REAL_CLASS_COUNTS, REAL_LABELS_PER_ROW, REAL_PAIR_COUNTS } from './labelStats.js';
