/** The k-fold trainer, summaries, curves and the LR finder (`hpaic/train`). */
export { LrRangeTest, scheduledLr, plotSlice, suggestLr, lrHistoryCsv, LR_FINDER_DIVERGED, LR_FINDER_FINISHED, type LrRangeTestOptions, type LrHistory, type LrStepMode, type LrSuggestion } from './lrSchedule.js';
export { formatSummaryJson, writeSummary, readSummary, parseMetricList, metricValue, summaryFromHistory, writeHistory, readHistory, type SeedSummary, type EpochRecord, type TrainingHistory } from './summary.js';
export { foldProgress, type FoldProgress } from './foldProgress.js';
export { curvesSvg, writeCurves, lrFinderSvg, writeLrFinderPlot } from './plotCurves.js';
export { train, type TrainOptions, type TrainResult, type FoldScores } from './train.js';
export { lrFind, type LrFindOptions } from './lrFind.js';
export { DataParallel, DDP_BUCKET_BYTES, type AllreduceStats } from './dataParallel.js';
export { convertSyncBatchNorm } from './syncBatchNorm.js';
export { WeightAverager, averageWeightFiles } from './averageWeights.js';
