/**
 * The one gate between a request and the file system: a relative path is accepted only when it has no `..`
 * segment, is not absolute, and its real path (symlinks resolved) stays inside the root's real path.
 */
import { realpathSync } from 'node:fs';
import { isAbsolute, resolve, sep } from 'node:path';

export type Resolved = { ok: true; path: string } | { ok: false; status: 403 | 404 };

/** `requested` is already percent-decoded. 403: it tries to leave `root`; 404: it does not exist. */
export function resolveInside(root: string, requested: string): Resolved {
  if (requested.includes('\0') || isAbsolute(requested) || /^[A-Za-z]:/.test(requested) || requested.startsWith('~')) return { ok: false, status: 403 };
  if (requested.split(/[\\/]+/).some((p) => p === '..')) return { ok: false, status: 403 };
  let realRoot: string;
  let real: string;
  try {
    realRoot = realpathSync(root);
    real = realpathSync(resolve(root, requested));
  } catch {
    return { ok: false, status: 404 };
  }
  if (real !== realRoot && !real.startsWith(realRoot + sep)) return { ok: false, status: 403 };
  return { ok: true, path: real };
}

/** Whether `host` names the loopback interface. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
