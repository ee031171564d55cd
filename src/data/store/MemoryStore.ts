import { UsageError } from '../../errors.js';
import type { ImageStore } from './ImageStore.js';

/**
 * An {@link ImageStore} over RGBY pixels already in memory: `data` holds N × height × width × 4 bytes, row
 * after row. For tests and synthetic data; it can be sent to loader worker threads as a store descriptor
 * (`{ kind: 'memory', ... }`), and a `SharedArrayBuffer`-backed `data` is then shared, not copied.
 */
export class MemoryStore implements ImageStore {
  readonly length: number;

  constructor(
    readonly names: readonly string[],
    readonly data: Uint8Array,
    readonly height: number,
    readonly width: number,
  ) {
    this.length = names.length;
    if (data.length !== names.length * height * width * 4) {
      throw new UsageError(`MemoryStore: ${names.length} names need ${names.length}×${height}×${width}×4 = ${names.length * height * width * 4} bytes, received ${data.length}`);
    }
  }

  nameAt(index: number): string {
    this.check(index);
    return this.names[index];
  }

  read(index: number): Uint8Array {
    this.check(index);
    const n = this.height * this.width * 4;
    return this.data.slice(index * n, (index + 1) * n);
  }

  close(): void {}

  private check(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new RangeError(`MemoryStore: index ${index} is outside 0..${this.length - 1}`);
    }
  }
}
