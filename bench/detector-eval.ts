// `npm run detector:eval`: the leak detector against every recorded fixture program and synthetic
// edge case: a confusion table (program x detected or not x time to detect x rate), then the
// detector's own cost: CPU time of its code over 30-minute replays, and the heap it retains.
//   node --expose-gc --import tsx bench/detector-eval.ts
import { performance } from 'node:perf_hooks';
import { LeakDetector } from '../src/agent/detector/detector.js';
import { loadRecordings, replay } from '../test/support/detector-replay.js';
import { SYNTHETIC, detectTarget, runSynthetic, sweepSynthetic } from '../test/support/detector-synthetic.js';

const MB = 2 ** 20;
const MIN = 60_000;
const fmtMs = (ms?: number) => (ms === undefined ? '-' : ms >= 120_000 ? `${(ms / MIN).toFixed(1)} min` : `${(ms / 1000).toFixed(0)} s`);
const target = (rate: number) => detectTarget(rate / MB);

interface Row { program: string; truth: string; rate: string; verdict: string; detect: string; target: string; measured: string; probes: string; ok: boolean }
const rows: Row[] = [];
// Recordings made with the detector running live (probes) note when it fired there.
const live = (rec: ReturnType<typeof loadRecordings>[number]): string => {
  if (!rec.live) return '';
  const fired = rec.events.find((e) => e.event === 'fired')?.t;
  const from = rec.events.find((e) => e.event === 'leak-start')?.t ?? 0;
  return fired === undefined ? ' (live: none)' : ` (live: ${fmtMs(fired - from)})`;
};

for (const rec of loadRecordings()) {
  const r = replay(rec);
  const fired = r.firings > 0;
  const t = target(rec.ratePerMin);
  const slowFill = rec.file.includes('slow-fill');
  rows.push({
    program: `${rec.file.replace(/\.json$/, '')} (${Math.round(rec.ballastMb)} MB heap)`,
    truth: rec.leaking ? `leak (${rec.series})` : slowFill ? 'healthy*' : 'healthy',
    rate: rec.leaking ? `${(rec.ratePerMin / MB).toFixed(0)} MB/min` : '-',
    verdict: fired ? `LEAK ${r.status!.series}` : 'ok',
    detect: (rec.leaking ? fmtMs(r.detectMs) : fired ? `at ${fmtMs(r.firedAt)}` : `0 in ${fmtMs(rec.durationMs)}`) + live(rec),
    target: rec.leaking ? fmtMs(t) : '0 findings',
    measured: fired ? `${(r.status!.bytesPerMinute / MB).toFixed(1)} MB/min` : '-',
    probes: rec.live ? String(r.probes) : '-',
    ok: rec.leaking ? fired && (r.detectMs ?? Infinity) <= t : !fired,
  });
}
for (const c of SYNTHETIC) {
  const r = runSynthetic(c);
  const first = r.firings[0];
  const detect = first && c.leakStart !== undefined ? first.t - c.leakStart : undefined;
  const t = c.gcEveryMs === Infinity ? Infinity : target((c.rateMbMin ?? 0) * MB);
  rows.push({
    program: `synthetic: ${c.name}`,
    truth: c.leaking ? 'leak' : 'healthy',
    rate: c.rateMbMin ? `${c.rateMbMin} MB/min` : '-',
    verdict: first ? `LEAK ${first.status.series}${first.status.fallback ? ' (fallback)' : ''}` : 'ok',
    detect: c.leaking ? fmtMs(detect) : first ? `at ${fmtMs(first.t)}` : `0 in ${fmtMs(c.durationMs)}`,
    target: c.leaking ? (t === Infinity ? 'window' : fmtMs(t)) : '0 findings',
    measured: first ? `${(first.status.bytesPerMinute / MB).toFixed(1)} MB/min` : '-',
    probes: String(r.probes),
    ok: c.leaking ? !!first && (detect ?? Infinity) <= t : !first,
  });
}

