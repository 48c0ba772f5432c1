// `npm run bench`: heapscope vs memlab (and DevTools' own worker) on the same generated snapshots,
// and heapscope's `diff` of two and growth over three snapshots of the generating process beside
// its `analyze` of the last one (the ratios say what a comparison costs over one analysis).
// Each analysis runs as its own process; wall time and peak RSS come from GNU time when present.
//   node --import tsx bench/run.ts [--runs N] [--huge] [--sizes 50,470] [--only heapscope,diff,growth,memlab,devtools] [--warm-memory MB]
// Sizes above 2000 MB (e.g. --sizes 4000) are the 1400 MB snapshot replicated by bench/replicate.ts.
// User and system CPU times are printed too: on VMs that hand freed memory back to their host (as
// these do, within seconds), a process pays for first touching memory in system time, 1-2 ms per
// MB, and wall time swings with it. --warm-memory MB has a throwaway process touch that much
// memory right before every run of every tool, so the run gets memory the host still backs.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureOracle } from '../test/support/oracle.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = join(root, 'bench', '.data');
const BIG_HEAP = '--max-old-space-size=20000';
/** Sizes above this are built by bench/replicate.ts from the REPLICA_SOURCE_MB snapshot. */
const REPLICATE_ABOVE_MB = 2000;
const REPLICA_SOURCE_MB = 1400;

const { values } = parseArgs({
  options: {
    runs: { type: 'string' },
    huge: { type: 'boolean', default: false },
    sizes: { type: 'string' },
    only: { type: 'string' },
    'warm-memory': { type: 'string' },
  },
});
const warmMB = Number(values['warm-memory'] ?? 0);
// 470 MB: the size issue 2's targets are set at (~6 M nodes, ~18 M edges)
const sizes = values.sizes ? values.sizes.split(',').map(Number) : [50, 470, ...(values.huge ? [1400] : [])];
const tools = (values.only ?? 'heapscope,diff,growth,memlab,devtools').split(',').map((s) => s.trim());
const runsFor = (mb: number) => (values.runs ? Number(values.runs) : mb <= 100 ? 3 : 1);

interface Tool {
  name: string;
  /** argv (after node) for the series' snapshots (oldest first; one-snapshot tools take the last). */
  command(files: string[], scratch: string): string[];
  /** Needs the whole series (sizes that are replicated have one snapshot only). */
  series?: boolean;
}

const last = (files: string[]) => files[files.length - 1];
const cli = join(root, 'dist/cli/main.js');

const TOOLS: Record<string, Tool> = {
  // As a user runs it: heapscope keeps the graph outside the JS heap and needs no heap flag (a
  // 20 GB old-space limit makes V8's GC sizing slower here).
  heapscope: { name: 'heapscope', command: (f) => [cli, 'analyze', last(f), '--json'] },
  // the oldest against the last (the comparison, ids ~96% shared) and all three (plus growth)
  diff: { name: 'diff', series: true, command: (f) => [cli, 'diff', f[0], last(f), '--json', '--no-progress'] },
  growth: { name: 'growth', series: true, command: (f) => [cli, 'diff', ...f, '--json', '--no-progress'] },
  memlab: {
    name: 'memlab',
    // object-size loads the whole graph and computes dominators and retained sizes
    command: (f, scratch) => [BIG_HEAP, join(root, 'node_modules/@memlab/cli/bin/memlab.js'), 'analyze', 'object-size', '--snapshot', last(f), '--work-dir', scratch],
  },
  devtools: { name: 'devtools', command: (f, scratch) => [BIG_HEAP, join(root, 'node_modules/.cache/heapscope-oracle/oracle.mjs'), last(f), scratch] },
};

interface Measure {
  seconds: number;
  peakMB: number;
  /** CPU seconds in user and system mode (NaN without GNU time). */
  user: number;
  sys: number;
  ok: boolean;
  error?: string;
}

const gnuTime = existsSync('/usr/bin/time') && spawnSync('/usr/bin/time', ['-f', '%e', 'true']).status === 0;

