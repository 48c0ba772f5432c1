// Finds the bundled browser viewer (dist/report/viewer.js + viewer.css) from wherever this module
// runs: dist/ (the published package, bundled CLI) or src/ under tsx (tests, development).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtFile } from '../shared/index.js';

export interface ViewerAssets {
  js: string;
  css: string;
  /** Directory holding viewer.js and viewer.css (the dashboard serves it), or null when built in memory. */
  dir: string | null;
}

let cached: ViewerAssets | undefined;

/** Directory of the built viewer bundle, or null when it has not been built. */
export function viewerAssetDir(): string | null {
  const js = builtFile('report', 'viewer.js');
  return js && builtFile('report', 'viewer.css') ? dirname(js) : null;
}

/** The viewer's JS and CSS; bundled on the fly with esbuild (a devDependency) when dist/ is missing. */
export function viewerAssets(): ViewerAssets {
  if (cached) return cached;
  const dir = viewerAssetDir();
  if (dir) {
    cached = { js: readFileSync(join(dir, 'viewer.js'), 'utf8'), css: readFileSync(join(dir, 'viewer.css'), 'utf8'), dir };
    return cached;
  }
  const entry = join(dirname(fileURLToPath(import.meta.url)), 'viewer', 'index.ts');
  if (!existsSync(entry)) throw new Error('heapscope: the report viewer bundle is missing (dist/report/viewer.js); run `npm run build`.');
  const esbuild = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
  const out = esbuild.buildSync({
    entryPoints: [entry],
    bundle: true,
    format: 'iife',
    globalName: 'HeapscopeViewer',
    platform: 'browser',
    target: ['es2020'],
    minify: true,
    write: false,
    outdir: join(dirname(entry), '.out'),
    legalComments: 'none',
  });
  const file = (ext: string) => out.outputFiles.find((f) => f.path.endsWith(ext))?.text ?? '';
  cached = { js: file('.js'), css: file('.css'), dir: null };
  return cached;
}
