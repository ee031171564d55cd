/**
 * What the test environment has: the real data in ../shared/data, the reference Python (/usr/bin/python3 with
 * torch, numpy, sklearn, h5py). Tests that need something absent skip with the reason printed — except in CI
 * (CI=true), where .ci/run installs every reference: there a missing reference fails the test file instead.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const SHARED_DATA = resolve(REPO_ROOT, '..', 'shared', 'data');
export const PYTHON = '/usr/bin/python3';

/** A skip reason as it is, or (under CI=true) an error: CI must never pass by skipping a reference. */
export function referenceMissing(reason: string): string {
  if (process.env.CI === 'true') throw new Error(`CI=true and a test reference is missing: ${reason}`);
  return reason;
}

/** Path inside ../shared/data, or a skip reason when that folder is absent. */
export function sharedData(rel: string): { path: string; skip: false } | { path: string; skip: string } {
  const path = join(SHARED_DATA, rel);
  return existsSync(path) ? { path, skip: false } : { path, skip: referenceMissing(`${path} is absent (needs ../shared/data)`) };
}

const moduleCache = new Map<string, boolean>();
/** A skip reason when /usr/bin/python3 cannot import all `modules`, else false. */
export function pythonSkip(...modules: string[]): string | false {
  const missing = modules.filter((m) => {
    if (!moduleCache.has(m)) {
      const r = existsSync(PYTHON) ? spawnSync(PYTHON, ['-c', `import ${m}`], { stdio: 'ignore' }) : { status: 1 };
      moduleCache.set(m, r.status === 0);
    }
    return !moduleCache.get(m);
  });
  return missing.length ? referenceMissing(`${PYTHON} cannot import ${missing.join(', ')} (apt install python3-torch python3-torchvision python3-sklearn python3-h5py)`) : false;
}

/** Run a Python script with /usr/bin/python3; throws with stderr when it fails. Returns stdout. */
export function runPython(script: string, args: string[] = [], input?: string): string {
  const r = spawnSync(PYTHON, ['-c', script, ...args], { input, encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? '2' } });
  if (r.status !== 0) throw new Error(`python failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** A fresh temporary folder, removed by the returned cleanup. */
export function tempDir(prefix = 'hpaic-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