/** Run `node ...args` once, stdout discarded; wall time and peak RSS of the process. */
function measure(args: string[]): Promise<Measure> {
  const scratch = mkdtempSync(join(tmpdir(), 'heapscope-bench-'));
  const timeFile = join(scratch, 'time.txt');
  const argv = gnuTime ? ['/usr/bin/time', '-f', '%e %M %U %S', '-o', timeFile, process.execPath, ...args] : [process.execPath, ...args];
  const started = performance.now();
  return new Promise((done) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)));
    // Without GNU time, sample the child's high-water mark while it runs.
    let hwmKB = 0;
    const poll = gnuTime
      ? undefined
      : setInterval(() => {
          try {
            const m = readFileSync(`/proc/${child.pid}/status`, 'utf8').match(/VmHWM:\s+(\d+)/);
            if (m) hwmKB = Math.max(hwmKB, Number(m[1]));
          } catch {
            /* exited */
          }
        }, 20);
    child.on('close', (code) => {
      if (poll) clearInterval(poll);
      let seconds = (performance.now() - started) / 1000;
      let user = NaN;
      let sys = NaN;
      if (gnuTime && existsSync(timeFile)) {
        const last = readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '';
        const [s, kb, u, k] = last.split(' ').map(Number);
        if (Number.isFinite(s)) seconds = s;
        if (Number.isFinite(kb)) hwmKB = kb;
        user = u;
        sys = k;
      }
      rmSync(scratch, { recursive: true, force: true });
      const ok = code === 0;
      done({ seconds, peakMB: hwmKB / 1024, user, sys, ok, error: ok ? undefined : stderr.trim().split('\n').slice(-3).join(' | ') });
    });
  });
}

/** Snapshots written before the last one of a generated series (generate.cjs EARLIER...). */
const SERIES_EARLIER = 2;

/**
 * The generated snapshots of about `mb` MB, cached in bench/.data/: for generated sizes a series
 * of one process (oldest first, 2% of the objects added between them), else the one replica.
 */
function snapshotsFor(mb: number): string[] {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, `generated-${mb}mb.heapsnapshot`);
  if (mb > REPLICATE_ABOVE_MB) {
    if (existsSync(file)) return [file];
    // V8 cannot write these here: v8.writeHeapSnapshot of a ~4 GB heap was OOM-killed at 23.7 GB
    // RSS on a 24 GB machine. Replicate the largest snapshot it can write K times instead (a real
    // graph, K copies under one root; the file is ~K x 1.49 GB, not exactly `mb`).
    const copies = Math.max(2, Math.round(mb / REPLICA_SOURCE_MB));
    const src = last(snapshotsFor(REPLICA_SOURCE_MB));
    process.stderr.write(`replicating ${src} ${copies} times into ${file} ...\n`);
    // replicate.ts writes FILE.tmp and renames it when complete
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench/replicate.ts'), src, String(copies), file], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (r.status !== 0) throw new Error(`snapshot replication failed for ${mb} MB`);
    return [file];
  }
  const earlier = Array.from({ length: SERIES_EARLIER }, (_, i) => join(dataDir, `generated-${mb}mb-${i + 1}of${SERIES_EARLIER + 1}.heapsnapshot`));
  const series = [...earlier, file];
  if (series.every((f) => existsSync(f))) return series;
  process.stderr.write(`generating ~${mb} MB snapshots in ${series.join(', ')} ...\n`);
  const tmp = `${file}.partial`;
  const r = spawnSync(process.execPath, [BIG_HEAP, join(root, 'bench/generate.cjs'), String(mb), tmp, ...earlier], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`snapshot generator failed for ${mb} MB`);
  spawnSync('mv', [tmp, file]);
  return series;
}

/**
 * Touches `mb` MB in a throwaway process that then exits (see --warm-memory): the memory it frees
 * is backed by the host again, and the next process gets it before the host takes it back.
 */
