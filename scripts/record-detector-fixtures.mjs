// Records the real post-GC series of the detector's fixture programs (test/fixtures/detector/programs)
// into compact JSON fixtures (test/fixtures/detector/recorded/*.json), all programs in parallel.
// Run once (about 31 minutes: healthy programs must cover 30 minutes of real time):
//   node scripts/record-detector-fixtures.mjs [--only name,name] [--minutes-scale 0.1 (a quick dry run)]
import { spawn } from 'node:child_process';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { build } from 'esbuild';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'test', 'fixtures', 'detector');
const outDir = join(dir, 'recorded');
const MIN = 60_000;

// name -> program, leak rate (MB/min), ballast (MB of live baseline heap), duration.
// Leaks start 60 s into the run, so each leaking run also has a healthy prelude.
export const RUNS = [
  { name: 'leak-array-1mb', program: 'leak-array', rate: 1, ballast: 80, minutes: 9 },
  { name: 'leak-array-1mb-250mb-heap', program: 'leak-array', rate: 1, ballast: 250, minutes: 9 },
  { name: 'leak-array-10mb', program: 'leak-array', rate: 10, ballast: 150, minutes: 5 },
  { name: 'leak-map-3mb', program: 'leak-map', rate: 3, ballast: 150, minutes: 8 },
  { name: 'leak-map-30mb', program: 'leak-map', rate: 30, ballast: 60, minutes: 4 },
  { name: 'leak-listener-10mb', program: 'leak-listener', rate: 10, ballast: 80, minutes: 5 },
  { name: 'leak-closure-2mb', program: 'leak-closure', rate: 2, ballast: 120, minutes: 8 },
  { name: 'leak-buffer-5mb', program: 'leak-buffer', rate: 5, ballast: 60, minutes: 8 },
  // Fills in ~3.5 min (9 MB/min at first), then plateaus at ~20 MB.
  { name: 'healthy-lru', program: 'healthy-lru', ballast: 80, minutes: 31, env: { FIXTURE_LRU_CAPACITY: 20000, FIXTURE_LRU_KEYS: 30000, FIXTURE_LRU_RPS: 150 } },
  // Fills for ~11 min (6 MB/min at first, still 2 MB/min near the end): within the 5-minute target
  // no trend rule can tell this from a leak; recorded to show where the rule's horizon lies.
  { name: 'healthy-lru-slow-fill', program: 'healthy-lru', ballast: 80, minutes: 31, env: { FIXTURE_LRU_CAPACITY: 40000, FIXTURE_LRU_KEYS: 60000, FIXTURE_LRU_RPS: 100 } },
  { name: 'healthy-bursty', program: 'healthy-bursty', ballast: 100, minutes: 31 },
  { name: 'healthy-warmup', program: 'healthy-warmup', ballast: 60, minutes: 31 },
  { name: 'healthy-step', program: 'healthy-step', ballast: 80, minutes: 31 },
  { name: 'healthy-batch', program: 'healthy-batch', ballast: 150, minutes: 31 },
  // Big heaps, where V8 may run a major GC only every 1.5-3 min, recorded with the agent's detector
  // live (probe: it forces the confirmation GCs the detector asks for, as the agent does).
  { name: 'leak-array-1mb-250mb-heap-probed', program: 'leak-array', rate: 1, ballast: 250, minutes: 9, probe: true },
  { name: 'leak-map-1mb-300mb-heap-probed', program: 'leak-map', rate: 1, ballast: 300, minutes: 9, probe: true },
  { name: 'healthy-lru-250mb-heap-probed', program: 'healthy-lru', ballast: 250, minutes: 31, probe: true, env: { FIXTURE_LRU_CAPACITY: 20000, FIXTURE_LRU_KEYS: 30000, FIXTURE_LRU_RPS: 150 } },
  { name: 'healthy-bursty-250mb-heap-probed', program: 'healthy-bursty', ballast: 250, minutes: 31, probe: true },
  { name: 'healthy-warmup-250mb-heap-probed', program: 'healthy-warmup', ballast: 250, minutes: 31, probe: true },
  { name: 'healthy-step-250mb-heap-probed', program: 'healthy-step', ballast: 250, minutes: 31, probe: true },
  { name: 'healthy-batch-250mb-heap-probed', program: 'healthy-batch', ballast: 250, minutes: 31, probe: true },
];

const { values } = parseArgs({ options: { only: { type: 'string' }, 'minutes-scale': { type: 'string' } } });
const only = values.only?.split(',');
const scale = Number(values['minutes-scale'] ?? 1);
mkdirSync(outDir, { recursive: true });

const runs = RUNS.filter((r) => !only || only.includes(r.name));
// The agent's detector as one CommonJS file, for the recorder to run live.
const detectorBuild = join(tmpdir(), `heapscope-detector-${process.pid}.cjs`);
if (runs.some((r) => r.probe)) {
  await build({ entryPoints: [join(root, 'src/agent/detector/detector.ts')], bundle: true, format: 'cjs', platform: 'node', outfile: detectorBuild, logLevel: 'warning' });
}
await Promise.all(
  runs.map(
    (r) =>
      new Promise((done) => {
        const tmp = join(outDir, `.${r.name}.json.partial`);
        const child = spawn(process.execPath, ['--require', join(dir, 'record.cjs'), join(dir, 'programs', `${r.program}.cjs`)], {
          stdio: 'inherit',
          env: {
            ...process.env,
            NODE_OPTIONS: '',
            FIXTURE_OUT: tmp,
            FIXTURE_RATE_MB_MIN: String(r.rate ?? 0),
            FIXTURE_BALLAST_MB: String(r.ballast),
            FIXTURE_DURATION_MS: String(Math.round(r.minutes * MIN * scale)),
            FIXTURE_DETECTOR: r.probe ? detectorBuild : '',
            ...Object.fromEntries(Object.entries(r.env ?? {}).map(([k, v]) => [k, String(v)])),
          },
        });
        child.on('exit', (code) => {
          if (code === 0) renameSync(tmp, join(outDir, `${r.name}.json`));
          console.log(`${r.name}: exit ${code}`);
          done();
        });
      }),
  ),
);
rmSync(detectorBuild, { force: true });
