import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Start the worker module `name` that sits next to the calling module (`callerUrl` = its `import.meta.url`).
 * The built package runs `<name>.js`. Running from the TypeScript sources (tsx), a worker does not inherit tsx's
 * module hooks on Node 20, so a small bootstrap registers them in the worker first and then imports `<name>.ts`.
 */
export function startWorker(callerUrl: string, name: string, options: WorkerOptions = {}): Worker {
  const fromSource = callerUrl.endsWith('.ts');
  const entry = new URL(`./${name}.${fromSource ? 'ts' : 'js'}`, callerUrl);
  if (!fromSource) return new Worker(entry, options);
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(boot, { ...options, eval: true });
}
