// Drill-down costs on a generated snapshot: the memory an analysis holds (what the dashboard's
// explore budget counts) against the file size, the first and the cached latency of each query,
// and the offline subset's size.   usage: node --import tsx bench/explore.ts [TARGET_MB=100] [RUNS=3]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeSnapshot, summarize } from '../src/engine/index.js';
import { analysisBytes, classInstances, exploreSubset, findNode, objectEdges, objectRetainers } from '../src/engine/query/explore.js';

const targetMB = Number(process.argv[2] ?? 100);
const runs = Number(process.argv[3] ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'heapscope-explore-bench-'));
const file = join(dir, 'bench.heapsnapshot');
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const time = (fn: () => unknown): number => {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
};
try {
  execFileSync(process.execPath, ['--max-old-space-size=16000', join(import.meta.dirname, 'generate.cjs'), String(targetMB), file], { stdio: 'inherit' });
  const size = statSync(file).size;
  const rows: Record<string, number[]> = {};
  const add = (k: string, v: number): void => void (rows[k] ??= []).push(v);
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const a = await analyzeSnapshot(file);
    add('load + analysis ms', performance.now() - t0);
    add('analysis bytes / file bytes', analysisBytes(a) / size);
    const top = summarize(a, 5);
    const big = summarize(a).reduce((x, y) => (y.count > x.count ? y : x));
    add(`instances first page, ${big.count} objects (${big.name}) ms`, time(() => classInstances(a, big.name, { limit: 50 })));
    add('instances next page (cached) ms', time(() => classInstances(a, big.name, { offset: 50, limit: 50 })));
    const topId = classInstances(a, top[0]!.name, { limit: 1 }).items[0]!.id;
    let node = -1;
    add('first @id lookup (sorts the id index) ms', time(() => (node = findNode(a, topId))));
    add('next @id lookup ms', time(() => findNode(a, 1)));
    add('retainers page ms', time(() => objectRetainers(a, node)));
    add('references page ms', time(() => objectEdges(a, node)));
    add('roots page ms', time(() => objectEdges(a, 0)));
    let json = '';
    add('offline subset ms', time(() => (json = JSON.stringify(exploreSubset(a, summarize(a, 20).map((c) => c.name))))));
    add('offline subset bytes', json.length);
  }
  console.log(`snapshot ${(size / 1024 / 1024).toFixed(0)} MB, ${runs} runs, medians:`);
  for (const [k, v] of Object.entries(rows)) console.log(`  ${k}: ${median(v).toFixed(k.includes('/') ? 2 : 0)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
