// What dashboards share when there is more than one (issue 13 §3): the process registry and which
// dashboard holds each live agent, events (metrics, jobs, artifacts, reports, findings, commands for
// an agent on another dashboard), the job list, the analysis queue and named locks. One interface,
// two implementations: MemoryState (one dashboard, the default: nothing leaves the process) and
// RedisState (--redis). Snapshot and report bodies are not here: they live in the storage
// (storage.ts) every dashboard can read.
import { randomBytes } from 'node:crypto';
import type { CommandMessage, CostSample, SnapshotForecast } from '../../protocol/index.js';
import type { ArtifactMeta, ProcessMeta, ReportMeta } from '../store.js';
import type { Job } from '../jobs.js';
import type { Sample } from '../metrics.js';
import type { Finding, ProjectSettings } from '../findings.js';

export type FleetEvent =
  /** `live`: its agent is connected to the sender. */
  | { type: 'process'; process: ProcessMeta; live: boolean }
  | { type: 'metrics'; processId: string; sample: Sample; snapshotForecast?: SnapshotForecast }
  | { type: 'job'; job: Job }
  | { type: 'artifact'; artifact: ArtifactMeta }
  | { type: 'artifactDeleted'; id: string }
  | { type: 'report'; report: ReportMeta }
  | { type: 'reportDeleted'; id: string }
  | { type: 'finding'; finding: Finding }
  | { type: 'settings'; project: string; settings: ProjectSettings }
  /** A project's snapshot cost profile changed (already saved to the storage). */
  | { type: 'costProfile'; project: string; samples: CostSample[] }
  /** Sent to the dashboard `to` that holds the process's agent connection. */
  | { type: 'command'; to: string; processId: string; command: CommandMessage; job: Job };

/** One analysis for whichever dashboard takes it first. */
export interface AnalysisItem {
  /** The job as it was when queued: a dashboard that never saw it can still report on it. */
  job: Job;
  mode: 'analyze' | 'diff';
  artifactIds: string[];
  /** Planned report (id, file, title) the result is written as. */
  report: ReportMeta;
}

/** Releases a lock taken with `lock`. */
export type Unlock = () => Promise<void>;

export interface SharedState {
  /** This dashboard's id (random per start). */
  readonly id: string;
  /** True when other dashboards may exist (Redis): the data directory is shared too. */
  readonly shared: boolean;
  start(): Promise<void>;
  close(): Promise<void>;

  /** Fire and forget: delivered to every other dashboard (never back to this one). */
  publish(ev: FleetEvent): void;
  onEvent(fn: (ev: FleetEvent, from: string) => void): void;
  /** After the shared store came back (a restarted Redis may have lost everything): say again what is ours. */
  onReconnect(fn: () => void): void;

  saveProcess(p: ProcessMeta): void;
  loadProcesses(): Promise<ProcessMeta[]>;
  /** The agents connected here right now (refreshed regularly, so a restarted Redis learns them again). */
  setLocalAgents(processIds: readonly string[]): void;
  /** Live processes whose agent is on another dashboard that is alive: processId -> dashboard id. */
  remoteAgents(): Promise<Map<string, string>>;

  saveJob(job: Job): void;
  deleteJob(id: string): void;
  loadJobs(): Promise<Job[]>;

  /** Queue an analysis; one dashboard runs it, and again elsewhere if that one dies meanwhile. */
  enqueue(item: AnalysisItem): Promise<void>;
  /** Run queued analyses here, one at a time, with `handler`. */
  consume(handler: (item: AnalysisItem) => Promise<void>): void;
  /** Analyses queued and not yet taken by any dashboard (best known). */
  queueLength(): Promise<number>;

  /** A lock held by at most one dashboard (e.g. one capture per host); undefined when taken. Expires after ttlMs unless renewed by taking it again. */
  lock(name: string, ttlMs: number): Promise<Unlock | undefined>;
}

export const newDashboardId = (): string => `d-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;

/** One dashboard alone: events go nowhere, analyses run here in order, locks are in memory. */
export class MemoryState implements SharedState {
  readonly id = newDashboardId();
  readonly shared = false;
  private handler?: (item: AnalysisItem) => Promise<void>;
  private readonly backlog: AnalysisItem[] = [];
  private readonly locks = new Map<string, { token: string; until: number }>();

  async start(): Promise<void> {}
  async close(): Promise<void> {
    this.backlog.length = 0;
  }
  publish(): void {}
  onEvent(): void {}
  onReconnect(): void {}
  saveProcess(): void {}
  async loadProcesses(): Promise<ProcessMeta[]> {
    return [];
  }
  setLocalAgents(): void {}
  async remoteAgents(): Promise<Map<string, string>> {
    return new Map();
  }
  saveJob(): void {}
  deleteJob(): void {}
  async loadJobs(): Promise<Job[]> {
    return [];
  }

  async enqueue(item: AnalysisItem): Promise<void> {
    // The hub's own AnalysisQueue serialises the work; handing it over at once keeps its order.
    if (this.handler) void this.handler(item).catch(() => undefined);
    else this.backlog.push(item);
  }

  consume(handler: (item: AnalysisItem) => Promise<void>): void {
    this.handler = handler;
    for (const item of this.backlog.splice(0)) void handler(item).catch(() => undefined);
  }

  async queueLength(): Promise<number> {
    return this.backlog.length;
  }

  async lock(name: string, ttlMs: number): Promise<Unlock | undefined> {
    const now = Date.now();
    const held = this.locks.get(name);
    if (held && held.until > now) return undefined;
    const token = randomBytes(8).toString('hex');
    this.locks.set(name, { token, until: now + ttlMs });
    return async () => {
      if (this.locks.get(name)?.token === token) this.locks.delete(name);
    };
  }
}
