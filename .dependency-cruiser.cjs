// Module boundaries (`npm run lint:deps`, part of `npm test`). A module is a top-level folder of
// src/ (agent, engine, diagnosis, dashboard, report, cli, protocol, shared) or a sub-folder of the
// engine (parse, passes, query, threads). See DEVELOPERS.md, "Modules".
// A module's index.ts; the browser viewer's own (report/viewer: the dashboard UI bundles it);
// shared/errors.ts (what of shared/ a browser bundle may take); the dashboard's web server, which
// the commands that serve load lazily (fastify) rather than through the index.
const MODULE_INDEX = ['^src/[^/]+/index\\.ts$', '^src/report/viewer/index\\.ts$', '^src/shared/errors\\.ts$', '^src/dashboard/server\\.ts$'];
const ENGINE_PART_INDEX = '^src/engine/[^/]+/index\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'through-index',
      comment: 'Another module is imported through its index.ts only.',
      severity: 'error',
      from: { path: '^src/([^/]+)/' },
      to: { path: '^src/[^/]+/', pathNot: ['^src/$1/', ...MODULE_INDEX] },
    },
    {
      name: 'top-level-through-index',
      comment: 'The package entry files (src/*.ts) import modules through their index.ts only.',
      severity: 'error',
      from: { path: '^src/[^/]+\\.ts$' },
      to: { path: '^src/[^/]+/', pathNot: MODULE_INDEX },
    },
    {
      name: 'engine-parts-through-index',
      comment: "The engine's parts (parse, passes, query, threads) import each other through their index.ts only.",
      severity: 'error',
      from: { path: '^src/engine/([^/]+)/' },
      to: { path: '^src/engine/[^/]+/', pathNot: ['^src/engine/$1/', ENGINE_PART_INDEX] },
    },
    {
      name: 'engine-root-through-index',
      comment: "The engine's own files reach its parts through their index.ts only.",
      severity: 'error',
      from: { path: '^src/engine/[^/]+\\.ts$' },
      to: { path: '^src/engine/[^/]+/', pathNot: ENGINE_PART_INDEX },
    },
    {
      name: 'layers',
      comment: 'Data flows one way: cli -> dashboard -> report -> diagnosis -> engine; agent -> protocol; shared below all.',
      severity: 'error',
      from: { path: '^src/(engine|shared|protocol)/' },
      to: { path: '^src/(agent|diagnosis|report|dashboard|cli)/' },
    },
    {
      name: 'layers-diagnosis',
      severity: 'error',
      from: { path: '^src/diagnosis/' },
      to: { path: '^src/(agent|report|dashboard|cli)/' },
    },
    {
      name: 'layers-report',
      severity: 'error',
      from: { path: '^src/report/' },
      to: { path: '^src/(agent|dashboard|cli)/' },
    },
    {
      name: 'layers-agent',
      comment: 'The agent runs inside the user\'s process: protocol and shared only.',
      severity: 'error',
      from: { path: '^src/agent/' },
      to: { path: '^src/(engine|diagnosis|report|dashboard|cli)/' },
    },
    {
      name: 'layers-shared',
      severity: 'error',
      from: { path: '^src/shared/' },
      to: { path: '^src/(?!shared/)' },
    },
    {
      name: 'no-circular',
      comment: 'No import cycles, type-only ones included.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js', '.mjs'] },
  },
};
