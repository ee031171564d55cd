import { DataError } from '../../errors.js';

/** The checks every store writer makes on a row before it touches the file (one message for both writers). */
export function checkRowImage(path: string, name: string, image: Uint8Array, height: number, width: number): void {
  const bytes = height * width * 4;
  if (image.length !== bytes) throw new DataError(`${path}: image "${name}" has ${image.length} bytes, expected ${height}×${width}×4 = ${bytes}`);
}

export function checkRowName(path: string, name: string, nameLength: number): void {
  const len = Buffer.byteLength(name, 'utf8');
  // The seed silently truncated such names (quirk 18); a truncated name would later fail the name check.
  if (len > nameLength) throw new DataError(`${path}: name "${name}" is ${len} bytes but the names dataset holds at most ${nameLength}`);
}
