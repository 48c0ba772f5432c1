// Jobs: everything the user asked for and is waiting on, with the state the browser shows.
// Heavy analysis runs in a worker_thread (analysis-worker.ts), one at a time, so the server keeps
// answering while a big snapshot is parsed, and the worker's memory is returned when it ends.
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { distFile } from '../shared/index.js';
import type { CommandAction, SnapshotCost } from '../protocol/index.js';

export type JobState =
  | 'queued'
  | 'snapshot'
  | 'profiling'
  | 'uploading'
  | 'reading'
  | 'indexing'
  | 'dominators'
  | 'diagnosis'
  | 'ready'
  | 'failed';

export type JobAction = CommandAction | 'compare' | 'growth' | 'analyze';

export interface Job {
  id: string;
  processId: string;
  action: JobAction;
  state: JobState;
  /** 0..100 within the state, when known. */
  percent?: number;
  /** Why it failed (e.g. the agent's HEADROOM refusal). */
  error?: string;
  artifactId?: string;
  artifactIds?: string[];
  reportId?: string;
  seconds?: number;
  /** Started without a click: by the leak detector, a signal or the heap-limit watch. */
  source?: 'leak' | 'signal' | 'near-limit';
  /** false: keep the snapshot without analysing it alone (an automatic capture analyses them together). */
  analyze?: boolean;
  createdAt: number;
  updatedAt: number;
  /** Wall time from creation to ready, ms. */
  elapsedMs?: number;
  /** heapSnapshot: what the snapshot cost the process (pause, peak RSS) beside the prediction. */
  cost?: SnapshotCost;
}

/** What the worker is asked to do; `out` is where it writes the report JSON. */
export interface AnalysisTask {
  /** analyze: one snapshot's report; diff: comparison/growth; path: retainer path of `nodeId`. */
  mode: 'analyze' | 'diff' | 'path';
  files: string[];
  /** Report JSON destination (analyze, diff). */
  out?: string;
  nodeId?: number;
}

export type WorkerMessage =
  | { type: 'progress'; phase: string; ratio?: number }
  | { type: 'done'; summary?: { suspects: number; totalSize: number }; result?: unknown }
  | { type: 'error'; message: string };

/** Engine/diagnosis phase -> the few states a user needs to see. */
function phaseState(phase: string): JobState {
  if (phase === 'reading') return 'reading';
  if (phase === 'dominators' || phase === 'retained' || phase === 'distances') return 'dominators';
  if (phase === 'names' || phase === 'summary' || phase === 'diagnosis' || phase === 'diff' || phase === 'growth') return 'diagnosis';
  return 'indexing';
}

function workerEntry(): { file: string | URL; execArgv?: string[] } {
  const built = distFile('dashboard', 'analysis-worker.js');
  if (existsSync(built)) return { file: built };
  // Running from source (tsx) without a build: the worker inherits tsx from execArgv.
  const src = fileURLToPath(new URL('./analysis-worker.ts', import.meta.url));
  return { file: src, execArgv: [...process.execArgv] };
}

/** Serial queue of analysis tasks. */
export class AnalysisQueue {
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;
  private current?: Worker;
  waiting = 0;

  run(task: AnalysisTask, onProgress: (state: JobState, percent?: number) => void): Promise<unknown> {
    this.waiting++;
    const next = this.chain.then(() => {
      this.waiting--;
      if (this.closed) throw new Error('dashboard is shutting down');
      return this.runOne(task, onProgress);
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  private runOne(task: AnalysisTask, onProgress: (state: JobState, percent?: number) => void): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const entry = workerEntry();
      const worker = new Worker(entry.file, { workerData: task, execArgv: entry.execArgv, stdout: false, stderr: false });
      this.current = worker;
      let settled = false;
      const finish = (err?: Error, result?: unknown): void => {
        if (settled) return;
        settled = true;
        this.current = undefined;
        void worker.terminate();
        if (err) reject(err);
        else resolve(result);
      };
      worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'progress') {
          onProgress(phaseState(m.phase), m.ratio === undefined ? undefined : Math.round(m.ratio * 100));
        } else if (m.type === 'done') finish(undefined, m.result ?? m.summary);
        else if (m.type === 'error') finish(new Error(m.message));
      });
      worker.on('error', (err) => finish(err instanceof Error ? err : new Error(String(err))));
      worker.on('exit', (code) => finish(new Error(`analysis worker exited (code ${code}) before finishing; the snapshot may be too large for this machine's memory`)));
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.current?.terminate();
  }
}
