/** Shared pieces of the adversarial tier: a sandbox whose files outside the named folder are watched. */
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { HpaicError } from '../../src/errors.js';
import { tempDir } from '../helpers/env.js';

/** Every file under `dir` (relative paths, sorted). */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * A temporary tree `<root>/work/…` (where a command may write) beside `<root>/outside/…` (where it must not).
 * `outsideChanged()` lists files outside `work/` that appeared or changed since the sandbox was made or `mark()`ed.
 */
export function sandbox(): { root: string; work: string; outside: string; mark: () => void; outsideChanged: () => string[]; cleanup: () => void } {
  const t = tempDir('hpaic-adv-');
  const work = join(t.dir, 'work');
  const outside = join(t.dir, 'outside');
  mkdirSync(work, { recursive: true });
  mkdirSync(outside, { recursive: true });
  const snapshot = (): Map<string, number> => new Map(listFiles(t.dir).filter((f) => !f.startsWith('work/')).map((f) => [f, statSync(join(t.dir, f)).mtimeMs]));
  let before = snapshot();
  return {
    root: t.dir,
    work,
    outside,
    /** Take the files now outside work/ (the test's own fixtures) as the baseline. */
    mark: () => {
      before = snapshot();
    },
    outsideChanged: () => [...snapshot()].filter(([f, m]) => before.get(f) !== m).map(([f]) => f),
    cleanup: t.cleanup,
  };
}

/** Run `fn` and return what it threw; fails the test when it returns, or throws something that is no HpaicError. */
export async function hpaicErrorOf(fn: () => unknown): Promise<HpaicError> {
  let result: unknown;
  try {
    result = await fn();
  } catch (err) {
    if (err instanceof HpaicError) return err;
    throw new Error(`expected an HpaicError but got ${(err as Error)?.name}: ${(err as Error)?.message}`, { cause: err });
  }
  throw new Error(`expected an HpaicError but the call returned ${JSON.stringify(result)?.slice(0, 200)}`);
}

/** Names that must never become a path component (each breaks one clause of the rule). */
export const EVIL_NAMES = [
  '../../outside/secret', '/../../outside/victim/train', 'x_/../../../outside/pwned', '..', '.hidden', 'a/b', 'a\\b',
  '/etc/passwd', 'a,b', 'quo"te', 'nul\0byte', 'sp ace', 'x'.repeat(201), 'C:evil', '%2e%2e%2fx', 'é',
];
