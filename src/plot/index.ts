/** Charts as SVG and PNG (`hpaic/plot`). */
export * from './barChartSvg.js';
export { lineChartSvg, stackedLineChartsSvg, lineChartPanel, type LineSeries, type LineChartOptions } from './lineChartSvg.js';
export { svgToPng } from './svgToPng.js';
