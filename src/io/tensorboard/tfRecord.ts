import { maskedCrc32c } from './crc32c.js';

/**
 * One TFRecord: uint64 length (little endian), masked CRC-32C of those 8 bytes, the payload, masked CRC-32C of
 * the payload.
 */
export function tfRecord(payload: Uint8Array): Buffer {
  const out = Buffer.alloc(8 + 4 + payload.length + 4);
  out.writeBigUInt64LE(BigInt(payload.length), 0);
  out.writeUInt32LE(maskedCrc32c(out.subarray(0, 8)), 8);
  out.set(payload, 12);
  out.writeUInt32LE(maskedCrc32c(payload), 12 + payload.length);
  return out;
}
