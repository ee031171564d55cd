/**
 * The few protobuf wire-format encodings TensorBoard's Event messages need (varint, 64-bit, 32-bit and
 * length-delimited fields), written by hand so the package needs no protobuf runtime.
 */
export class ProtoWriter {
  private readonly parts: Uint8Array[] = [];

  private push(b: Uint8Array): this {
    this.parts.push(b);
    return this;
  }

  private key(field: number, wireType: number): this {
    return this.varint(field * 8 + wireType);
  }

  /** A raw varint (non-negative integers up to 2^53). */
  varint(v: number): this {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`protobuf varint: expected a non-negative safe integer, got ${v}`);
    const out: number[] = [];
    while (v >= 0x80) {
      out.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    out.push(v);
    return this.push(Uint8Array.from(out));
  }

  /** int32 / int64 field (non-negative values: steps, sizes). */
  int(field: number, v: number): this {
    return this.key(field, 0).varint(v);
  }

  double(field: number, v: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    return this.key(field, 1).push(b);
  }

  float(field: number, v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    return this.key(field, 5).push(b);
  }

  bytes(field: number, b: Uint8Array): this {
    return this.key(field, 2).varint(b.length).push(b);
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  message(field: number, m: ProtoWriter): this {
    return this.bytes(field, m.finish());
  }

  /** A packed repeated double field. */
  packedDoubles(field: number, values: ArrayLike<number>): this {
    const b = new Uint8Array(8 * values.length);
    const dv = new DataView(b.buffer);
    for (let i = 0; i < values.length; i++) dv.setFloat64(8 * i, values[i], true);
    return this.bytes(field, b);
  }

  finish(): Uint8Array {
    return Buffer.concat(this.parts);
  }
}
