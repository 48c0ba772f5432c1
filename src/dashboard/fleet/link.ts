// One dashboard's side of the fleet: what happens here goes to the other dashboards (every message
// this dashboard pushes to its browsers is also published), what happens there is applied here
// (registry, metrics rings, jobs, artifacts, reports, findings) and pushed to this dashboard's
// browsers; commands for an agent held by another dashboard are forwarded to it. Alone
// (MemoryState) nothing is published and nothing arrives.
import type { CommandMessage, SnapshotForecast } from '../../protocol/index.js';
import type { Job } from '../jobs.js';
import type { Sample } from '../metrics.js';
import type { ArtifactMeta, ProcessMeta, ReportMeta, Store } from '../store.js';
import type { Finding, FindingStore, ProjectSettings } from '../findings.js';
import type { FleetEvent, SharedState } from './state.js';

/** What the hub lets the link see and do. */
interface FleetHost {
  readonly store: Store;
  readonly jobs: Map<string, Job>;
  /** To this dashboard's browsers only (not published again). */
  broadcastLocal(msg: unknown): void;
  view(p: ProcessMeta): unknown;
  /** A metrics sample of a process whose agent is on another dashboard. */
  addSample(processId: string, sample: Sample, forecast?: SnapshotForecast): void;
  /** Processes whose agent is connected here. */
  localAgentIds(): string[];
  /** Sends a command to an agent connected here; false when it is not. */
  sendLocal(processId: string, cmd: CommandMessage): boolean;
  /** A job changed on another dashboard: merge into ours and wake whoever waits on it. */
  jobFromPeer(job: Job): void;
  failJob(job: Job, reason: string): void;
  findings(): FindingStore | undefined;
  /** A project's cost profile recorded by another dashboard. */
  costProfile(project: string, samples: unknown): void;
}

/** Browser messages that are also fleet events (the process view is cut back to its metadata). */
function toEvent(msg: { type?: string } & Record<string, unknown>): FleetEvent | undefined {
  switch (msg.type) {
    case 'process': {
      const { live, last: _s, snapshotForecast: _f, ...meta } = msg.process as ProcessMeta & { live?: boolean; last?: Sample; snapshotForecast?: unknown };
      return { type: 'process', process: meta, live: !!live };
    }
    case 'metrics':
    case 'job':
    case 'artifact':
    case 'artifactDeleted':
    case 'report':
    case 'reportDeleted':
    case 'finding':
    case 'settings':
      return msg as unknown as FleetEvent;
    default:
      return undefined;
  }
}

export class FleetLink {
  /** processId -> dashboard holding its agent, for agents that are not here. */
  private remote = new Map<string, string>();
  private readonly savedState = new Map<string, string>();
  private timer?: NodeJS.Timeout;
  private refreshing = false;

  constructor(
    readonly shared: SharedState,
    private readonly host: FleetHost,
    private readonly refreshMs = 2000,
  ) {}

  get enabled(): boolean {
    return this.shared.shared;
  }

