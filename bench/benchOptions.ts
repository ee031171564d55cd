import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (the benchmarks run its bin/hpaic.js and bench/python scripts). */
export const REPO = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** A benchmark option: `--name=value` or `--name value`, else BENCH_NAME, else the fallback. */
export function benchOption(name: string, fallback: string): string {
  const flag = process.argv.find((a) => a.startsWith(`--${name}=`));
  if (flag) return flag.slice(name.length + 3);
  const at = process.argv.indexOf(`--${name}`);
  if (at >= 0 && process.argv[at + 1] !== undefined) return process.argv[at + 1];
  return process.env[`BENCH_${name.toUpperCase()}`] ?? fallback;
}
