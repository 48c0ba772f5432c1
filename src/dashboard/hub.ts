// The dashboard's state: known processes (persisted), live agent connections, metrics rings, jobs
// and the browsers watching them. Routes and sockets call into the Hub; the Hub pushes every
// change to the browsers as one small JSON message.
import { EventEmitter } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rm, stat, statfs } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import type { WebSocket } from 'ws';
import {
  ACTION_KIND,
  PROTOCOL_VERSION,
  checkCommand,
  type AgentMessage,
  type ArtifactKind,
  type CommandAction,
  type CommandMessage,
  type CommandOptions,
  type HelloMessage,
  type SnapshotForecast,
  type WelcomeMessage,
} from '../protocol/index.js';
import { Store, type ArtifactMeta, type ProcessMeta, type ReportMeta } from './store.js';
import { METRICS_CAPACITY, Ring, toSample, type Sample } from './metrics.js';
import { AnalysisQueue, type Job, type JobAction, type JobState } from './jobs.js';
import { VERSION } from '../version.js';
import { DEFAULT_LIMITS, type Limits } from './limits.js';
import type { AutoCapture } from './capture.js';
import type { Finding, ProjectSettings } from './findings.js';

/** How a job was started when nobody clicked: the leak detector, a signal, the heap-limit watch. */
export interface TriggerExtra {
  options?: CommandOptions;
  source?: Job['source'];
  /** Analyse the snapshot on its own once uploaded (default true; a capture analyses them together). */
  analyze?: boolean;
}

interface AgentConn {
  socket: WebSocket;
  processId: string;
}

export interface ProcessView extends ProcessMeta {
  live: boolean;
  last?: Sample;
  /** The agent's latest prediction for MEM, with the last snapshot's measured cost. */
  snapshotForecast?: SnapshotForecast;
}

/** A clear, user-facing failure (HTTP 4xx), never a stack trace. */
export class HubError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const MAX_JOBS = 300;
const METRICS_KEEP_DEAD_MS = 3600_000;
const ACCEPT_TIMEOUT_MS = 30_000;
/** How often (bytes received) a streaming upload re-checks the disk floor. */
const DISK_CHECK_BYTES = 64 * 1024 * 1024;
const AGENT_STATES: JobState[] = ['queued', 'snapshot', 'profiling', 'uploading'];

