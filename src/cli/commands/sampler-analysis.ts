import { join } from 'node:path';
import sharp from 'sharp';
import { defineCommand, numberArg, requiredString, stringArg } from '../defineCommand.js';
import { readLabelCsv } from '../../data/tables/csv.js';
import { CLASS_NAMES } from '../../data/tables/labels.js';
import { formatSamplerAnalysisCsv, samplerAnalysis } from '../../data/tables/samplerAnalysis.js';
import type { SamplerVariant } from '../../data/tables/samplerAnalysis.js';
import { barChartSvg } from '../../plot/barChartSvg.js';
import { writeFileAtomic } from '../../io/text/writeFileAtomic.js';

async function writePng(path: string, svg: string): Promise<void> {
  writeFileAtomic(path, await sharp(Buffer.from(svg)).png().toBuffer());
}

export const command = defineCommand({
  name: 'sampler-analysis',
  summary: "Class counts and labels-per-sample histograms under the seed's sampler variants (labels only)",
  examples: ['hpaic sampler-analysis --csv ../dataset/train.csv --out sampler_analysis', 'hpaic sampler-analysis --csv train.csv --seed 1'],
  options: {
    csv: { type: 'string', description: 'Id,Target labels CSV' },
    out: { type: 'string', description: 'folder for sampler_analysis.csv and the PNG charts (nothing written when omitted)' },
    seed: { type: 'string', default: '92', description: 'seed of the weighted draws (each variant starts from it)' },
  },
  async run(args) {
    const csv = requiredString(args, 'csv');
    const seed = numberArg(args, 'seed', { integer: true, min: 0, max: 2 ** 32 - 1 });
    const { labels } = readLabelCsv(csv);
    const variants = samplerAnalysis(labels, { seed });
    let lastGroup = '';
    for (const v of variants) {
      if (v.group === 'damping' && lastGroup !== 'damping') console.log('\nLog-damping ratio tests');
      lastGroup = v.group;
      console.log(`\n${v.name}`);
      if (v.skipped) {
        console.log(`  skipped: ${v.skipped}`);
        continue;
      }
      console.log(`Class count:\n  [${v.classCounts.join(', ')}]`);
      console.log(`Distribution of number of labels:\n  [${v.labelHistogram.join(', ')}]`);
    }
    const out = stringArg(args, 'out');
    if (out) {
      writeFileAtomic(join(out, 'sampler_analysis.csv'), formatSamplerAnalysisCsv(variants));
      const drawn = (vs: SamplerVariant[]) => vs.filter((v) => !v.skipped);
      const main = drawn(variants.filter((v) => v.group !== 'damping'));
      const damping = drawn(variants.filter((v) => v.group === 'damping'));
      const hist = main[0].labelHistogram.length;
      await writePng(join(out, 'sampler_analysis_classes.png'), barChartSvg({ title: `Class counts per sampler (${csv})`, categories: CLASS_NAMES, series: main.map((v) => ({ name: v.name, values: v.classCounts })), yLabel: 'label occurrences' }));
      await writePng(join(out, 'sampler_analysis_labels.png'), barChartSvg({ title: 'Labels per drawn sample', categories: Array.from({ length: hist }, (_, j) => `${j} labels`), series: main.map((v) => ({ name: v.name, values: v.labelHistogram })), yLabel: 'samples', width: 900 }));
      if (damping.length) {
        await writePng(join(out, 'sampler_analysis_damping.png'), barChartSvg({ title: 'Class counts, log scaling, mode meanmax, by damping ratio', categories: CLASS_NAMES, series: damping.map((v) => ({ name: `r = ${v.dampingR?.toFixed(1)}`, values: v.classCounts })), yLabel: 'label occurrences' }));
      }
      console.log(`\nwrote ${join(out, 'sampler_analysis.csv')} and the PNG charts sampler_analysis_{classes,labels${damping.length ? ',damping' : ''}}.png`);
    }
    return 0;
  },
});
