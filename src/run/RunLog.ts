import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** Prints progress lines (unless quiet) and appends them, time-stamped, to the run's plain log file. */
export class RunLog {
  constructor(
    readonly path: string | null,
    readonly quiet = process.env.HPAIC_QUIET === '1',
  ) {
    if (path) mkdirSync(dirname(path), { recursive: true });
  }
  /** A line for the user and the log. */
  info(line: string): void {
    if (!this.quiet) console.log(line);
    this.file(line);
  }
  /** A warning: on stderr even when quiet, and in the log. */
  warn(line: string): void {
    console.error(`warning: ${line}`);
    this.file(`warning: ${line}`);
  }
  /** A line for the log file only (the seed's verbose metric lists). */
  file(line: string): void {
    if (this.path) appendFileSync(this.path, `${new Date().toISOString()} ${line}\n`);
  }
}
