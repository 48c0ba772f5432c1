// The correctness oracle: Chrome DevTools' heap snapshot worker (devDependency
// chrome-devtools-frontend), bundled with esbuild into node_modules/.cache/heapscope-oracle/ on
// first use and run in a child node process on one snapshot file.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Statistics } from '../../src/engine/types.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const source = join(here, 'oracle', 'worker.mjs');
export const oracleBundle = join(root, 'node_modules', '.cache', 'heapscope-oracle', 'oracle.mjs');

export interface OracleClass {
  /** DevTools' class key: `,Name`, or `script,line,column,Name` for objects with a location. */
  key: string;
  name: string;
  count: number;
  distance: number;
  selfSize: number;
  retainedSize: number;
}

export interface OracleResult {
  nodeCount: number;
  edgeCount: number;
  /** DevTools' total: root retained size + extra_native_bytes. */
  totalSize: number;
  rootRetainedSize: number;
  statistics: Statistics;
  /** Every Summary row (not just the top ones). */
  classes: OracleClass[];
  /** Per node, in snapshot order. */
  perNode: { id: Float64Array; retained: Float64Array; distance: Int32Array };
  ms: number;
  peakRssMB: number;
}

// DevTools generates core/i18n/locales.js at its own build time; give it an English-only module.
const localesPlugin = {
  name: 'devtools-locales',
  setup(b: any) {
    b.onResolve({ filter: /^\.\/locales\.js$/ }, () => ({ path: 'locales', namespace: 'stub' }));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
      contents: `export const LOCALES=['en-US']; export const BUNDLED_LOCALES=['en-US']; export const DEFAULT_LOCALE='en-US';
                 export const REMOTE_FETCH_PATTERN=''; export const LOCAL_FETCH_PATTERN='';`,
      loader: 'js',
    }));
  },
};

let building: Promise<string> | undefined;

/** Bundle the oracle unless an up-to-date bundle exists; resolves with its path. */
export function ensureOracle(): Promise<string> {
  building ??= (async () => {
    if (existsSync(oracleBundle) && statSync(oracleBundle).mtimeMs >= statSync(source).mtimeMs) return oracleBundle;
    const esbuild = await import('esbuild');
    mkdirSync(dirname(oracleBundle), { recursive: true });
    // Build beside the target and rename: parallel test files may build at the same time.
    const tmp = `${oracleBundle}.${process.pid}.tmp.mjs`;
    await esbuild.build({
      entryPoints: [source],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: tmp,
      logLevel: 'error',
      absWorkingDir: root,
      plugins: [localesPlugin],
      banner: {
        // Node 20 lacks Promise.withResolvers, which DevTools uses.
        js: "import {createRequire} from 'module'; const require = createRequire(import.meta.url); Promise.withResolvers ??= function () { let resolve, reject; const promise = new Promise((a, b) => { resolve = a; reject = b; }); return { promise, resolve, reject }; };",
      },
    });
    renameSync(tmp, oracleBundle);
    return oracleBundle;
  })();
  building.catch(() => (building = undefined));
  return building;
}

/** Run DevTools' heap snapshot worker on `file` in a child process. */
export async function runOracle(file: string, opts: { maxOldSpaceMB?: number } = {}): Promise<OracleResult> {
  const bundle = await ensureOracle();
  const out = mkdtempSync(join(tmpdir(), 'heapscope-oracle-'));
  try {
    const heap = opts.maxOldSpaceMB ?? 16000;
    await run(process.execPath, [`--max-old-space-size=${heap}`, bundle, file, out], {
      maxBuffer: 64 << 20,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    const bytes = (name: string) => {
      const b = readFileSync(join(out, name));
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
    };
    result.perNode = {
      id: new Float64Array(bytes('ids.f64')),
      retained: new Float64Array(bytes('retained.f64')),
      distance: new Int32Array(bytes('distance.i32')),
    };
    return result as OracleResult;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