function warmMemory(mb: number): void {
  const touch = `const b = new Uint8Array(${mb} * 1048576); for (let i = 0; i < b.length; i += 4096) b[i] = 1;`;
  // huge pages, so that the guest's own page faults don't dominate (see src/shared/glibc-tunables.ts)
  const env = { ...process.env, NODE_OPTIONS: '', GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' };
  spawnSync(process.execPath, ['-e', touch], { stdio: 'ignore', env });
}

function warmPageCache(file: string): void {
  const fd = openSync(file, 'r');
  const buf = Buffer.allocUnsafe(8 << 20);
  try {
    while (readSync(fd, buf, 0, buf.length, null) > 0);
  } finally {
    closeSync(fd);
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function main() {
  for (const t of tools) if (!TOOLS[t]) throw new Error(`unknown tool ${t} (heapscope, memlab, devtools)`);
  if (tools.some((t) => ['heapscope', 'diff', 'growth'].includes(t)) && !existsSync(cli)) throw new Error('dist/cli/main.js is missing: run `npm run build`');
  if (tools.includes('devtools')) await ensureOracle();
  const rows: Row[] = [];
  for (const mb of sizes) {
    const files = snapshotsFor(mb);
    const fileMB = statSync(last(files)).size / 1e6;
    const here = tools.filter((t) => !TOOLS[t].series || files.length > 1);
    // Runs are interleaved (run 1 of every tool, then run 2, ...): this machine's speed drifts by
    // 20% over minutes, and a tool whose runs all fell in a slow spell would look slower than it is.
    const runs = new Map<string, Measure[]>(here.map((t) => [t, []]));
    for (let i = 0; i < runsFor(mb); i++) {
      for (const name of here) {
        const done = runs.get(name)!;
        if (done.some((r) => !r.ok)) continue; // a tool that failed once is not run again
        // Every run starts with the file in the page cache: a tool that happens to run first after
        // the others pushed it out of memory would otherwise be timed on the disk, not on itself.
        for (const f of TOOLS[name].series ? files : [last(files)]) warmPageCache(f);
        if (warmMB > 0) warmMemory(warmMB);
        const scratch = mkdtempSync(join(tmpdir(), 'heapscope-bench-work-'));
        try {
          const m = await measure(TOOLS[name].command(files, scratch));
          done.push(m);
          const cpu = Number.isFinite(m.user) ? ` (user ${m.user.toFixed(2)} s, sys ${m.sys.toFixed(2)} s)` : '';
          process.stderr.write(`${fileMB.toFixed(0)} MB ${name} run ${i + 1}: ${m.ok ? `${m.seconds.toFixed(2)} s${cpu}, ${m.peakMB.toFixed(0)} MB` : `FAILED ${m.error}`}\n`);
        } finally {
          rmSync(scratch, { recursive: true, force: true });
        }
      }
    }
    for (const name of here) {
      const all = runs.get(name)!;
      const good = all.filter((r) => r.ok);
      rows.push({
        size: `${fileMB.toFixed(0)} MB`,
        tool: name,
        runs: good.length,
        seconds: good.length ? median(good.map((r) => r.seconds)) : NaN,
        peakMB: good.length ? median(good.map((r) => r.peakMB)) : NaN,
        user: good.length ? median(good.map((r) => r.user)) : NaN,
        sys: good.length ? median(good.map((r) => r.sys)) : NaN,
        failed: good.length === all.length ? undefined : all.find((r) => !r.ok)?.error,
      });
    }
  }
  if (warmMB > 0) console.log(`(every run started right after a throwaway process touched ${warmMB} MB: --warm-memory)`);
  if (tools.includes('diff') || tools.includes('growth')) {
    console.log('(heapscope: analyze of the last snapshot; diff: the first against the last; growth: diff of all three, with growth)');
  }
  printTable(rows);
}

interface Row {
  size: string;
  tool: string;
  runs: number;
  seconds: number;
  peakMB: number;
  user: number;
  sys: number;
  failed?: string;
}

function printTable(rows: Row[]) {
  const lines = [['snapshot', 'tool', 'runs', 'median time', 'CPU user / sys', 'median peak RSS', 'tool/heapscope analyze (time, RSS)']];
  for (const r of rows) {
    const hs = rows.find((x) => x.size === r.size && x.tool === 'heapscope');
    const ratio =
      r.tool !== 'heapscope' && hs && hs.runs && r.runs ? `${(r.seconds / hs.seconds).toFixed(2)}x, ${(r.peakMB / hs.peakMB).toFixed(2)}x` : '';
    lines.push([
      r.size,
      r.tool,
      String(r.runs),
      r.runs ? `${r.seconds.toFixed(2)} s` : `failed: ${r.failed ?? ''}`.slice(0, 60),
      r.runs && Number.isFinite(r.user) ? `${r.user.toFixed(2)} / ${r.sys.toFixed(2)} s` : '',
      r.runs ? `${r.peakMB.toFixed(0)} MB` : '',
      ratio,
    ]);
  }
  const widths = lines[0].map((_, c) => Math.max(...lines.map((l) => l[c].length)));
  for (const [i, l] of lines.entries()) {
    console.log(l.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd());
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

main().catch((err) => {
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
