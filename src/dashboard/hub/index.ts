// The dashboard's state, by concern: agent connections and metrics (agents.ts), commands to
// agents (commands.ts), the job table (jobs.ts), artifact uploads (uploads.ts), analyses in the
// worker (analyses.ts) and the browsers watching (browsers.ts). Routes and sockets call the Hub;
// every change goes to the browsers as one typed message (../messages.ts).
import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import type { WebSocket } from 'ws';
import type { AgentMessage, CommandAction, CostProfileMessage, SnapshotCost } from '../../protocol/index.js';
import type { Job } from '../jobs.js';
import type { Sample } from '../metrics.js';
import type { ArtifactMeta, ProcessMeta, Store } from '../store.js';
import { DEFAULT_LIMITS, type Limits } from '../limits.js';
import type { CaptureRequestMessage, LeakMessage } from '../../protocol/index.js';
import type { FindingStore } from '../findings.js';
import type { DashboardState, OverviewEntry, ProcessView, RemoveProcessResponse, ServerMessage } from '../messages.js';
import { floorSeries } from '../trend.js';
import { Agents } from './agents.js';
import { Analyses } from './analyses.js';
import { Browsers } from './browsers.js';
import { Commands } from './commands.js';
import { JobTable, isFinished } from './jobs.js';
import { HubError } from './errors.js';
import { Uploads } from './uploads.js';
import type { HubEvents, TriggerExtra } from './events.js';
import { MemoryState, type SharedState } from '../fleet/state.js';
import { FleetLink } from '../fleet/link.js';
import { CostProfiles } from '../cost-profiles.js';

export { HubError } from './errors.js';
export type { HubEvents, TriggerExtra } from './events.js';
export type { ProcessView } from '../messages.js';

/** What the hub asks of automatic capture (capture.ts's AutoCapture), so the hub does not import it. */
export interface CaptureHooks {
  readonly findings: FindingStore;
  onLeak(processId: string, leak: LeakMessage): void;
  onRequest(processId: string, req: CaptureRequestMessage): void;
  close(): void;
}

export class Hub {
  readonly events = new EventEmitter<HubEvents>();
  /** Set by the server: runs automatic captures on `leak` and `captureRequest` frames. */
  capture?: CaptureHooks;
  private readonly browsers = new Browsers();
  private readonly table = new JobTable(this.browsers, this.events);
  private readonly agents: Agents;
  private readonly commands: Commands;
  private readonly analyses: Analyses;
  private readonly uploads: Uploads;
  /** The other dashboards (nothing when alone). */
  readonly fleet: FleetLink;
  /** Per project, what its processes' snapshots cost (open() it before agents connect). */
  readonly costProfiles: CostProfiles;

  constructor(
    readonly store: Store,
    readonly limits: Limits = DEFAULT_LIMITS,
    readonly shared: SharedState = new MemoryState(),
  ) {
    this.costProfiles = new CostProfiles(store.blobs);
    this.agents = new Agents(store, this.browsers, this.events, {
      onFrame: (processId, msg, onLog) => this.onAgentFrame(processId, msg, onLog),
      onGone: (processId) => this.commands.onGone(processId),
      greeting: (project) => {
        const samples = this.costProfiles.get(project);
        return samples ? [{ type: 'costProfile', project, samples }] : [];
      },
    });
    this.fleet = new FleetLink(shared, {
      store,
      jobs: this.table.jobs,
      broadcastLocal: (msg) => this.browsers.broadcastLocal(msg as ServerMessage),
      view: (p) => this.agents.view(p),
      addSample: (id, sample, forecast) => this.agents.addSample(id, sample, forecast),
      localAgentIds: () => this.agents.localIds(),
      sendLocal: (id, cmd) => {
        const socket = this.agents.socket(id);
        socket?.send(JSON.stringify(cmd));
        return !!socket;
      },
      jobFromPeer: (job) => void this.table.fromPeer(job),
      failJob: (job, reason) => this.table.fail(job, reason),
      findings: () => this.capture?.findings,
      costProfile: (project, samples) => {
        const valid = this.costProfiles.apply(project, samples);
        if (valid) this.agents.sendToProject(project, { type: 'costProfile', project, samples: valid });
      },
    });
    this.browsers.onBroadcast = (msg) => this.fleet.published(msg);
    this.agents.remoteLive = (id) => this.fleet.isRemoteLive(id);
    this.commands = new Commands(store, this.agents, this.table, this.fleet);
    this.analyses = new Analyses(store, this.table, this.browsers, shared);
    this.uploads = new Uploads(store, limits, this.table, this.browsers, this.analyses, (id) => this.agents.lastSample(id)?.heapUsed);
  }

  private onAgentFrame(processId: string, msg: AgentMessage, onLog: (line: string) => void): void {
    if (msg.type === 'leak') {
      if (msg.detector && typeof msg.detector.bytesPerMinute === 'number') this.capture?.onLeak(processId, msg);
    } else if (msg.type === 'captureRequest') this.capture?.onRequest(processId, msg);
    else {
      if (msg.type === 'result' && msg.cost && typeof msg.cost === 'object') void this.learnCost(processId, msg.cost).catch((err: unknown) => onLog(`cost profile not saved: ${String(err)}`));
      this.commands.onFrame(processId, msg, onLog);
    }
  }

