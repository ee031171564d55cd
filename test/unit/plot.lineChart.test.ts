import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { tempDir } from '../helpers/env.js';
import { axis, formatTick, lineChartSvg } from '../../src/plot/lineChartSvg.js';
import { svgToPng } from '../../src/plot/svgToPng.js';
import { curvesSvg, lrFinderSvg, writeCurves, writeLrFinderPlot } from '../../src/train/plotCurves.js';
import type { TrainingHistory } from '../../src/train/summary.js';

test('axis ticks: 1-2-5 steps on linear axes, exact decades on log axes', () => {
  assert.deepEqual(axis([0, 1], false, 0, 1).ticks, [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(axis([1e-6, 10], true).ticks, [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1, 10]);
  assert.deepEqual(axis([1e-4, 1e-3], true).ticks, [1e-4, 2e-4, 5e-4, 1e-3]);
  assert.deepEqual(axis([1, 30], false, 1, 30, true).ticks, [10, 20, 30]);
  assert.deepEqual([formatTick(1e-5), formatTick(2e-4), formatTick(0.25), formatTick(0), formatTick(1200)], ['1e-5', '2e-4', '0.25', '0', '1200']);
});

test('lineChartSvg draws title, labels, legend and breaks lines at non-finite points', () => {
  const svg = lineChartSvg({
    title: 'T <1>',
    xLabel: 'epoch',
    yLabel: 'loss',
    series: [
      { name: 'train', x: [1, 2, 3, 4, 5], y: [1, 0.5, NaN, 0.3, 0.2] },
      { name: 'val', x: [1, 2], y: [2, 1], dashed: true },
    ],
  });
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(svg, />T &lt;1&gt;</);
  assert.match(svg, />epoch</);
  assert.match(svg, />loss</);
  assert.match(svg, />train</);
  assert.match(svg, />val</);
  assert.equal(svg.match(/<polyline/g)!.length, 3);
  assert.equal(svg.match(/stroke-dasharray="6 4"/g)!.length, 2); // the dashed line and its legend sample
  // An empty chart still renders.
  assert.match(lineChartSvg({ series: [], logX: true }), /<\/svg>$/);
});

function history(n: number): TrainingHistory {
  return {
    fold: 2,
    epochs: Array.from({ length: n }, (_, i) => ({
      epoch: i + 1,
      train: { loss: 0.3 / (i + 1), metrics: [['f1_macro', 0.1 * i] as [string, number]] },
      val: { loss: 0.35 / (i + 1), metrics: [['f1_macro', 0.08 * i] as [string, number]] },
      lr: i < 3 ? 1e-3 : 2e-4,
      seconds: 3,
      improved: true,
    })),
  };
}

test('curves: three panels (loss, macro F1, lr) written as PNG or SVG atomically', async () => {
  const svg = curvesSvg(history(6));
  for (const s of ['Fold 2', 'Loss', 'Macro F1 (threshold 0.5)', 'Learning rate', 'best 6: 0.4000']) assert.ok(svg.includes(`>${s}<`), s);
  const { dir, cleanup } = tempDir();
  try {
    await writeCurves(history(6), join(dir, 'fold_2', 'curves.png'));
    const meta = await sharp(join(dir, 'fold_2', 'curves.png')).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', 800, 36 + 3 * 280]);
    await writeCurves(history(1), join(dir, 'one.svg'));
    assert.match(readFileSync(join(dir, 'one.svg'), 'utf8'), /^<svg/);
    await assert.rejects(writeCurves(history(1), join(dir, 'x.jpg')), /must end in \.png or \.svg/);
    await svgToPng(lineChartSvg({ series: [] }), join(dir, 'empty.png'));
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  } finally {
    cleanup();
  }
});

test('LR finder plot: log x, the seed labels, the suggestion marked, 10 first / 5 last skipped', async () => {
  const lr = Array.from({ length: 30 }, (_, i) => 1e-5 * 1.5 ** i);
  const loss = lr.map((l) => 1 / (1 + 100 * l));
  const svg = lrFinderSvg({ lr, loss }, { suggestion: { lr: lr[12]!, index: 12 } });
  assert.ok(svg.includes('>Learning rate<') && svg.includes('>Loss<') && svg.includes('>suggested 1.30e-3<'));
  const pts = svg.match(/<polyline points="([^"]+)"/)![1]!.split(' ');
  assert.equal(pts.length, 15);
  const { dir, cleanup } = tempDir();
  try {
    await writeLrFinderPlot({ lr, loss }, join(dir, 'lr_finder.png'));
    assert.ok(existsSync(join(dir, 'lr_finder.png')));
  } finally {
    cleanup();
  }
});
