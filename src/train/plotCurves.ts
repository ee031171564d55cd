import { extname } from 'node:path';
import { stackedLineChartsSvg, lineChartSvg, type LineChartOptions } from '../plot/lineChartSvg.js';
import { svgToPng } from '../plot/svgToPng.js';
import { writeFileAtomic } from '../io/text/writeFileAtomic.js';
import { metricValue, type TrainingHistory } from './summary.js';
import { plotSlice, type LrHistory, type LrSuggestion } from './lrSchedule.js';

/**
 * The training curves of one fold as SVG: three panels sharing the epoch axis — loss (train, validation), macro
 * F1 at threshold 0.5 (train, validation; the best validation epoch marked) and the learning rate (log scale).
 */
export function curvesSvg(history: TrainingHistory, options: { title?: string; width?: number } = {}): string {
  const epochs = history.epochs.map((e) => e.epoch);
  const valF1 = history.epochs.map((e) => metricValue(e.val.metrics, 'f1_macro'));
  let best = -1;
  valF1.forEach((v, i) => {
    if (history.epochs[i]!.improved && (best < 0 || v >= valF1[best]!)) best = i;
  });
  const xMax = Math.max(2, ...epochs);
  const common = { xLabel: 'epoch', integerX: true, xMin: 1, xMax } satisfies Partial<LineChartOptions>;
  const bestLine = best >= 0 ? [{ x: epochs[best]!, label: `best ${epochs[best]}: ${valF1[best]!.toFixed(4)}`, color: '#2ca02c' }] : [];
  const panels: LineChartOptions[] = [
    {
      ...common,
      title: 'Loss',
      yLabel: 'loss',
      series: [
        { name: 'train', x: epochs, y: history.epochs.map((e) => e.train.loss) },
        { name: 'validation', x: epochs, y: history.epochs.map((e) => e.val.loss) },
      ],
    },
    {
      ...common,
      title: 'Macro F1 (threshold 0.5)',
      yLabel: 'f1_macro',
      vLines: bestLine,
      series: [
        { name: 'train', x: epochs, y: history.epochs.map((e) => metricValue(e.train.metrics, 'f1_macro')) },
        { name: 'validation', x: epochs, y: valF1 },
      ],
    },
    {
      ...common,
      title: 'Learning rate',
      yLabel: 'lr',
      logY: true,
      series: [{ name: 'lr', x: epochs, y: history.epochs.map((e) => e.lr), color: '#9467bd' }],
    },
  ];
  return stackedLineChartsSvg(panels, { title: options.title ?? `Fold ${history.fold}`, width: options.width ?? 800, panelHeight: 280 });
}

/** Write the curves to `path`: PNG when it ends in .png, SVG when it ends in .svg (both atomically). */
export async function writeCurves(history: TrainingHistory, path: string, options: { title?: string } = {}): Promise<void> {
  await writeSvgOrPng(curvesSvg(history, options), path);
}

/**
 * The LR finder plot: loss against learning rate on a log x axis, skipping the seed's 10 first and 5 last
 * points (seed-spec §14.1), with the suggested lr marked when given.
 */
export function lrFinderSvg(history: LrHistory, options: { skipStart?: number; skipEnd?: number; suggestion?: LrSuggestion | null; title?: string } = {}): string {
  const view = plotSlice(history, options.skipStart ?? 10, options.skipEnd ?? 5);
  const s = options.suggestion;
  return lineChartSvg({
    title: options.title ?? 'LR range test',
    xLabel: 'Learning rate',
    yLabel: 'Loss',
    logX: true,
    series: [{ name: 'smoothed loss', x: view.lr, y: view.loss }],
    vLines: s ? [{ x: s.lr, label: `suggested ${s.lr.toExponential(2)}`, color: '#d62728' }] : [],
  });
}

export async function writeLrFinderPlot(history: LrHistory, path: string, options: Parameters<typeof lrFinderSvg>[1] = {}): Promise<void> {
  await writeSvgOrPng(lrFinderSvg(history, options), path);
}

async function writeSvgOrPng(svg: string, path: string): Promise<void> {
  const ext = extname(path).toLowerCase();
  if (ext === '.svg') writeFileAtomic(path, svg);
  else if (ext === '.png') await svgToPng(svg, path);
  else throw new RangeError(`plot file must end in .png or .svg: ${path}`);
}
