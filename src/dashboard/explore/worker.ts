// The explore worker: answers drill-down queries (engine/query/explore.ts) over stored snapshots,
// keeping the recently used analyses loaded while their typed arrays fit the memory budget (the
// one in use always stays, however big). Loads run one at a time: two at once would double the
// peak. An evicted analysis is reloaded on its next query.
import { parentPort, workerData } from 'node:worker_threads';
import { analysisBytes, analyzeSnapshot, classInstances, collectGarbage, exploreNode, findNode, objectEdges, objectRetainers, pathRows, type HeapAnalysis } from '../../engine/index.js';
import { HubError } from '../hub/errors.js'; // (not the hub's index: this thread needs none of the hub)
import { NOT_LOADED, type ExploreOp, type ExploreResponse, type ExploreStatus, type NodeAnswer, type WorkerConfig, type WorkerInbound } from './messages.js';

const { budgetBytes } = workerData as WorkerConfig;

interface Entry {
  analysis?: HeapAnalysis;
  loading?: Promise<HeapAnalysis>;
  bytes: number;
  loadMs: number;
  usedAt: number;
}

const entries = new Map<string, Entry>();
let loadChain: Promise<unknown> = Promise.resolve();
let loads = 0;
let evictions = 0;

function analysisFor(key: string, file: string | undefined): Promise<HeapAnalysis> {
  let e = entries.get(key);
  if (file === undefined && !e?.analysis && !e?.loading) return Promise.reject(new HubError(NOT_LOADED, 'not loaded'));
  if (!e) entries.set(key, (e = { bytes: 0, loadMs: 0, usedAt: Date.now() }));
  e.usedAt = Date.now();
  if (e.analysis) return Promise.resolve(e.analysis);
  if (e.loading) return e.loading;
  const entry = e;
  const load = loadChain.then(async () => {
    const t0 = performance.now();
    const a = await analyzeSnapshot(file!);
    entry.analysis = a;
    entry.bytes = analysisBytes(a);
    entry.loadMs = Math.round(performance.now() - t0);
    entry.usedAt = Date.now();
    loads++;
    evict(key);
    return a;
  });
  entry.loading = load;
  loadChain = load.catch(() => undefined);
  load.then(
    () => (entry.loading = undefined),
    () => entries.delete(key),
  );
  return load;
}

/** Drops the least recently used analyses until the loaded ones fit the budget (`keep` stays). */
function evict(keep: string): void {
  let total = 0;
  for (const e of entries.values()) total += e.bytes;
  const lru = [...entries].filter(([k, e]) => k !== keep && e.analysis).sort((x, y) => x[1].usedAt - y[1].usedAt);
  let dropped = false;
  for (const [k, e] of lru) {
    if (total <= budgetBytes) break;
    total -= e.bytes;
    entries.delete(k);
    evictions++;
    dropped = true;
  }
  if (dropped) collectGarbage();
}

function node(a: HeapAnalysis, id: string): number {
  const n = findNode(a, id);
  if (n < 0) throw new HubError(404, `no object ${id.startsWith('@') ? id : `@${id}`} in this snapshot`);
  return n;
}

function answer(a: HeapAnalysis, q: ExploreOp): unknown {
  switch (q.op) {
    case 'instances':
      return classInstances(a, q.className, q);
    case 'retainers':
      return objectRetainers(a, node(a, q.id), q);
    case 'edges':
      return objectEdges(a, node(a, q.id), q);
    case 'roots':
      return objectEdges(a, 0, q);
    case 'node': {
      const n = node(a, q.id);
      const out: NodeAnswer = { node: exploreNode(a, n), retainers: objectRetainers(a, n), edges: objectEdges(a, n), path: pathRows(a, n) };
      return out;
    }
  }
}

function status(): ExploreStatus {
  const loaded = [...entries].filter(([, e]) => e.analysis).map(([key, e]) => ({ key, bytes: e.bytes, loadMs: e.loadMs, usedAt: e.usedAt }));
  return { budgetBytes, loadedBytes: loaded.reduce((s, e) => s + e.bytes, 0), loaded, loads, evictions };
}

const post = (m: ExploreResponse): void => parentPort!.postMessage(m);

parentPort!.on('message', (m: WorkerInbound) => {
  if ('status' in m) return post({ seq: m.seq, ok: true, result: status() });
  analysisFor(m.key, m.file)
    .then((a) => post({ seq: m.seq, ok: true, result: answer(a, m.query) }))
    .catch((err: unknown) => {
      const status = err instanceof HubError ? err.status : 422;
      post({ seq: m.seq, ok: false, status, message: err instanceof Error ? err.message : String(err) });
    });
});