  /** A measured snapshot joins its project's cost profile, which goes to the project's agents here and elsewhere. */
  private async learnCost(processId: string, cost: SnapshotCost): Promise<void> {
    const project = this.store.processes.get(processId)?.project;
    if (!project) return;
    const samples = await this.costProfiles.record(project, cost);
    if (!samples) return;
    const msg: CostProfileMessage = { type: 'costProfile', project, samples };
    this.agents.sendToProject(project, msg);
    this.shared.publish(msg);
  }

  // ------------------------------------------------------------------ state

  get jobs(): Map<string, Job> {
    return this.table.jobs;
  }

  get queue(): Analyses['queue'] {
    return this.analyses.queue;
  }

  state(): DashboardState {
    return {
      findings: this.capture?.findings.list() ?? [],
      settings: this.capture?.findings.allSettings() ?? {},
      processes: [...this.store.processes.values()].map((p) => this.view(p)),
      jobs: [...this.table.jobs.values()],
      artifacts: [...this.store.artifacts.values()],
      reports: [...this.store.reports.values()],
    };
  }

  view(p: ProcessMeta): ProcessView {
    return this.agents.view(p);
  }

  isLive(processId: string): boolean {
    return this.agents.isLive(processId);
  }

  samples(processId: string): Sample[] {
    return this.agents.samples(processId);
  }

  /** Metrics history from before a restart (metrics-log.ts). */
  restoreSamples(history: Map<string, Sample[]>): void {
    this.agents.restore(history);
  }

  /** Joins the other dashboards sharing `shared` and starts taking analyses from the queue. */
  async joinFleet(): Promise<void> {
    await this.fleet.start();
    this.shared.consume((item) => this.analyses.run(item));
  }

  sweepMetrics(now = Date.now()): void {
    this.agents.sweepMetrics(now);
  }

  get agentCount(): number {
    return this.agents.count;
  }

  get browserCount(): number {
    return this.browsers.count;
  }

  /** Frames not sent to a browser that was backed up (over 4 MB unsent). */
  get droppedFrames(): number {
    return this.browsers.droppedFrames;
  }

  /** Live processes of a project (cluster workers only, when it is a cluster: the primary serves no requests). */
  projectProcessCount(project: string): number {
    const live = [...this.store.processes.values()].filter((p) => p.project === project && this.agents.isLive(p.id));
    const workers = live.filter((p) => p.clusterWorkerId !== undefined);
    return workers.length > 0 ? workers.length : live.length;
  }

  /** The home page's overview: each process's heap floor over the last hour. */
  overview(): OverviewEntry[] {
    return [...this.store.processes.keys()].map((id) => ({ processId: id, heap: floorSeries(this.agents.samples(id)) }));
  }

  /** Removes a gone process with its snapshots, profiles and reports. */
  async removeProcess(processId: string): Promise<RemoveProcessResponse> {
    if (!this.store.processes.has(processId)) throw new HubError(404, 'unknown process');
    if (this.agents.isLive(processId)) throw new HubError(409, 'the process is connected: only a gone process can be removed');
    const running = [...this.table.jobs.values()].find((j) => j.processId === processId && !isFinished(j));
    if (running) throw new HubError(409, `a ${running.action} job of this process is still running`);
    const removed = await this.store.removeProcess(processId);
    this.agents.forget(processId);
    for (const j of [...this.table.jobs.values()]) if (j.processId === processId) this.table.discard(j);
    this.browsers.broadcast({ type: 'processRemoved', processId, ...removed });
    return { processId, ...removed };
  }

  // ------------------------------------------------------------------ connections

  addBrowser(socket: WebSocket): void {
    this.browsers.add(socket, { type: 'state', ...this.state() });
  }

  /** Sends a message to every browser (findings, settings). */
  push(msg: ServerMessage): void {
    this.browsers.broadcast(msg);
  }

  addAgent(socket: WebSocket, onLog: (msg: string) => void): void {
    this.agents.add(socket, onLog);
  }

  // ------------------------------------------------------------------ jobs

  /** MEM / CPU / ALLOC: send the command to the agent; progress arrives over its socket. */
  trigger(processId: string, action: CommandAction, seconds?: number, extra: TriggerExtra = {}): Job {
    return this.commands.trigger(processId, action, seconds, extra);
  }

  /** Resolves with the job once it is ready or failed. */
  waitJob(jobId: string): Promise<Job> {
    return this.table.wait(jobId);
  }

  receiveUpload(jobId: string, agentId: string | undefined, kind: string | undefined, length: number | undefined, body: Readable): Promise<ArtifactMeta> {
    return this.uploads.receive(jobId, agentId, kind, length, body);
  }

  analyzeArtifact(artifactId: string): Job {
    return this.analyses.analyzeArtifact(artifactId);
  }

  compare(artifactIds: string[], source?: Job['source']): Job {
    return this.analyses.compare(artifactIds, source);
  }

  retainerPath(reportId: string, nodeId: number): Promise<unknown> {
    return this.analyses.retainerPath(reportId, nodeId);
  }

  async close(): Promise<void> {
    this.fleet.close();
    this.capture?.close();
    this.commands.close();
    this.agents.close();
    this.browsers.close();
    await this.analyses.close();
    await Promise.all([...this.store.processes.values()].map((p) => this.store.saveProcess(p).catch(() => undefined)));
  }
}
