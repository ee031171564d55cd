/**
 * The one rule for names that come from a file and become part of a path (sample Ids, threshold kinds, fold
 * names, zip entries looked up by Id, URLs built from Ids, run names): see docs/security.md. A name is 1–200
 * characters from `A–Z a–z 0–9 _ - .`, does not start with `.` and holds no `..`, so it has no separator, cannot
 * climb out of its folder, cannot be hidden and cannot collide with hpaic's own `.<name>.tmp` files.
 * {@link safeJoin} also resolves the result and checks that it stays inside its folder.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import { DataError, type HpaicError } from '../../errors.js';

const MAX_NAME = 200;
const ALLOWED = /^[A-Za-z0-9_.-]+$/;

/** Why `name` breaks the rule, or null when it is a safe path component. */
export function unsafeNameReason(name: string): string | null {
  if (typeof name !== 'string') return `it is a ${typeof name}, not a string`;
  if (name.length === 0) return 'it is empty';
  if (name.length > MAX_NAME) return `it is ${name.length} characters long (at most ${MAX_NAME})`;
  if (!ALLOWED.test(name)) {
    const bad = [...new Set([...name].filter((c) => !/[A-Za-z0-9_.-]/.test(c)))].slice(0, 5);
    return `it contains ${bad.map((c) => JSON.stringify(c)).join(', ')} (allowed: letters, digits, "_", "-", ".")`;
  }
  if (name.startsWith('.')) return 'it starts with "."';
  if (name.includes('..')) return 'it contains ".."';
  return null;
}

/** True when `name` may be used as one path component (see the module comment). */
export function isSafeName(name: string): boolean {
  return unsafeNameReason(name) === null;
}

/**
 * Throw unless `name` is a safe path component.
 * @param where names the source, e.g. `train.csv line 7` or `threshold.json: fold_1`
 * @param what what the name is, e.g. `Id` or `threshold kind`
 * @throws DataError (or `make`'s error) `<where>: <what> "<name>" cannot be used in a file name: <reason>`
 */
export function checkSafeName(name: string, where: string, what = 'name', make?: (message: string) => HpaicError): string {
  const reason = unsafeNameReason(name);
  if (reason !== null) {
    const shown = JSON.stringify(String(name).length > 80 ? `${String(name).slice(0, 80)}…` : name);
    const message = `${where}: ${what} ${shown} cannot be used in a file name: ${reason}`;
    throw make ? make(message) : new DataError(message, { hint: 'see docs/security.md for the naming rule' });
  }
  return name;
}

/**
 * `<dir>/<fileName>` for a `fileName` built from data (e.g. `${id}_red.png`): the name must pass
 * {@link checkSafeName} and the resolved path must lie inside `dir`.
 * @throws DataError naming `where` otherwise
 */
export function safeJoin(dir: string, fileName: string, where: string, what = 'file name'): string {
  checkSafeName(fileName, where, what);
  const root = resolve(dir);
  const path = resolve(root, fileName);
  const rel = relative(root, path);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
    throw new DataError(`${where}: ${what} ${JSON.stringify(fileName)} resolves to ${path}, outside ${root}`);
  }
  return path;
}
