/**
 * `hpaic view`: a read-only local web app over the runs in `dir` and the images in `data`. Plain node:http, the
 * pages bundled in ./static (no network access, no npm runtime dependency besides sharp). Every file it reads
 * goes through resolveInside, so nothing outside `dir` and `data` is served; it binds the loopback interface
 * unless the caller explicitly allows another address.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFileSync, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { UsageError } from '../errors.js';
import { isLoopback, resolveInside } from './safePath.js';
import { findRuns, runDetail, summarizeRun } from './runCatalogue.js';
import { gallery } from './gallery.js';
import { DatasetLabels } from './datasetLabels.js';
import { MODES, Thumbnails, type ImageMode } from './thumbnails.js';

export interface ViewerOptions {
  /** The checkpoint folder (runs are found in it and up to two levels below). */
  dir: string;
  /** The dataset root (train.csv, train.hdf5/test.hdf5): true labels and images. */
  data?: string;
  host?: string;
  /** 0: any free port. */
  port?: number;
  /** Allow a non-loopback `host` (the CLI sets it when --host is given). */
  allowRemote?: boolean;
}

export interface Viewer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

const STATIC_DIR = fileURLToPath(new URL('./static/', import.meta.url));
const STATIC: Record<string, string> = { '/': 'index.html', '/index.html': 'index.html', '/app.js': 'app.js', '/app.css': 'app.css' };
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.json': 'application/json',
  '.png': 'image/png', '.svg': 'image/svg+xml', '.csv': 'text/csv; charset=utf-8', '.log': 'text/plain; charset=utf-8', '.txt': 'text/plain; charset=utf-8',
};

function send(res: ServerResponse, status: number, body: string | Buffer, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', 'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'" });
  res.end(body);
}

const json = (res: ServerResponse, v: unknown) => send(res, 200, JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? null : x)), 'application/json');

export async function startViewer(opts: ViewerOptions): Promise<Viewer> {
  const host = opts.host ?? '127.0.0.1';
  if (!isLoopback(host) && !opts.allowRemote) throw new UsageError(`hpaic view binds the loopback interface only; pass --host ${host} explicitly to listen on ${host}`);
  const dir = resolve(opts.dir);
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a folder');
  } catch {
    throw new UsageError(`--dir ${opts.dir}: not a folder (expected a checkpoint folder with run folders)`);
  }
  const data = opts.data ? resolve(opts.data) : null;
  const labels = data ? new DatasetLabels(data) : null;
  const thumbs = data ? new Thumbnails(data) : null;

  /** A run id from a query, checked like a path; null after answering 403/404. */
  const runDir = (res: ServerResponse, id: string | null): string | null => {
    const r = resolveInside(dir, id ?? '');
    if (!r.ok) send(res, r.status, r.status === 403 ? 'forbidden' : 'not found');
    return r.ok ? r.path : null;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'read-only');
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const rawPath = q < 0 ? raw : raw.slice(0, q);
    const params = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
    let path: string;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      return send(res, 400, 'bad path encoding');
    }
    if (STATIC[path]) {
      const file = STATIC[path];
      return send(res, 200, readFileSync(STATIC_DIR + file), TYPES[extname(file)]);
    }
    if (path === '/api/runs') return json(res, { dir, data, runs: findRuns(dir).map((id) => summarizeRun(dir, id)) });
    if (path === '/api/run') {
      const d = runDir(res, params.get('id'));
      return d ? json(res, runDetail(dir, params.get('id')!, labels)) : undefined;
    }
    if (path === '/api/gallery') {
      const d = runDir(res, params.get('id'));
      return d ? json(res, { ...gallery(d, params.get('source') ?? '', labels), hasImages: thumbs !== null }) : undefined;
    }
    if (path === '/img') {
      if (!thumbs) return send(res, 404, 'no --data folder given');
      const mode = (params.get('mode') ?? 'rgb') as ImageMode;
      if (!MODES.includes(mode)) return send(res, 400, `mode must be one of ${MODES.join(', ')}`);
      const size = params.get('size') ? Math.max(16, Math.min(2048, Number(params.get('size')) || 128)) : null;
      const png = await thumbs.image(params.get('id') ?? '', mode, size);
      return png ? send(res, 200, png, 'image/png') : send(res, 404, 'unknown sample');
    }
    if (path.startsWith('/files/')) {
      const r = resolveInside(dir, path.slice('/files/'.length));
      if (!r.ok) return send(res, r.status, r.status === 403 ? 'forbidden' : 'not found');
      if (!statSync(r.path).isFile()) return send(res, 404, 'not a file');
      return send(res, 200, readFileSync(r.path), TYPES[extname(r.path)] ?? 'application/octet-stream');
    }
    return send(res, 404, 'not found');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => send(res, 500, `hpaic view: ${err.message}`));
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 8080, host, () => ok());
  });
  const addr = server.address() as AddressInfo;
  const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${shown}:${addr.port}/`,
    server,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
      await thumbs?.close();
    },
  };
}
