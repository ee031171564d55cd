/**
 * A TensorBoard event file (`events.out.tfevents.<seconds>.<host>.<pid>`): TFRecords of Event messages, the
 * first one carrying `file_version`. Events are appended as they come, so `tensorboard --logdir` shows a run
 * while it trains. `byteLength` is what a checkpoint remembers: reopening the file at that length (dropping
 * whatever an interrupted epoch appended after it) continues the stream without duplicate steps.
 */
import { closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { tfRecord } from './tfRecord.js';
import { fileVersionEvent, summaryEvent, type SummaryValue } from './eventMessages.js';

export class EventFileWriter {
  private fd: number | null;
  private bytes: number;

  private constructor(readonly path: string, fd: number, bytes: number) {
    this.fd = fd;
    this.bytes = bytes;
  }

  /** A new event file in `dir` (created when absent), starting with the file_version event. */
  static create(dir: string, wallTime = Date.now() / 1000): EventFileWriter {
    mkdirSync(dir, { recursive: true });
    const name = `events.out.tfevents.${Math.floor(wallTime)}.${hostname().replace(/[^A-Za-z0-9_.-]/g, '_')}.${process.pid}`;
    const path = join(dir, name);
    const w = new EventFileWriter(path, openSync(path, 'w'), 0);
    w.append(fileVersionEvent(wallTime));
    return w;
  }

  /**
   * Continue `dir/<file>` from its first `byteLength` bytes; a new file when it is missing or shorter than that
   * (then the stream starts afresh rather than from a gap).
   */
  static resume(dir: string, file: string, byteLength: number): EventFileWriter {
    const path = join(dir, basename(file));
    if (!existsSync(path) || statSync(path).size < byteLength || byteLength <= 0) return EventFileWriter.create(dir);
    const fd = openSync(path, 'r+');
    ftruncateSync(fd, byteLength);
    return new EventFileWriter(path, fd, byteLength);
  }

  /** The file's name inside its folder. */
  get file(): string {
    return basename(this.path);
  }

  /** Bytes written so far (whole records only). */
  get byteLength(): number {
    return this.bytes;
  }

  private append(payload: Uint8Array): void {
    if (this.fd === null) throw new Error(`${this.path}: event file already closed`);
    const rec = tfRecord(payload);
    let off = 0;
    while (off < rec.length) off += writeSync(this.fd, rec, off, rec.length - off, this.bytes + off);
    this.bytes += rec.length;
  }

  /** One Event holding a Summary with `values` at `step`. */
  add(step: number, values: readonly SummaryValue[], wallTime = Date.now() / 1000): void {
    this.append(summaryEvent(wallTime, step, values));
  }

  scalar(tag: string, value: number, step: number): void {
    this.add(step, [{ tag, kind: 'scalar', value }]);
  }

  /** Push the written events to disk (called before a checkpoint records `byteLength`). */
  flush(): void {
    if (this.fd !== null) fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd === null) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = null;
  }
}
