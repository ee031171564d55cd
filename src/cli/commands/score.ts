import { defineCommand, booleanArg, requiredString, stringArg } from '../defineCommand.js';
import { UsageError } from '../../errors.js';
import { scoreFiles } from '../../metrics/scoreFiles.js';

export const command = defineCommand({
  name: 'score',
  summary: 'Score a submission against a truth CSV: macro/micro F1 and a per-class table (scikit-learn semantics)',
  examples: [
    'hpaic score --truth test_truth.csv --pred checkpoint/r34/submission/fold_1_lb_fill25.csv',
    'hpaic score --truth truth.csv --pred sub.csv --zero-division 1 --json',
  ],
  options: {
    truth: { type: 'string', description: 'Id,Target CSV with the true labels (empty Targets allowed)' },
    pred: { type: 'string', description: 'Id,Predicted submission CSV (any row order; same ids as the truth)' },
    'zero-division': { type: 'string', default: '0', description: 'value of an undefined precision/recall/F1: 0 or 1' },
    json: { type: 'boolean', description: 'print one JSON document {macroF1, microF1, perClass[]} instead of the table' },
  },
  async run(args) {
    const zd = stringArg(args, 'zero-division');
    if (zd !== '0' && zd !== '1') throw new UsageError(`--zero-division expects 0 or 1 but received "${zd}"`);
    const r = scoreFiles(requiredString(args, 'truth'), requiredString(args, 'pred'), { zeroDivision: zd === '1' ? 1 : 0 });
    if (booleanArg(args, 'json')) {
      const perClass = r.perClass.map((p) => ({ class: p.class, name: p.name, f1: p.f1, precision: p.precision, recall: p.recall, support: p.support }));
      console.log(JSON.stringify({ macroF1: r.macroF1, microF1: r.microF1, perClass }));
      return 0;
    }
    const f = (v: number) => v.toFixed(4);
    console.log(`${'class'.padStart(5)}  ${'name'.padEnd(30)} ${'support'.padStart(8)} ${'precision'.padStart(9)} ${'recall'.padStart(8)} ${'F1'.padStart(8)}`);
    for (const p of r.perClass) {
      console.log(`${String(p.class).padStart(5)}  ${p.name.padEnd(30)} ${String(p.support).padStart(8)} ${f(p.precision).padStart(9)} ${f(p.recall).padStart(8)} ${f(p.f1).padStart(8)}`);
    }
    console.log(`rows ${r.rows}`);
    console.log(`micro F1 ${f(r.microF1)}`);
    console.log(`macro F1 ${f(r.macroF1)}`);
    return 0;
  },
});
