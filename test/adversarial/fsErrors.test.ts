/**
 * Issue 19 items 13–15: refusals of the file system are one line naming the path and what to do (on a real
 * read-only mount, a real full disk, a real permission denial), `--set` cannot reach Object.prototype, and one bad
 * HPAv18 Id does not abort a download.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { REPO_ROOT, tempDir } from '../helpers/env.js';
import { applyOverrides, parseOverride } from '../../src/config/loadConfig.js';
import { downloadHpav18 } from '../../src/data/ingest/downloadHpav18.js';
import { fileSystemError } from '../../src/io/fs/fsError.js';

const bin = join(REPO_ROOT, 'bin', 'hpaic.js');
const env = { ...process.env, HPAIC_NUM_THREADS: '1', HPAIC_DEBUG: '' };

/** Why this machine cannot make a private mount namespace (unshare -rm), or false. */
function namespaceSkip(): string | false {
  const r = spawnSync('unshare', ['-rm', 'true'], { encoding: 'utf8' });
  return r.status === 0 ? false : `unshare -rm is not available here (${(r.stderr || r.error?.message || '').trim()}); the read-only and full-disk cases need a private tmpfs`;
}

/** Run the CLI with a tmpfs mounted (options `opts`) at `dir`, in a private mount namespace. */
function hpaicOnTmpfs(dir: string, opts: string, args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync('unshare', ['-rm', 'sh', '-c', `mount -t tmpfs -o ${opts} none "$0" && exec "$@"`, dir, process.execPath, bin, ...args], { encoding: 'utf8', env });
  return { status: r.status, stderr: r.stderr };
}

/** A folder of three small submissions to ensemble (`rows` rows each). */
function inputs(dir: string, rows: number): string {
  mkdirSync(dir, { recursive: true });
  const ids = Array.from({ length: rows }, (_, i) => `id-${String(i).padStart(6, '0')}-aaaaaaaaaaaaaaaaaaaaaaaa`);
  for (const k of [1, 2, 3]) writeFileSync(join(dir, `m${k}.csv`), 'Id,Predicted\n' + ids.map((id) => `${id},${k} 7 25`).join('\n') + '\n');
  return dir;
}

function assertOneLine(stderr: string, message: RegExp, hint: RegExp): void {
  const lines = stderr.trim().split('\n');
  assert.doesNotMatch(stderr, /\n\s+at /, `no stack trace:\n${stderr}`);
  assert.ok(lines.length <= 2, `one message line and one hint line:\n${stderr}`);
  assert.match(lines[0], message);
  assert.match(lines[1] ?? '', hint);
}

test('item 13: a read-only mount is named as such (not ENOENT … mkdir), for a new folder and for a file', { skip: namespaceSkip() }, () => {
  const t = tempDir();
  try {
    const ro = join(t.dir, 'ro');
    mkdirSync(ro);
    const src = inputs(join(t.dir, 'in'), 3);
    let r = hpaicOnTmpfs(ro, 'ro', ['ensemble', '-d', src, '--out', join(ro, 'deep', 'e.csv')]);
    assert.equal(r.status, 1, r.stderr);
    assertOneLine(r.stderr, new RegExp(`^hpaic ensemble: cannot create the folder ${ro}/deep: ${ro} refuses writes: the file system is read-only \\(EROFS\\)$`), /^hint: choose an output folder on a writable disk$/);
    r = hpaicOnTmpfs(ro, 'ro', ['ensemble', '-d', src, '--out', join(ro, 'e.csv')]);
    assertOneLine(r.stderr, new RegExp(`^hpaic ensemble: cannot write ${ro}/e\\.csv: the file system is read-only \\(EROFS\\)$`), /writable disk/);
    r = hpaicOnTmpfs(ro, 'ro', ['convert', '--src', src, '--dest', join(ro, 'dest')]);
    assertOneLine(r.stderr, new RegExp(`^hpaic convert: cannot create the folder ${ro}/dest: ${ro} refuses writes: the file system is read-only \\(EROFS\\)$`), /writable disk/);
  } finally {
    t.cleanup();
  }
});