  /** Loads what the others know and starts following them. */
  async start(): Promise<void> {
    if (!this.enabled) return;
    const { store, jobs } = this.host;
    for (const p of await this.shared.loadProcesses()) {
      const mine = store.processes.get(p.id);
      if (!mine || mine.lastSeen < p.lastSeen) store.processes.set(p.id, p);
    }
    for (const j of await this.shared.loadJobs()) if (!jobs.has(j.id)) jobs.set(j.id, j);
    this.shared.onEvent((ev, from) => void this.apply(ev, from));
    this.shared.onReconnect(() => {
      for (const id of this.host.localAgentIds()) {
        const p = store.processes.get(id);
        if (p) this.shared.saveProcess(p);
      }
      void this.refresh();
    });
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.refreshMs);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
  }

  /** The dashboard holding the agent of a process that is not connected here. */
  ownerOf(processId: string): string | undefined {
    return this.remote.get(processId);
  }

  isRemoteLive(processId: string): boolean {
    return this.remote.has(processId);
  }

  /** Called for every message pushed to this dashboard's browsers. */
  published(msg: unknown): void {
    if (!this.enabled) return;
    const ev = toEvent(msg as { type?: string } & Record<string, unknown>);
    if (!ev) return;
    if (ev.type === 'process') {
      // Registered before the event goes out (same connection, in order): whoever hears of the
      // process can send it a command at once.
      this.shared.setLocalAgents(this.host.localAgentIds());
      this.shared.saveProcess(ev.process);
    }
    this.shared.publish(ev);
    // The job list in Redis follows state changes, not every progress tick.
    if (ev.type === 'job' && this.savedState.get(ev.job.id) !== ev.job.state) {
      this.savedState.set(ev.job.id, ev.job.state);
      this.shared.saveJob(ev.job);
    }
  }

  /** Sends MEM/CPU/ALLOC to the dashboard holding the process's agent. */
  forward(processId: string, cmd: CommandMessage, job: Job): boolean {
    const to = this.remote.get(processId);
    if (!to) return false;
    this.shared.publish({ type: 'command', to, processId, command: cmd, job });
    return true;
  }

  /** Agents here go to the registry; agents elsewhere are learnt (and their liveness pushed when it changes). */
  private async refresh(): Promise<void> {
    if (this.refreshing) return;
    this.refreshing = true;
    try {
      const local = this.host.localAgentIds();
      this.shared.setLocalAgents(local);
      const next = await this.shared.remoteAgents();
      for (const id of local) next.delete(id);
      const changed = new Set<string>();
      for (const id of next.keys()) if (!this.remote.has(id)) changed.add(id);
      for (const id of this.remote.keys()) if (!next.has(id)) changed.add(id);
      this.remote = next;
      for (const id of changed) {
        let p = this.host.store.processes.get(id);
        if (!p) {
          p = await this.host.store.readMeta('processes', id);
          if (p) this.host.store.processes.set(id, p);
        }
        if (p) this.host.broadcastLocal({ type: 'process', process: this.host.view(p) });
      }
    } catch {
      // Redis away: keep what we knew
    } finally {
      this.refreshing = false;
    }
  }

  private async apply(ev: FleetEvent, from: string): Promise<void> {
    const { store } = this.host;
    switch (ev.type) {
      case 'process': {
        store.processes.set(ev.process.id, ev.process);
        if (ev.live && !this.host.localAgentIds().includes(ev.process.id)) this.remote.set(ev.process.id, from);
        else if (!ev.live && this.remote.get(ev.process.id) === from) this.remote.delete(ev.process.id);
        this.host.broadcastLocal({ type: 'process', process: this.host.view(ev.process) });
        return;
      }
      case 'metrics': {
        const p = store.processes.get(ev.processId);
        if (p) p.lastSeen = Math.max(p.lastSeen, ev.sample.t);
        this.host.addSample(ev.processId, ev.sample, ev.snapshotForecast);
        this.host.broadcastLocal(ev);
        return;
      }
      case 'job':
        this.host.jobFromPeer(ev.job);
        return;
      case 'artifact':
        store.artifacts.set(ev.artifact.id, ev.artifact as ArtifactMeta);
        this.host.broadcastLocal(ev);
        return;
      case 'report':
        store.reports.set(ev.report.id, ev.report as ReportMeta);
        this.host.broadcastLocal(ev);
        return;
      case 'artifactDeleted':
        store.artifacts.delete(ev.id);
        this.host.broadcastLocal(ev);
        return;
      case 'reportDeleted':
        store.reports.delete(ev.id);
        this.host.broadcastLocal(ev);
        return;
      case 'finding':
        this.host.findings()?.findings.set(ev.finding.signature, ev.finding as Finding);
        this.host.broadcastLocal(ev);
        return;
      case 'settings':
        this.host.findings()?.applySettings(ev.project, ev.settings as ProjectSettings);
        this.host.broadcastLocal(ev);
        return;
      case 'costProfile':
        this.host.costProfile(ev.project, ev.samples);
        return;
      case 'command': {
        if (ev.to !== this.shared.id) return;
        if (!this.host.jobs.has(ev.job.id)) this.host.jobFromPeer(ev.job);
        const job = this.host.jobs.get(ev.job.id)!;
        if (!this.host.sendLocal(ev.processId, ev.command)) this.host.failJob(job, 'the process is not connected');
        return;
      }
    }
  }
}
