/**
 * A progress bar for long work: count/total, rate, ETA and a free-form status (e.g. running loss). On a TTY
 * it redraws one line on stderr; otherwise (CI, logs) it prints a line at most every `logEveryMs`. Quiet mode
 * (`HPAIC_QUIET=1` or `{ quiet: true }`) prints nothing.
 */
export interface ProgressOptions {
  total: number;
  label: string;
  unit?: string;
  quiet?: boolean;
  logEveryMs?: number;
  stream?: NodeJS.WriteStream;
}

export class Progress {
  private done = 0;
  private readonly start = Date.now();
  private lastDraw = 0;
  private status = '';
  private readonly quiet: boolean;
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;

  constructor(private readonly opts: ProgressOptions) {
    this.quiet = opts.quiet ?? process.env.HPAIC_QUIET === '1';
    this.stream = opts.stream ?? process.stderr;
    this.tty = Boolean(this.stream.isTTY);
  }

  /** Advance by `n` units and optionally replace the status text. */
  tick(n = 1, status?: string): void {
    this.done += n;
    if (status !== undefined) this.status = status;
    const now = Date.now();
    const every = this.tty ? 100 : (this.opts.logEveryMs ?? 10_000);
    if (now - this.lastDraw >= every || (this.tty && this.done >= this.opts.total)) this.draw(now);
  }

  get elapsedSeconds(): number {
    return (Date.now() - this.start) / 1000;
  }

  get rate(): number {
    const s = this.elapsedSeconds;
    return s > 0 ? this.done / s : 0;
  }

  /** Finish the bar (prints a final line). */
  finish(status?: string): void {
    if (status !== undefined) this.status = status;
    this.draw(Date.now(), true);
  }

  private draw(now: number, final = false): void {
    this.lastDraw = now;
    if (this.quiet) return;
    const { total, label } = this.opts;
    const unit = this.opts.unit ?? 'it';
    const frac = total > 0 ? Math.min(1, this.done / total) : 1;
    const rate = this.rate;
    const eta = rate > 0 ? (total - this.done) / rate : Infinity;
    const width = 24;
    const filled = Math.round(frac * width);
    const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
    const line =
      `${label} [${bar}] ${this.done}/${total} ${rate.toFixed(rate < 10 ? 2 : 1)} ${unit}/s ` +
      `${final ? `in ${formatSeconds(this.elapsedSeconds)}` : `ETA ${formatSeconds(eta)}`}` +
      (this.status ? ` ${this.status}` : '');
    if (this.tty) this.stream.write(`\r\x1b[K${line}${final ? '\n' : ''}`);
    else this.stream.write(`${line}\n`);
  }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '--:--';
  const t = Math.round(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = t % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(sec).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}