test('item 13: a full disk is one line naming the file, and nothing half-written stays', { skip: namespaceSkip() }, () => {
  const t = tempDir();
  try {
    const full = join(t.dir, 'full');
    mkdirSync(full);
    const src = inputs(join(t.dir, 'in'), 2000);
    // The same command lists what is left on the tmpfs after the failure: no temporary file survives.
    const r = spawnSync('unshare', ['-rm', 'sh', '-c', `mount -t tmpfs -o size=16k none "$0" && "$@"; echo "left: $(ls -A "$0")" >&2`, full, process.execPath, bin, 'ensemble', '-d', src, '--out', join(full, 'e.csv')], { encoding: 'utf8', env });
    const [message, hint, left] = r.stderr.trim().split('\n');
    assert.match(message, new RegExp(`^hpaic ensemble: cannot write ${full}/e\\.csv: no space left on the device \\(ENOSPC\\)$`), r.stderr);
    assert.match(hint, /^hint: free some space \(df -h shows the disk\)/);
    assert.equal(left, 'left:', 'the tmpfs is empty');
  } finally {
    t.cleanup();
  }
});

test('item 13: a folder without write permission is named with what to do', { skip: process.getuid?.() === 0 && spawnSync('setpriv', ['--version']).status !== 0 ? 'setpriv is needed to drop root' : false }, () => {
  const t = tempDir();
  try {
    const locked = join(t.dir, 'locked');
    mkdirSync(locked);
    chmodSync(t.dir, 0o755);
    chmodSync(locked, 0o555);
    const src = inputs(join(t.dir, 'in'), 3);
    const args = [bin, 'ensemble', '-d', src, '--out', join(locked, 'e.csv')];
    // As root every write is allowed: run as nobody.
    const r = process.getuid?.() === 0
      ? spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, ...args], { encoding: 'utf8', env: { ...env, HOME: t.dir } })
      : spawnSync(process.execPath, args, { encoding: 'utf8', env });
    assertOneLine(r.stderr, new RegExp(`^hpaic ensemble: cannot write ${locked}/e\\.csv: permission denied \\(EACCES\\)$`), /^hint: check the permissions of the folder/);
    assert.equal(existsSync(join(locked, 'e.csv')), false);
  } finally {
    t.cleanup();
  }
});

test('fileSystemError leaves other errors alone and names the path Node recorded', () => {
  const plain = new Error('x');
  assert.equal(fileSystemError(plain), plain);
  const e = Object.assign(new Error('EACCES: permission denied, open \'/x/y\''), { code: 'EACCES', syscall: 'open', path: '/x/y' });
  assert.match((fileSystemError(e) as Error).message, /^cannot open \/x\/y: permission denied \(EACCES\)$/);
});

test('item 14: --set cannot reach Object.prototype', () => {
  for (const arg of ['__proto__.epochs=1', '__proto__.toString=1', 'constructor.prototype.x=1', 'optim.__proto__.lr=1']) {
    const [key, value] = parseOverride(arg);
    assert.throws(() => applyOverrides({ optim: {} }, { [key]: value }), (e: Error) => e.name === 'ConfigError' && /is not a config key/.test(e.message), arg);
  }
  assert.equal(({} as Record<string, unknown>).epochs, undefined);
  const r = spawnSync(process.execPath, [bin, 'train', '-c', join(REPO_ROOT, 'configs', 'demo.json'), '--set', '__proto__.epochs=1'], { encoding: 'utf8', env });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /override __proto__\.epochs: "__proto__" is not a config key/);
});

test('item 15: one HPAv18 Id without "_" is listed in failed.csv; the other Ids are still downloaded', async () => {
  const t = tempDir();
  const jpeg = await sharp(Buffer.alloc(16 * 16 * 3, 90), { raw: { width: 16, height: 16, channels: 3 } }).jpeg().toBuffer();
  const server = createServer((req, res) => res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': jpeg.length }).end(jpeg));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const csv = join(t.dir, 'HPAv18.csv');
    writeFileSync(csv, 'Id,Target\n10580_1610_C1_1,0\nnounderscore,1\n10580_1610_C1_2,0\n');
    const out = join(t.dir, 'out');
    const res = await downloadHpav18({ csv, out, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, size: 8, retries: 0, threads: 0, quiet: true });
    assert.equal(res.downloaded, 8);
    assert.deepEqual(res.failed.map((f) => f.id), ['nounderscore', 'nounderscore', 'nounderscore', 'nounderscore']);
    assert.match(readFileSync(res.failedCsv!, 'utf8'), /nounderscore,red,,".*HPAv18\.csv line 3: Id has no ""_""/);
    assert.ok(existsSync(join(out, '10580_1610_C1_2_yellow.png')));
  } finally {
    server.close();
    t.cleanup();
  }
});
