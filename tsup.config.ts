import { defineConfig } from 'tsup';

// ESM for `import`, CJS for `require`; the CLI and the analysis worker are ESM-only entry points.
export default defineConfig([
  {
    entry: {
      register: 'src/register.ts',
      'engine/index': 'src/engine/index.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    target: 'node20',
    silent: true,
    platform: 'node',
    sourcemap: true,
    splitting: false,
    shims: true,
  },
  {
    // The package main on its own: its CJS build exports the agent function itself, so
    // `require('heapscope')('my-service')` works (cjsInterop gives the d.cts `export =`).
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    cjsInterop: true,
    target: 'node20',
    silent: true,
    platform: 'node',
    sourcemap: true,
    splitting: false,
    shims: true,
    footer: ({ format }) =>
      format === 'cjs' ? { js: 'if (typeof module.exports.default === "function") module.exports = Object.assign(module.exports.default, { default: module.exports.default });' } : {},
  },
  {
    entry: {
      'cli/main': 'src/cli/main.ts',
      'engine/engine-worker': 'src/engine/threads/engine-worker.ts',
      'dashboard/analysis-worker': 'src/dashboard/analysis-worker.ts',
      'dashboard/explore-worker': 'src/dashboard/explore/worker.ts', // explore: drill-down queries
    },
    format: ['esm'],
    target: 'node20',
    silent: true,
    platform: 'node',
    sourcemap: true,
    // shared code in chunks, and the dashboard's web server in its own, loaded only by the
    // commands that serve it (see cli/commands/dashboard.ts)
    splitting: true,
    banner: { js: '#!/usr/bin/env node' },
  },
  {
    // Dashboard browser UI: one self-contained script (+ its CSS), no CDN; served by the dashboard.
    entry: { 'dashboard/ui/app': 'src/dashboard/ui/app.ts' },
    format: ['iife'],
    platform: 'browser',
    target: 'es2020',
    silent: true,
    minify: true,
    sourcemap: false,
    splitting: false,
    noExternal: [/.*/],
  },
]);
