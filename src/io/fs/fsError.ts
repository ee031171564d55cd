/**
 * File-system failures as one line a user can act on: the path, what went wrong in words, and what to do.
 * Node's own messages (`EROFS: read-only file system, open '…'`) come with a stack and, for a recursive mkdir on a
 * read-only mount, say ENOENT; here the nearest existing folder is checked to say what really refused.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { FileSystemError } from '../../errors.js';

/** The errno codes turned into FileSystemErrors; others stay what they are. */
const FS_CODES: Record<string, { what: string; hint: string }> = {
  EACCES: { what: 'permission denied', hint: 'check the permissions of the folder (ls -ld), or choose a folder you can write' },
  EPERM: { what: 'operation not permitted', hint: 'check the permissions of the folder (ls -ld), or choose a folder you can write' },
  EROFS: { what: 'the file system is read-only', hint: 'choose an output folder on a writable disk' },
  ENOSPC: { what: 'no space left on the device', hint: 'free some space (df -h shows the disk) or choose an output folder on another disk; rerun to resume' },
  EDQUOT: { what: 'the disk quota is exceeded', hint: 'free some space or choose an output folder on another disk; rerun to resume' },
  EMFILE: { what: 'too many open files', hint: 'raise the limit (ulimit -n) or lower --workers' },
  EISDIR: { what: 'it is a folder, not a file', hint: 'give a file path' },
  ENOTDIR: { what: 'a part of the path is a file, not a folder', hint: 'check the path' },
};

type Errno = NodeJS.ErrnoException;

/** True for a Node file-system error this module turns into a FileSystemError. */
export function isFileSystemErrno(err: unknown): err is Errno {
  const code = (err as Errno)?.code;
  if (typeof code !== 'string' || !(err instanceof Error)) return false;
  return code in FS_CODES || (code === 'ENOENT' && (err as Errno).syscall === 'mkdir');
}

/**
 * A FileSystemError for `err` about `path` (default: the path Node recorded). `action` says what hpaic was doing
 * (`write`, `create the folder`, …). Errors that are not file-system errors are returned unchanged.
 */
export function fileSystemError(err: unknown, path?: string, action?: string): unknown {
  if (!isFileSystemErrno(err)) return err;
  const e = err as Errno;
  const where = path ?? e.path ?? '(unknown path)';
  const verb = action ?? verbOf(e.syscall);
  let code = e.code!;
  let culprit = where;
  if (code === 'ENOENT') {
    // A recursive mkdir reports ENOENT when a parent cannot be made: find the folder that refused.
    let dir = resolve(where);
    while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
    try {
      accessSync(dir, constants.W_OK);
      return new FileSystemError(`cannot ${verb} ${where}: a parent folder vanished while it was created (${code})`, { cause: err, hint: 'rerun the command' });
    } catch (inner) {
      code = (inner as Errno).code ?? 'EACCES';
      culprit = dir;
    }
  }
  const info = FS_CODES[code] ?? { what: code, hint: 'check the path' };
  const because = culprit === where ? info.what : `${culprit} refuses writes: ${info.what}`;
  return new FileSystemError(`cannot ${verb} ${where}: ${because} (${code})`, { cause: err, hint: info.hint });
}

function verbOf(syscall: string | undefined): string {
  switch (syscall) {
    case 'mkdir': return 'create the folder';
    case 'open': return 'open';
    case 'write': return 'write';
    case 'rename': return 'rename into';
    case 'unlink': case 'rmdir': case 'rm': return 'remove';
    case 'scandir': return 'list the folder';
    case 'read': return 'read';
    default: return syscall ? `${syscall}` : 'use';
  }
}

/** Run `fn`; a file-system error it throws becomes a FileSystemError about `path`. */
export function withFsErrors<T>(path: string, action: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw fileSystemError(err, path, action);
  }
}