const formatBytes = (n: number): string =>
  n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(1)} GiB` : n >= 1024 ** 2 ? `${(n / 1024 ** 2).toFixed(1)} MiB` : `${n} bytes`;

const safeId = (s: string): string => s.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 64);

/** What exporters (the Prometheus endpoint) follow. */
export interface HubEvents {
  /** Every message of a connected agent after its hello. */
  agentMessage: [processId: string, msg: AgentMessage];
  /** A job changed state. */
  job: [job: Job];
}

export class Hub {
  readonly queue = new AnalysisQueue();
  readonly jobs = new Map<string, Job>();
  private readonly agents = new Map<string, AgentConn>();
  private readonly metrics = new Map<string, Ring<Sample>>();
  private readonly forecasts = new Map<string, SnapshotForecast>();
  private readonly ui = new Set<WebSocket>();
  private readonly uploading = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly lastPush = new Map<string, number>();
  readonly events = new EventEmitter<HubEvents>();
  /** Frames not sent to a browser that was backed up (over 4 MB unsent). */
  droppedFrames = 0;
  /** Set by the server: runs automatic captures on `leak` and `captureRequest` frames. */
  capture?: AutoCapture;

  constructor(
    readonly store: Store,
    readonly limits: Limits = DEFAULT_LIMITS,
  ) {
    // Metrics of processes gone for an hour are dropped, so short-lived workers cannot pile up rings.
    const sweep = setInterval(() => this.sweepMetrics(), 60_000);
    sweep.unref();
    this.timers.add(sweep);
  }

  sweepMetrics(now = Date.now()): void {
    for (const id of this.metrics.keys()) {
      const p = this.store.processes.get(id);
      if (!this.agents.has(id) && (!p || now - p.lastSeen > METRICS_KEEP_DEAD_MS)) this.metrics.delete(id);
    }
  }

  // ------------------------------------------------------------------ browsers

  addBrowser(socket: WebSocket): void {
    this.ui.add(socket);
    socket.on('close', () => this.ui.delete(socket));
    socket.on('error', () => this.ui.delete(socket));
    this.sendTo(socket, { type: 'state', ...this.state() });
  }

  state(): { processes: ProcessView[]; jobs: Job[]; artifacts: ArtifactMeta[]; reports: ReportMeta[]; findings: Finding[]; settings: Record<string, ProjectSettings> } {
    return {
      findings: this.capture?.findings.list() ?? [],
      settings: this.capture?.findings.allSettings() ?? {},
      processes: [...this.store.processes.values()].map((p) => this.view(p)),
      jobs: [...this.jobs.values()],
      artifacts: [...this.store.artifacts.values()],
      reports: [...this.store.reports.values()],
    };
  }

  view(p: ProcessMeta): ProcessView {
    const ring = this.metrics.get(p.id);
    const all = ring?.toArray();
    return { ...p, live: this.agents.has(p.id), last: all?.[all.length - 1], snapshotForecast: this.forecasts.get(p.id) };
  }

  isLive(processId: string): boolean {
    return this.agents.has(processId);
  }

  get agentCount(): number {
    return this.agents.size;
  }

  get browserCount(): number {
    return this.ui.size;
  }

  samples(processId: string): Sample[] {
    return this.metrics.get(processId)?.toArray() ?? [];
  }

  private sendTo(socket: WebSocket, msg: unknown): void {
    // A slow browser must not make us buffer without bound: skip frames while it is backed up.
    if (socket.readyState === 1 && socket.bufferedAmount < 4 * 1024 * 1024) socket.send(JSON.stringify(msg));
    else if (socket.readyState === 1) this.droppedFrames++;
  }

  /** Sends a message to every browser (findings, settings). */
  push(msg: unknown): void {
    this.broadcast(msg);
  }

  private broadcast(msg: unknown): void {
    if (this.ui.size === 0) return;
    const text = JSON.stringify(msg);
    for (const s of this.ui) {
      if (s.readyState === 1 && s.bufferedAmount < 4 * 1024 * 1024) s.send(text);
      else if (s.readyState === 1) this.droppedFrames++;
    }
  }

  // ------------------------------------------------------------------ agents

  addAgent(socket: WebSocket, onLog: (msg: string) => void): void {
    let processId: string | undefined;
    const helloTimer = setTimeout(() => {
      if (!processId) socket.close(4000, 'expected hello');
    }, 10_000);
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) return;
      let msg: AgentMessage;
      try {
        msg = JSON.parse(data.toString('utf8')) as AgentMessage;
      } catch {
        return;
      }
      if (!msg || typeof msg !== 'object') return;
      if (msg.type === 'hello') {
        clearTimeout(helloTimer);
        processId = this.onHello(socket, msg);
        return;
      }
      if (!processId) return;
      this.onAgentMessage(processId, msg, onLog);
      this.events.emit('agentMessage', processId, msg);
    });
    const gone = (): void => {
      clearTimeout(helloTimer);
      if (processId) this.onAgentGone(processId, socket);
    };
    socket.on('close', gone);
    socket.on('error', gone);
  }

  private onHello(socket: WebSocket, h: HelloMessage): string | undefined {
    const id = safeId(String(h.agentId ?? ''));
    if (!id || typeof h.pid !== 'number') {
      socket.close(4001, 'bad hello');
      return undefined;
    }
    const prev = this.agents.get(id);
    if (prev && prev.socket !== socket) prev.socket.close(4002, 'replaced by a new connection');
    this.agents.set(id, { socket, processId: id });
    const now = Date.now();
    const old = this.store.processes.get(id);
    const meta: ProcessMeta = {
      id,
      project: String(h.project || 'unknown'),
      hostname: String(h.hostname || 'unknown'),
      pid: h.pid,
      ppid: Number(h.ppid) || 0,
      thread: String(h.thread || 'main'),
      clusterWorkerId: typeof h.clusterWorkerId === 'number' ? h.clusterWorkerId : undefined,
      isPrimary: h.isPrimary !== false,
      nodeVersion: String(h.nodeVersion || ''),
      argv: Array.isArray(h.argv) ? h.argv.map(String).slice(0, 50) : [],
      startTime: Number(h.startTime) || now,
      heapLimit: Number(h.heapLimit) || 0,
      cgroupLimit: typeof h.cgroupLimit === 'number' ? h.cgroupLimit : undefined,
      firstSeen: old?.firstSeen ?? now,
      lastSeen: now,
    };
    void this.store.saveProcess(meta).catch(() => undefined);
    const welcome: WelcomeMessage = { type: 'welcome', protocol: PROTOCOL_VERSION, serverVersion: VERSION };
    socket.send(JSON.stringify(welcome));
    this.broadcast({ type: 'process', process: this.view(meta) });
    return id;
  }

  private onAgentMessage(processId: string, msg: AgentMessage, onLog: (msg: string) => void): void {
    switch (msg.type) {
      case 'metrics': {
        let ring = this.metrics.get(processId);
        if (!ring) this.metrics.set(processId, (ring = new Ring(METRICS_CAPACITY)));
        const sample = toSample(msg);
        ring.push(sample);
        const p = this.store.processes.get(processId);
        if (p) p.lastSeen = Date.now();
        const forecast = msg.snapshotForecast && typeof msg.snapshotForecast === 'object' ? msg.snapshotForecast : undefined;
        if (forecast) this.forecasts.set(processId, forecast);
        this.broadcast({ type: 'metrics', processId, sample, snapshotForecast: forecast });
        return;
      }
      case 'leak':
        if (msg.detector && typeof msg.detector.bytesPerMinute === 'number') this.capture?.onLeak(processId, msg);
        return;
      case 'captureRequest':
        this.capture?.onRequest(processId, msg);
        return;
      case 'accepted': {
        const job = this.jobs.get(msg.id);
        if (job && job.processId === processId && job.state === 'queued') {
          this.update(job, { state: job.action === 'heapSnapshot' ? 'snapshot' : 'profiling', percent: undefined });
        }
        return;
      }
      case 'progress': {
        const job = this.jobs.get(msg.id);
        if (!job || job.processId !== processId || !AGENT_STATES.includes(job.state)) return;
        if (msg.stage === 'uploading') {
          if (this.uploading.has(job.id)) return; // our own byte count is authoritative
          const pct = msg.total ? Math.floor(((msg.bytes ?? 0) / msg.total) * 100) : msg.percent;
          this.update(job, { state: 'uploading', percent: pct });
        } else {
          this.update(job, { state: msg.stage === 'snapshot' ? 'snapshot' : 'profiling', percent: msg.percent });
        }
        return;
      }
      case 'result': {
        const job = this.jobs.get(msg.id);
        if (job && job.processId === processId && msg.cost && typeof msg.cost === 'object') this.update(job, { cost: msg.cost });
        if (job && job.processId === processId && !job.artifactId && job.state !== 'failed' && !this.uploading.has(job.id)) {
          this.fail(job, 'the agent reported success but no upload arrived');
        }
        return;
      }
      case 'error': {
        const job = msg.id ? this.jobs.get(msg.id) : undefined;
        if (job && job.processId === processId) {
          if (job.state !== 'ready' && job.state !== 'failed') this.fail(job, `${msg.code}: ${msg.message}`);
        } else onLog(`agent ${processId}: ${msg.code}: ${msg.message}`);
        return;
      }
      default:
        return;
    }
  }

  private onAgentGone(processId: string, socket: WebSocket): void {
    const conn = this.agents.get(processId);
    if (!conn || conn.socket !== socket) return;
    this.agents.delete(processId);
    const p = this.store.processes.get(processId);
    if (p) {
      p.lastSeen = Date.now();
      void this.store.saveProcess(p).catch(() => undefined);
      this.broadcast({ type: 'process', process: this.view(p) });
    }
    for (const job of this.jobs.values()) {
      if (job.processId === processId && AGENT_STATES.includes(job.state) && !this.uploading.has(job.id) && !job.artifactId) {
        this.fail(job, 'the process disconnected before the artifact arrived');
      }
    }
  }

  // ------------------------------------------------------------------ jobs

  private newJob(processId: string, action: JobAction, extra: Partial<Job> = {}): Job {
    const now = Date.now();
    const job: Job = { id: `${now.toString(36)}-${randomBytes(6).toString('hex')}`, processId, action, state: 'queued', createdAt: now, updatedAt: now, ...extra };
    this.jobs.set(job.id, job);
    if (this.jobs.size > MAX_JOBS) {
      for (const [id, j] of this.jobs) {
        if (this.jobs.size <= MAX_JOBS) break;
        if (j.state === 'ready' || j.state === 'failed') {
          this.jobs.delete(id);
          this.lastPush.delete(id);
        }
      }
    }
    this.broadcast({ type: 'job', job });
    return job;
  }

  private update(job: Job, patch: Partial<Job>): void {
    const stateChanged = patch.state !== undefined && patch.state !== job.state;
    Object.assign(job, patch, { updatedAt: Date.now() });
    if (job.state === 'ready') job.elapsedMs = job.updatedAt - job.createdAt;
    if (stateChanged) this.events.emit('job', job);
    // Progress ticks are throttled; state changes always go out.
    const last = this.lastPush.get(job.id) ?? 0;
    if (!stateChanged && job.updatedAt - last < 150 && job.state !== 'ready' && job.state !== 'failed') return;
    this.lastPush.set(job.id, job.updatedAt);
    this.broadcast({ type: 'job', job });
  }

  /** Resolves with the job once it is ready or failed. */
  waitJob(jobId: string): Promise<Job> {
    return new Promise((resolve, reject) => {
      const now = this.jobs.get(jobId);
      if (!now) return reject(new Error(`unknown job ${jobId}`));
      if (now.state === 'ready' || now.state === 'failed') return resolve(now);
      const on = (j: Job): void => {
        if (j.id !== jobId || (j.state !== 'ready' && j.state !== 'failed')) return;
        this.events.off('job', on);
        resolve(j);
      };
      this.events.on('job', on);
    });
  }

  /** Live processes of a project (cluster workers only, when it is a cluster: the primary serves no requests). */
  projectProcessCount(project: string): number {
    const live = [...this.store.processes.values()].filter((p) => p.project === project && this.agents.has(p.id));
    const workers = live.filter((p) => p.clusterWorkerId !== undefined);
    return workers.length > 0 ? workers.length : live.length;
  }

  private fail(job: Job, reason: string): void {
    this.update(job, { state: 'failed', error: reason, percent: undefined });
    this.lastPush.delete(job.id);
  }

  /** MEM / CPU / ALLOC: send the command to the agent; progress arrives over its socket. */
  trigger(processId: string, action: CommandAction, seconds?: number, extra: TriggerExtra = {}): Job {
    const conn = this.agents.get(processId);
    if (!this.store.processes.has(processId)) throw new HubError(404, `unknown process ${processId}`);
    if (!conn) throw new HubError(409, 'the process is not connected');
    const busy = [...this.jobs.values()].find((j) => j.processId === processId && AGENT_STATES.includes(j.state));
    if (busy) throw new HubError(409, `the process is busy with ${busy.action} (${busy.state})`);
    const options = seconds !== undefined && action !== 'heapSnapshot' ? { seconds, ...extra.options } : extra.options;
    const cmd: CommandMessage = { type: 'command', id: '', action, options };
    const job = this.newJob(processId, action, { seconds: cmd.options?.seconds, source: extra.source, analyze: extra.analyze === false ? false : undefined });
    cmd.id = job.id;
    const invalid = checkCommand(cmd);
    if (invalid) {
      this.jobs.delete(job.id);
      throw new HubError(400, invalid);
    }
    conn.socket.send(JSON.stringify(cmd));
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      // 'queued' also means queued for analysis once the upload is in: only no answer at all fails.
      if (job.state === 'queued' && !job.artifactId && !this.uploading.has(job.id)) this.fail(job, 'the agent did not answer the command');
    }, ACCEPT_TIMEOUT_MS);
    timer.unref();
    this.timers.add(timer);
    return job;
  }

  /**
   * `POST /api/uploads/<job id>`: stream the body to `<file>.partial` (TCP back-pressure, nothing
   * buffered whole), then rename. Only the agent the command was sent to may upload, once.
   */
  async receiveUpload(jobId: string, agentId: string | undefined, kind: string | undefined, length: number | undefined, body: Readable): Promise<ArtifactMeta> {
    const job = this.jobs.get(jobId);
    if (!job || !('heapSnapshot cpuProfile samplingHeapProfile'.split(' ') as string[]).includes(job.action)) throw new HubError(404, 'no such command');
    if (agentId !== undefined && safeId(agentId) !== job.processId) throw new HubError(403, 'this command was sent to another agent');
    if (job.artifactId || this.uploading.has(job.id) || job.state === 'failed') throw new HubError(409, 'this command already has an upload');
    const expected: ArtifactKind = ACTION_KIND[job.action as CommandAction];
    if (kind !== undefined && kind !== expected) throw new HubError(400, `expected a ${expected} upload, got ${kind}`);
    this.uploading.add(job.id);
    const refusal = await this.uploadRefusal(length);
    if (refusal) {
      // The job fails with the reason the user sees; the agent gets it in the response.
      this.uploading.delete(job.id);
      this.fail(job, refusal.message);
      throw refusal;
    }
    const { meta, partial } = this.store.planArtifact(job.processId, expected);
    const { uploadIdleMs, maxUploadBytes } = this.limits;
    let received = 0;
    let nextDiskCheck = DISK_CHECK_BYTES;
    // An upload that makes no progress for uploadIdleMs fails, so the process is free again.
    let idle: NodeJS.Timeout | undefined;
    const armIdle = (): void => {
      clearTimeout(idle);
      idle = setTimeout(() => counter.destroy(new Error(`no data for ${Math.round(uploadIdleMs / 1000)} s (stalled)`)), uploadIdleMs);
    };
    const counter = new Transform({
      transform: (chunk: Buffer, _enc, cb) => {
        armIdle();
        received += chunk.length;
        if (received > maxUploadBytes) return cb(new Error(`over the dashboard's upload limit of ${formatBytes(maxUploadBytes)} (HEAPSCOPE_MAX_UPLOAD_MB)`));
        if (length) this.update(job, { state: 'uploading', percent: Math.floor((received / length) * 100) });
        if (received < nextDiskCheck) return cb(null, chunk);
        // Without a declared length (or if something else fills the disk) check the floor as we go.
        nextDiskCheck = received + DISK_CHECK_BYTES;
        this.freeBytes().then(
          (free) => cb(free !== undefined && free < this.limits.minFreeBytes ? new Error(this.diskMessage(free)) : null, chunk),
          () => cb(null, chunk),
        );
      },
    });
    this.update(job, { state: 'uploading', percent: 0 });
    armIdle();
    try {
      await pipeline(body, counter, createWriteStream(partial, { flags: 'wx', mode: 0o600 }));
      if (length !== undefined && received !== length) throw new Error(`received ${received} of ${length} bytes`);
      if (received === 0) throw new Error('empty upload');
      meta.size = (await stat(partial)).size;
      await this.store.commitArtifact(meta, partial);
    } catch (err) {
      clearTimeout(idle);
      // A stalled or refused body must not keep its connection: the client may never send the rest.
      body.destroy();
      await rm(partial, { force: true });
      this.uploading.delete(job.id);
      this.fail(job, `upload interrupted: ${(err as Error).message}`);
      throw new HubError(400, `upload failed: ${(err as Error).message}`);
    }
    clearTimeout(idle);
    this.uploading.delete(job.id);
    this.broadcast({ type: 'artifact', artifact: meta });
    if (meta.kind === 'heapsnapshot' && job.analyze !== false) {
      this.update(job, { artifactId: meta.id, state: 'queued', percent: undefined });
      void this.analyze(job, meta);
    } else {
      this.update(job, { artifactId: meta.id, state: 'ready', percent: undefined });
    }
    return meta;
  }

  /** Why an upload of `length` bytes is refused before reading it (413 too big, 507 disk floor). */
  private async uploadRefusal(length: number | undefined): Promise<HubError | undefined> {
    const { maxUploadBytes, minFreeBytes } = this.limits;
    if (length !== undefined && length > maxUploadBytes) {
      return new HubError(413, `the upload (${formatBytes(length)}) is over the dashboard's limit of ${formatBytes(maxUploadBytes)} (HEAPSCOPE_MAX_UPLOAD_MB)`);
    }
    const free = await this.freeBytes();
    if (free !== undefined && free - (length ?? 0) < minFreeBytes) return new HubError(507, this.diskMessage(free, length));
    return undefined;
  }

  private diskMessage(free: number, length?: number): string {
    const need = length === undefined ? '' : ` a ${formatBytes(length)} upload would leave`;
    return `not enough disk space for the dashboard's data directory (${this.store.dir}):${need || ''} ${formatBytes(Math.max(0, free - (length ?? 0)))} free, under the floor of ${formatBytes(this.limits.minFreeBytes)} (HEAPSCOPE_MIN_FREE_MB)`;
  }

  /** Free bytes on the data directory's file system for an unprivileged writer (undefined if unknown). */
  private async freeBytes(): Promise<number | undefined> {
    try {
      const s = await statfs(this.store.dir);
      return s.bavail * s.bsize;
    } catch {
      return undefined;
    }
  }

  /** Re-run analysis of a stored snapshot (e.g. one whose analysis a restart interrupted). */
  analyzeArtifact(artifactId: string): Job {
    const a = this.store.artifacts.get(artifactId);
    if (!a) throw new HubError(404, 'unknown artifact');
    if (a.kind !== 'heapsnapshot') throw new HubError(400, 'only heap snapshots are analysed');
    const job = this.newJob(a.processId, 'analyze', { artifactId: a.id });
    void this.analyze(job, a);
    return job;
  }

  private async analyze(job: Job, a: ArtifactMeta): Promise<void> {
    const report = this.store.planReport(a.processId, 'heap', [a.id], `Heap snapshot ${new Date(a.createdAt).toISOString()}`);
    try {
      await this.queue.run({ mode: 'analyze', files: [this.store.artifactFile(a)], out: this.store.reportFile(report) }, (state, percent) =>
        this.update(job, { state, percent }),
      );
      await this.store.saveReportMeta(report);
      a.reportId = report.id;
      await this.store.saveArtifact(a);
      this.broadcast({ type: 'report', report });
      this.broadcast({ type: 'artifact', artifact: a });
      this.update(job, { state: 'ready', reportId: report.id, percent: undefined });
    } catch (err) {
      await rm(this.store.reportFile(report), { force: true });
      this.fail(job, `analysis failed: ${(err as Error).message}`);
    }
  }

  /** Comparison of two snapshots of one process, or growth across 3+ (in time order). */
  compare(artifactIds: string[], source?: Job['source']): Job {
    if (!Array.isArray(artifactIds) || artifactIds.length < 2) throw new HubError(400, 'select at least two heap snapshots');
    const arts = artifactIds.map((id) => {
      const a = this.store.artifacts.get(String(id));
      if (!a) throw new HubError(404, `unknown snapshot ${String(id)}`);
      if (a.kind !== 'heapsnapshot') throw new HubError(400, `${a.id} is not a heap snapshot`);
      return a;
    });
    if (new Set(arts.map((a) => a.processId)).size !== 1) throw new HubError(400, 'snapshots must come from the same process');
    if (new Set(arts.map((a) => a.id)).size !== arts.length) throw new HubError(400, 'the same snapshot was selected twice');
    arts.sort((x, y) => x.createdAt - y.createdAt);
    const kind = arts.length === 2 ? 'compare' : 'growth';
    const job = this.newJob(arts[0]!.processId, kind, { artifactIds: arts.map((a) => a.id), source });
    const title = kind === 'compare' ? `Comparison of 2 snapshots` : `Growth across ${arts.length} snapshots`;
    const report = this.store.planReport(job.processId, kind, job.artifactIds!, title);
    void (async () => {
      try {
        await this.queue.run({ mode: 'diff', files: arts.map((a) => this.store.artifactFile(a)), out: this.store.reportFile(report) }, (state, percent) =>
          this.update(job, { state, percent }),
        );
        await this.store.saveReportMeta(report);
        this.broadcast({ type: 'report', report });
        this.update(job, { state: 'ready', reportId: report.id, percent: undefined });
      } catch (err) {
        await rm(this.store.reportFile(report), { force: true });
        this.fail(job, `comparison failed: ${(err as Error).message}`);
      }
    })();
    return job;
  }

  /**
   * Retainer path of any object of a report's snapshot (the viewer asks when a node is clicked).
   * Re-reads the snapshot in the worker: slower than a cache, but nothing big stays in memory.
   */
  async retainerPath(reportId: string, nodeId: number): Promise<unknown> {
    const r = this.store.reports.get(reportId);
    if (!r) throw new HubError(404, 'unknown report');
    if (!Number.isSafeInteger(nodeId) || nodeId < 0) throw new HubError(400, 'node id must be a non-negative integer');
    const a = this.store.artifacts.get(r.artifactIds[r.artifactIds.length - 1]!);
    if (!a) throw new HubError(404, 'the snapshot of this report is gone');
    try {
      return await this.queue.run({ mode: 'path', files: [this.store.artifactFile(a)], nodeId }, () => undefined);
    } catch (err) {
      throw new HubError(422, (err as Error).message);
    }
  }

  async close(): Promise<void> {
    this.capture?.close();
    for (const t of this.timers) clearTimeout(t); // also clears intervals
    for (const { socket } of this.agents.values()) socket.terminate();
    for (const s of this.ui) s.terminate();
    await this.queue.close();
    await Promise.all([...this.store.processes.values()].map((p) => this.store.saveProcess(p).catch(() => undefined)));
  }
}
