// The dashboard's side of drill-down: resolves a report to its stored snapshot and asks the explore
// worker (worker.ts), started on first use. The worker holds the loaded analyses, so their memory
// is off the server's heap, and a snapshot too big for the machine kills the worker, not the
// dashboard (the next query starts a new one). An idle worker is ended to give the memory back.
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { distFile } from '../../shared/index.js';
import { envNumber } from '../limits.js';
import type { Store } from '../store.js';
import { HubError } from '../hub/index.js';
import { NOT_LOADED, type ExploreOp, type ExploreResponse, type ExploreStatus, type WorkerConfig, type WorkerInbound } from './messages.js';

export interface ExploreConfig {
  /** Typed-array bytes of loaded analyses kept beyond the one in use (HEAPSCOPE_EXPLORE_MEMORY_MB). */
  budgetBytes: number;
  /** End the worker (and free every analysis) after this long without a query (HEAPSCOPE_EXPLORE_IDLE_S). */
  idleMs: number;
}

const MiB = 1024 * 1024;

/** A quarter of the machine's memory, between 256 MiB and 2 GiB. */
export const DEFAULT_EXPLORE: ExploreConfig = {
  budgetBytes: Math.min(2048 * MiB, Math.max(256 * MiB, Math.floor(totalmem() / 4))),
  idleMs: 15 * 60_000,
};

export function exploreConfigFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<ExploreConfig> {
  const out: Partial<ExploreConfig> = {};
  const num = (name: string): number | undefined => envNumber(env, name);
  const mb = num('HEAPSCOPE_EXPLORE_MEMORY_MB');
  if (mb !== undefined) out.budgetBytes = Math.round(mb * MiB);
  const idle = num('HEAPSCOPE_EXPLORE_IDLE_S');
  if (idle !== undefined) out.idleMs = Math.round(idle * 1000);
  return out;
}

function workerEntry(): { file: string | URL; execArgv?: string[] } {
  const built = distFile('dashboard', 'explore-worker.js');
  if (existsSync(built)) return { file: built };
  // from source (tsx, no build): the worker inherits tsx from execArgv
  return { file: fileURLToPath(new URL('./worker.ts', import.meta.url)), execArgv: [...process.execArgv] };
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

export class Explorer {
  private worker?: Worker;
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  private idle?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly store: Store,
    readonly config: ExploreConfig = DEFAULT_EXPLORE,
  ) {}

  /** Runs `query` on snapshot `index` of report `reportId` (default: its last, the comparison's target). */
  query(reportId: string, query: ExploreOp, index?: number): Promise<unknown> {
    const r = this.store.reports.get(reportId);
    if (!r) throw new HubError(404, 'unknown report');
    const i = index ?? r.artifactIds.length - 1;
    if (!Number.isInteger(i) || i < 0 || i >= r.artifactIds.length) throw new HubError(400, `snapshot must be 0..${r.artifactIds.length - 1}`);
    const a = this.store.artifacts.get(r.artifactIds[i]!);
    if (!a || a.kind !== 'heapsnapshot') throw new HubError(404, 'the snapshot of this report is gone');
    return this.ask(a.id, this.store.artifactKey(a), query);
  }

  /** From the worker's loaded analysis, else with the snapshot as a local file (a bucket's: downloaded for the load). */
  private async ask(key: string, blob: string, query: ExploreOp): Promise<unknown> {
    try {
      return await this.send({ seq: 0, key, query });
    } catch (err) {
      if (!(err instanceof HubError) || err.status !== NOT_LOADED) throw err;
    }
    const local = await this.store.blobs.localFile(blob).catch((err: Error) => {
      throw new HubError(404, `the snapshot could not be read: ${err.message}`);
    });
    try {
      return await this.send({ seq: 0, key, file: local.path, query });
    } finally {
      await local.release();
    }
  }

  status(): Promise<ExploreStatus> {
    if (!this.worker) return Promise.resolve({ budgetBytes: this.config.budgetBytes, loadedBytes: 0, loaded: [], loads: 0, evictions: 0 });
    return this.send({ seq: 0, status: true }) as Promise<ExploreStatus>;
  }

  private send(m: WorkerInbound): Promise<unknown> {
    if (this.closed) return Promise.reject(new HubError(503, 'dashboard is shutting down'));
    const w = this.start();
    m.seq = ++this.seq;
    this.touch();
    return new Promise((resolve, reject) => {
      this.pending.set(m.seq, { resolve, reject });
      w.postMessage(m);
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const entry = workerEntry();
    const config: WorkerConfig = { budgetBytes: this.config.budgetBytes };
    const w = new Worker(entry.file, { workerData: config, execArgv: entry.execArgv, stdout: false, stderr: false });
    w.unref();
    w.on('message', (m: ExploreResponse) => {
      const p = this.pending.get(m.seq);
      if (!p) return;
      this.pending.delete(m.seq);
      if (m.ok) p.resolve(m.result);
      else p.reject(new HubError(m.status, m.message));
    });
    const gone = (why: string): void => {
      if (this.worker !== w) return;
      this.worker = undefined;
      for (const p of this.pending.values()) p.reject(new HubError(503, why));
      this.pending.clear();
    };
    w.on('error', (err) => gone(`the snapshot could not be explored: ${err.message}`));
    w.on('exit', (code) => gone(`the explore worker exited (code ${code}); the snapshot may be too large for this machine's memory`));
    this.worker = w;
    return w;
  }

  private touch(): void {
    clearTimeout(this.idle);
    if (this.config.idleMs <= 0) return;
    this.idle = setTimeout(() => {
      if (this.pending.size === 0) void this.stopWorker();
      else this.touch();
    }, this.config.idleMs);
    this.idle.unref();
  }

  private async stopWorker(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    await w?.terminate();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idle);
    for (const p of this.pending.values()) p.reject(new HubError(503, 'dashboard is shutting down'));
    this.pending.clear();
    await this.stopWorker();
  }
}
