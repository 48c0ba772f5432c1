// Agent connections (/agent WebSocket): the hello that names a process, its metrics ring and MEM
// forecast, and its departure. Every other frame goes to `onFrame` (commands, captures).
import type { WebSocket } from 'ws';
import { PROTOCOL_VERSION, type AgentMessage, type DashboardMessage, type HelloMessage, type SnapshotForecast, type WelcomeMessage } from '../../protocol/index.js';
import { VERSION } from '../../version.js';
import { METRICS_CAPACITY, Ring, toSample, type Sample } from '../metrics.js';
import type { Store, ProcessMeta } from '../store.js';
import type { ProcessView } from '../messages.js';
import type { Browsers } from './browsers.js';
import type { HubEmitter } from './events.js';
import { safeId } from './errors.js';

const HELLO_TIMEOUT_MS = 10_000;
/** Metrics of a process gone this long are dropped, so short-lived workers cannot pile up rings. */
const METRICS_KEEP_DEAD_MS = 3600_000;
const SWEEP_MS = 60_000;

interface AgentHooks {
  /** A frame after the hello that is not metrics. */
  onFrame(processId: string, msg: AgentMessage, onLog: (line: string) => void): void;
  /** The agent's connection closed (not replaced by a newer one). */
  onGone(processId: string): void;
  /** What else a new agent of `project` gets after `welcome` (its project's cost profile). */
  greeting(project: string): DashboardMessage[];
}

export class Agents {
  private readonly sockets = new Map<string, WebSocket>();
  private readonly metrics = new Map<string, Ring<Sample>>();
  private readonly forecasts = new Map<string, SnapshotForecast>();
  private readonly sweeper: NodeJS.Timeout;
  /** Live on another dashboard of the fleet (set by the hub). */
  remoteLive: (processId: string) => boolean = () => false;

  constructor(
    private readonly store: Store,
    private readonly browsers: Browsers,
    private readonly events: HubEmitter,
    private readonly hooks: AgentHooks,
  ) {
    this.sweeper = setInterval(() => this.sweepMetrics(), SWEEP_MS);
    this.sweeper.unref();
  }

  get count(): number {
    return this.sockets.size;
  }

  /** Connected here or, in a fleet, to another dashboard. */
  isLive(processId: string): boolean {
    return this.sockets.has(processId) || this.remoteLive(processId);
  }

  /** Processes whose agent is connected here. */
  localIds(): string[] {
    return [...this.sockets.keys()];
  }

  /** The live connection of a process, if any. */
  socket(processId: string): WebSocket | undefined {
    return this.sockets.get(processId);
  }

  samples(processId: string): Sample[] {
    return this.metrics.get(processId)?.toArray() ?? [];
  }

  lastSample(processId: string): Sample | undefined {
    return this.metrics.get(processId)?.last();
  }

  view(p: ProcessMeta): ProcessView {
    return { ...p, live: this.isLive(p.id), last: this.lastSample(p.id), snapshotForecast: this.forecasts.get(p.id) };
  }

  /** Sends `msg` to every agent of `project` connected here. */
  sendToProject(project: string, msg: DashboardMessage): void {
    const text = JSON.stringify(msg);
    for (const [id, socket] of this.sockets) if (this.store.processes.get(id)?.project === project) socket.send(text);
  }

  /** Drops what is kept in memory for a removed process. */
  forget(processId: string): void {
    this.metrics.delete(processId);
    this.forecasts.delete(processId);
  }

  sweepMetrics(now = Date.now()): void {
    for (const id of this.metrics.keys()) {
      const p = this.store.processes.get(id);
      if (!this.sockets.has(id) && (!p || now - p.lastSeen > METRICS_KEEP_DEAD_MS)) {
        this.metrics.delete(id);
        this.forecasts.delete(id);
      }
    }
  }

  add(socket: WebSocket, onLog: (line: string) => void): void {
    let processId: string | undefined;
    const helloTimer = setTimeout(() => {
      if (!processId) socket.close(4000, 'expected hello');
    }, HELLO_TIMEOUT_MS);
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
      if (msg.type === 'metrics') this.onMetrics(processId, msg);
      else this.hooks.onFrame(processId, msg, onLog);
      this.events.emit('agentMessage', processId, msg);
    });
    const gone = (): void => {
      clearTimeout(helloTimer);
      if (processId) this.onClose(processId, socket);
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
    const prev = this.sockets.get(id);
    if (prev && prev !== socket) prev.close(4002, 'replaced by a new connection');
    this.sockets.set(id, socket);
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
    for (const msg of this.hooks.greeting(meta.project)) socket.send(JSON.stringify(msg));
    this.browsers.broadcast({ type: 'process', process: this.view(meta) });
    return id;
  }

  /** A sample into the process's ring (from its agent here, or another dashboard's). */
  addSample(processId: string, sample: Sample, forecast?: SnapshotForecast): void {
    let ring = this.metrics.get(processId);
    if (!ring) this.metrics.set(processId, (ring = new Ring(METRICS_CAPACITY)));
    ring.push(sample);
    if (forecast) this.forecasts.set(processId, forecast);
  }

  /** Metrics history from before a restart (metrics-log.ts). */
  restore(history: Map<string, Sample[]>): void {
    for (const [id, samples] of history) {
      for (const s of samples) this.addSample(id, s);
      // lastSeen is saved at hello and shutdown: after a crash the history knows better.
      const p = this.store.processes.get(id);
      const last = samples[samples.length - 1]?.t ?? 0;
      if (p && last > p.lastSeen) p.lastSeen = last;
    }
  }

  private onMetrics(processId: string, msg: Extract<AgentMessage, { type: 'metrics' }>): void {
    const sample = toSample(msg);
    const p = this.store.processes.get(processId);
    if (p) p.lastSeen = Date.now();
    const forecast = msg.snapshotForecast && typeof msg.snapshotForecast === 'object' ? msg.snapshotForecast : undefined;
    this.addSample(processId, sample, forecast);
    this.browsers.broadcast({ type: 'metrics', processId, sample, snapshotForecast: forecast });
  }

  private onClose(processId: string, socket: WebSocket): void {
    if (this.sockets.get(processId) !== socket) return;
    this.sockets.delete(processId);
    const p = this.store.processes.get(processId);
    if (p) {
      p.lastSeen = Date.now();
      void this.store.saveProcess(p).catch(() => undefined);
      this.browsers.broadcast({ type: 'process', process: this.view(p) });
    }
    this.hooks.onGone(processId);
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const s of this.sockets.values()) s.terminate();
  }
}