const cols: (keyof Row)[] = ['program', 'truth', 'rate', 'verdict', 'detect', 'target', 'measured', 'probes'];
const widths = cols.map((k) => Math.max(k.length, ...rows.map((r) => String(r[k]).length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
console.log(line(cols as string[]) + '  meets target');
for (const r of rows) console.log(line(cols.map((k) => String(r[k]))) + `  ${r.ok ? 'yes' : 'NO'}`);
const leaks = rows.filter((r) => r.truth.startsWith('leak'));
const healthy = rows.filter((r) => r.truth === 'healthy');
console.log(
  `\nleaks flagged: ${leaks.filter((r) => r.verdict !== 'ok').length}/${leaks.length} (within target: ${leaks.filter((r) => r.ok).length}); ` +
    `healthy flagged: ${healthy.filter((r) => r.verdict !== 'ok').length}/${healthy.length}` +
    `\n* healthy-lru-slow-fill: an LRU that fills for ~11 min at 2-6 MB/min, outside what a 5-minute leak target can tell apart (reported, not counted).`,
);

// The synthetic cases again over many seeds: each seed is one draw of GC timing and noise, so one
// run per case shows little of how often the rule is right (the tests sweep seeds 1-40; this,
// seeds 1000-1299).
const SEEDS = Array.from({ length: 300 }, (_, i) => 1000 + i);
console.log(`\nsynthetic cases over ${SEEDS.length} seeds (GC timing and noise drawn anew each run):`);
const sweep = SYNTHETIC.map((c) => sweepSynthetic(c, SEEDS));
const sweepRows = sweep.map((r) => [
  r.name,
  r.leaking ? 'leak' : 'healthy',
  `${r.fired}/${r.runs} flagged`,
  r.leaking ? `${r.late} late` : '',
  r.median === undefined ? '' : `median ${fmtMs(r.median)}, p90 ${fmtMs(r.p90)}, worst ${fmtMs(r.max)}`,
  `${r.probes.toFixed(1)} probes/run`,
]);
const sweepWidths = sweepRows[0].map((_, i) => Math.max(...sweepRows.map((r) => r[i].length)));
for (const r of sweepRows) console.log('  ' + r.map((c, i) => c.padEnd(sweepWidths[i])).join('  '));
const healthyRuns = sweep.filter((r) => !r.leaking);
const leakRuns = sweep.filter((r) => r.leaking);
console.log(
  `  healthy runs flagged: ${healthyRuns.reduce((a, r) => a + r.fired, 0)}/${healthyRuns.reduce((a, r) => a + r.runs, 0)}; ` +
    `leak runs flagged late or never: ${leakRuns.reduce((a, r) => a + r.late, 0)}/${leakRuns.reduce((a, r) => a + r.runs, 0)}`,
);

// Cost. CPU: the detector's own calls, timed one by one, over 30 minutes of samples (a major GC every
// 2 s: many more decisions than any recording), as a share of the 30 minutes.
function cpuOver30Min(gcEveryMs: number): number {
  const d = new LeakDetector();
  let spent = 0;
  for (let t = 0; t < 30 * MIN; t += 1000) {
    const heap = 150 * MB + Math.sin(t / 7000) * 5 * MB;
    const s = performance.now();
    if (t % gcEveryMs === 0) d.addPostGc({ t, heapUsed: heap, external: 3 * MB, arrayBuffers: MB, rss: 300 * MB });
    d.addTick(t, heap + 10 * MB, 3 * MB);
    d.status();
    d.takeLeak();
    spent += performance.now() - s;
  }
  return spent;
}
cpuOver30Min(2000); // warm up the JIT
const runs = [1, 2, 3, 4, 5].map(() => cpuOver30Min(2000)).sort((a, b) => a - b);
const median = runs[2];
console.log(`\nCPU: ${median.toFixed(1)} ms of detector code per 30 min with a major GC every 2 s (median of 5; runs ${runs.map((r) => r.toFixed(1)).join(', ')}) = ${((100 * median) / (30 * MIN)).toFixed(4)} % of one core`);
const perRecording = loadRecordings().filter((r) => !r.leaking);
let spent = 0;
let covered = 0;
for (const rec of perRecording) {
  const s = performance.now();
  replay(rec);
  spent += performance.now() - s;
  covered += rec.durationMs;
}
console.log(`CPU, recorded healthy series replayed (harness included, an upper bound): ${spent.toFixed(0)} ms for ${(covered / MIN).toFixed(0)} min = ${((100 * spent) / covered).toFixed(4)} %`);

const gc = (globalThis as { gc?: () => void }).gc;
if (gc) {
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const many = Array.from({ length: 100 }, () => new LeakDetector());
  for (const d of many) for (let t = 0; t < 20 * MIN; t += 1000) {
    if (t % 5000 === 0) d.addPostGc({ t, heapUsed: 100 * MB + t, external: MB, arrayBuffers: MB, rss: 200 * MB });
    d.addTick(t, 110 * MB, MB);
  }
  gc();
  gc();
  const per = (process.memoryUsage().heapUsed - before) / many.length;
  console.log(`heap retained per detector (after 20 min of samples; mean of 100): ${(per / 1024).toFixed(1)} KB`);
} else {
  console.log('heap: run with --expose-gc (npm run detector:eval does) to measure what a detector retains');
}
