// Locating and starting the engine's worker threads. The worker scripts sit next to the built
// bundle that loads them (dist/engine/*.js, whether the caller is dist/engine/index.js,
// dist/cli/main.js or dist/dashboard/analysis-worker.js) or next to their source under tsx.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** `name` is the script's base name (e.g. 'parse-worker'); `sourceDir` its folder under src/engine. */
export function findWorkerScript(name: string, sourceDir: string): URL | null {
  let here: string;
  try {
    here = import.meta.url;
  } catch {
    return null;
  }
  if (!here) return null;
  for (const rel of [`./${name}.js`, `../engine/${name}.js`, `./engine/${name}.js`, `./${sourceDir}/${name}.ts`, `./${name}.ts`]) {
    const u = new URL(rel, here);
    if (u.protocol === 'file:' && existsSync(fileURLToPath(u))) return u;
  }
  return null;
}

export function spawnWorker(script: URL, opts: WorkerOptions = {}): Worker {
  // Workers inherit the process's flags; some only make sense for a main script.
  const execArgv = process.execArgv.filter((a) => !/^--(input-type|eval|print|test|watch)\b/.test(a));
  opts = { execArgv, ...opts };
  if (!script.pathname.endsWith('.ts')) return new Worker(script, opts);
  // From source (tests under tsx): register tsx in the worker before loading the module.
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(script.href)}); });`;
  return new Worker(boot, { ...opts, eval: true });
}
