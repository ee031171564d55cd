/**
 * The first host of a SLURM node list (`SLURM_NODELIST` / `SLURM_JOB_NODELIST`), as `scontrol show hostnames | head -1`
 * gives it: `gpu[03-05,09],cpu1` → `gpu03` (the zero padding of the range is kept).
 */
export function firstSlurmHost(nodelist: string): string {
  const s = nodelist.trim();
  let depth = 0;
  let end = s.length;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '[') depth++;
    else if (s[i] === ']') depth--;
    else if (s[i] === ',' && depth === 0) {
      end = i;
      break;
    }
  }
  const first = s.slice(0, end);
  const open = first.indexOf('[');
  if (open < 0) return first;
  const close = first.indexOf(']', open);
  if (close < 0) throw new Error(`SLURM_NODELIST "${nodelist}": unbalanced "["`);
  const firstRange = first.slice(open + 1, close).split(',')[0];
  const lo = firstRange.split('-')[0];
  return first.slice(0, open) + lo + first.slice(close + 1).replace(/\[.*$/, '');
}
