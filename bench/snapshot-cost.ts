// What does v8.writeHeapSnapshot() cost the process that calls it? Runs bench/snapshot-shape.cjs
// for each heap shape and size (one process each, one after the other), prints a table and keeps
// the raw JSON lines (the agent's cost model is fitted to, and tested on, these).
//   node --import tsx bench/snapshot-cost.ts [--shapes small,mix] [--sizes 20,50,100] [--snapshots 2]
//     [--env GLIBC_TUNABLES=glibc.malloc.arena_max=1] [--out bench/.data/snapshot-cost.jsonl]
import { spawnSync } from 'node:child_process';
import { buildSync } from 'esbuild';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    shapes: { type: 'string', default: 'small,plain,issue,shortstrings,strings,arrays,samerefs,onearray,buffers,chain,chainkept,chainchunks,numchunks,strchunks,closures,maps,mix,weakmaps,dict' },
    sizes: { type: 'string', default: '20,50,100' },
    snapshots: { type: 'string', default: '2' },
    env: { type: 'string', multiple: true, default: [] },
    out: { type: 'string', default: join(root, 'bench', '.data', 'snapshot-cost.jsonl') },
  },
});
if (process.platform !== 'linux') throw new Error('needs Linux (/proc/self/status VmHWM)');
const extraEnv = Object.fromEntries(values.env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
mkdirSync(dirname(values.out), { recursive: true });
// The agent's heap census, bundled for the plain-CommonJS shape processes (no TypeScript loader on their heap).
const census = join(dirname(values.out), 'heap-census.cjs');
buildSync({ entryPoints: [join(root, 'src', 'agent', 'heap-census.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: census, logLevel: 'warning' });
const MB = 1024 * 1024;
const f = (n: number): string => (n / MB).toFixed(0).padStart(6);

console.log('shape      MB  snap  heapUsed  LOspace   nodes      edges     pause ms  peak dRSS  after dRSS  peak/heap  B/node');
for (const shape of values.shapes.split(',')) {
  for (const size of values.sizes.split(',').map(Number)) {
    const r = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=4096', join(root, 'bench', 'snapshot-shape.cjs'), shape, String(size), values.snapshots], {
      encoding: 'utf8',
      env: { ...process.env, SNAPSHOT_SHAPE_CENSUS: census, ...extraEnv },
      timeout: 15 * 60_000,
    });
    if (r.status !== 0) {
      console.log(`${shape} ${size}: failed (${r.status ?? r.signal}) ${r.stderr.slice(-300)}`);
      continue;
    }
    for (const line of r.stdout.trim().split('\n')) {
      const m = JSON.parse(line) as Record<string, number> & { spaces: Record<string, number> };
      appendFileSync(values.out, JSON.stringify({ ...m, env: extraEnv }) + '\n');
      console.log(
        `${shape.padEnd(9)} ${String(size).padStart(4)} ${String(m.n).padStart(4)} ${f(m.heapUsed)}   ${f(m.spaces.large_object_space ?? 0)}  ${String(m.nodes).padStart(9)} ${String(m.edges).padStart(10)} ${String(m.pauseMs).padStart(9)}  ${f(m.peakRssDelta)}     ${f(m.rssAfterDelta)}     ${(m.peakRssDelta / m.heapUsed).toFixed(1).padStart(6)}  ${(m.peakRssDelta / m.nodes).toFixed(0).padStart(6)}`,
      );
    }
  }
}
