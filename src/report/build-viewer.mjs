// Bundles the browser report viewer (with ECharts) into dist/report/viewer.js + viewer.css:
// one IIFE exposing the global `HeapscopeViewer`. Run after tsup (`npm run build`), whose clean
// step empties dist/.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
export const viewerBuildOptions = {
  entryPoints: [join(here, 'viewer/index.ts')],
  bundle: true,
  format: 'iife',
  globalName: 'HeapscopeViewer',
  platform: 'browser',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  minify: !process.env.HEAPSCOPE_VIEWER_DEBUG,
  legalComments: 'none',
  logLevel: 'warning',
};

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const outfile = join(here, '../../dist/report/viewer.js');
  const result = await build({ ...viewerBuildOptions, outfile, metafile: true });
  const bytes = Object.values(result.metafile.outputs).reduce((s, o) => s + o.bytes, 0);
  console.log(`report viewer: ${outfile.replace(/.*\/dist\//, 'dist/')} (+ .css) ${(bytes / 1024).toFixed(0)} kB`);
}
