// DevTools' Retainers and Containment lists for chosen objects (test/support/oracle/explore.mjs,
// bundled with esbuild like the main oracle), to hold the engine's drill-down to DevTools' semantics.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const source = join(here, 'oracle', 'explore.mjs');
const bundle = join(root, 'node_modules', '.cache', 'heapscope-oracle', 'explore.mjs');

export interface OracleEdge {
  edge: string;
  edgeType: string;
  id: number;
}

let building: Promise<string> | undefined;

function ensureBundle(): Promise<string> {
  building ??= (async () => {
    if (existsSync(bundle) && statSync(bundle).mtimeMs >= statSync(source).mtimeMs) return bundle;
    const esbuild = await import('esbuild');
    mkdirSync(dirname(bundle), { recursive: true });
    const tmp = `${bundle}.${process.pid}.tmp.mjs`;
    await esbuild.build({
      entryPoints: [source],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: tmp,
      logLevel: 'error',
      absWorkingDir: root,
      plugins: [
        {
          // DevTools generates core/i18n/locales.js at its own build time (see oracle.ts)
          name: 'devtools-locales',
          setup(b) {
            b.onResolve({ filter: /^\.\/locales\.js$/ }, () => ({ path: 'locales', namespace: 'stub' }));
            b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
              contents: `export const LOCALES=['en-US']; export const BUNDLED_LOCALES=['en-US']; export const DEFAULT_LOCALE='en-US';
                         export const REMOTE_FETCH_PATTERN=''; export const LOCAL_FETCH_PATTERN='';`,
              loader: 'js',
            }));
          },
        },
      ],
      banner: {
        js: "import {createRequire} from 'module'; const require = createRequire(import.meta.url); Promise.withResolvers ??= function () { let resolve, reject; const promise = new Promise((a, b) => { resolve = a; reject = b; }); return { promise, resolve, reject }; };",
      },
    });
    renameSync(tmp, bundle);
    return bundle;
  })();
  building.catch(() => (building = undefined));
  return building;
}

/** DevTools' retainers and references of each object id of `file`, in the panels' default order. */
export async function oracleLists(file: string, ids: number[]): Promise<Record<string, { retainers: OracleEdge[]; edges: OracleEdge[] }>> {
  const js = await ensureBundle();
  const { stdout } = await run(process.execPath, ['--max-old-space-size=4000', js, file, ids.join(',')], { maxBuffer: 256 << 20, env: { ...process.env, NODE_OPTIONS: '' } });
  return JSON.parse(stdout) as Record<string, { retainers: OracleEdge[]; edges: OracleEdge[] }>;
}
