// The agent: samples metrics every interval, keeps a short buffer while the dashboard is away, and
// hands dashboard commands to the CommandRunner. One per process (per JS thread), whatever loads it.
import { randomUUID } from 'node:crypto';
import cluster from 'node:cluster';
import os from 'node:os';
import v8 from 'node:v8';
import { isMainThread, threadId } from 'node:worker_threads';
import { METRICS_BUFFER, PROTOCOL_VERSION, parseMessage, type AgentMessage, type DashboardMessage, type HelloMessage, type LeakMessage, type MetricsMessage, type ThreadName } from '../protocol/index.js';
import { VERSION } from '../version.js';
import { Collectors } from './collectors/index.js';
import { CommandRunner, removePendingTempDirs } from './commands.js';
import { costModel } from './snapshot-cost.js';
import { listingDue, surveyHeap } from './heap-survey.js';
import { Connection } from './connection.js';
import { LeakDetector } from './detector/detector.js';
import { forceMajorGc } from './detector/probe-gc.js';
import { leakLogLine } from './detector/report.js';
import { cgroupMemory } from './headroom.js';
import { debug, guard, log } from './log.js';
import { startDashboard } from './autostart.js';
import { OtelExporter } from './exporters/otel.js';
import { LatestFrame } from './exporters/latest.js';
import { AutoCaptureGuard, sweepStaleTempDirs } from './auto-capture.js';
import { SnapshotTriggers } from './snapshot-triggers.js';
import type { ResolvedOptions } from './options.js';

export interface AgentDiagnostics {
  connectAttempts: number;
  bufferedMetrics: number;
  /** Listeners on the live socket (0 between attempts). */
  socketListeners: number;
  /** Recording through an OpenTelemetry MeterProvider. */
  openTelemetry: boolean;
}

export class Agent {
  readonly agentId = randomUUID();
  private readonly detector: LeakDetector | undefined;
  private readonly collectors: Collectors;
  private readonly buffer: MetricsMessage[] = [];
  /** The newest leak frame not yet delivered (one slot: a newer one replaces it). */
  private pendingLeak: LeakMessage | undefined;
  private readonly connection: Connection;
  private readonly commands: CommandRunner;
  private readonly timer: NodeJS.Timeout;
  private readonly autoCapture: AutoCaptureGuard;
  private readonly triggers: SnapshotTriggers;
  private dashboardStarted = false;
  /** The newest frame, for the Prometheus and OpenTelemetry exporters. */
  readonly latest = new LatestFrame();
  private readonly otel?: OtelExporter;
  private forecastAt = 0;
  private readonly onExit = guard('exit', () => {
    removePendingTempDirs();
    this.autoCapture.release();
  });
  stopped = false;

  constructor(readonly options: ResolvedOptions) {
    const tmp = options.tmpDir ?? os.tmpdir();
    // A process killed mid-snapshot leaves its temp dir behind: whoever starts next cleans up.
    guard('sweep', () => sweepStaleTempDirs(tmp))();
    this.autoCapture = new AutoCaptureGuard({
      enabled: options.autoCapture,
      cooldownMs: options.autoCaptureCooldownMs,
      dailyCap: options.autoCaptureDailyCap,
      lockDir: tmp,
    });
    const detector = (this.detector = options.detect ? new LeakDetector(options.detect) : undefined);
    this.collectors = new Collectors(detector && guard('detector', (s) => detector.addPostGc(s)));
    this.commands = new CommandRunner({
      send: (m) => this.send(m),
      target: { httpBase: options.httpBase, token: options.token, agentId: this.agentId, ca: options.ca },
      headroom: { factor: options.headroomFactor, maxHeapFraction: options.maxHeapFraction, memoryLimit: options.memoryLimit },
      tmpDir: options.tmpDir,
      autoCapture: this.autoCapture,
    });
    this.triggers = new SnapshotTriggers({
      commands: this.commands,
      connected: () => this.connection.connected,
      send: (m) => this.connection.send(m),
      snapshotDir: options.snapshotDir,
      signal: options.signal,
      nearLimit: options.nearLimitSnapshot,
    });
    this.connection = new Connection({
      url: options.wsUrl,
      token: options.token,
      ca: options.ca,
      minMs: options.reconnectMinMs,
      maxMs: options.reconnectMaxMs,
      onOpen: () => this.onOpen(),
      onMessage: (data) => this.onMessage(data),
      onRefused: () => this.onRefused(),
    });
    if (options.openTelemetry) this.otel = new OtelExporter(this.latest, this.collectors.gc, options.meterProvider);
    this.timer = setInterval(guard('tick', () => this.tick()), options.interval);
    this.timer.unref();
    process.once('exit', this.onExit);
    this.connection.start();
  }

  get project(): string {
    return this.options.project;
  }

  get connected(): boolean {
    return this.connection.connected;
  }

  /** Connection attempts so far. */
  get connectAttempts(): number {
    return this.connection.attempts;
  }

  /** Counters for tests and debugging: nothing here may grow while the dashboard is down. */
  diagnostics(): AgentDiagnostics {
    return {
      connectAttempts: this.connection.attempts,
      bufferedMetrics: this.buffer.length,
      socketListeners: this.connection.listenerCount(),
      openTelemetry: this.otel?.active ?? false,
    };
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    this.connection.stop();
    this.collectors.stop();
    this.otel?.stop();
    this.triggers.stop();
    this.autoCapture.release();
    this.buffer.length = 0;
    process.removeListener('exit', this.onExit);
  }

  hello(): HelloMessage {
    const cg = cgroupMemory();
    return {
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      agentId: this.agentId,
      project: this.options.project,
      pid: process.pid,
      ppid: process.ppid,
      hostname: os.hostname(),
      thread: threadName(),
      clusterWorkerId: cluster.worker?.id,
      isPrimary: cluster.isPrimary,
      nodeVersion: process.version,
      argv: process.argv.slice(),
      startTime: Math.round(Date.now() - process.uptime() * 1000),
      agentVersion: VERSION,
      heapLimit: v8.getHeapStatistics().heap_size_limit,
      cgroupLimit: cg?.limit,
      interval: this.options.interval,
    };
  }

  private send(msg: AgentMessage): void {
    this.connection.send(msg);
  }

  private tick(): void {
    const m = this.collectors.sample(this.options.interval);
    if (this.detector) this.detect(m); // before the exporters read the frame: it adds the detector's status
    this.triggers.watchHeap();
    this.latest.update(m);
    this.otel?.poll();
    if (this.pendingLeak && this.connection.send(this.pendingLeak)) this.pendingLeak = undefined;
    if (m.t - this.forecastAt >= FORECAST_EVERY_MS) {
      this.forecastAt = m.t;
      m.snapshotForecast = this.commands.snapshotForecast();
      // The forecast shown prices script sources as strings once a listing saw them (a few ms, every 10 min at most).
      if (this.connection.connected && !this.commands.busy && listingDue(costModel)) void surveyHeap(false);
    }
    if (this.buffer.length === 0 && this.connection.send(m)) return;
    // Disconnected or backed up: keep only the newest METRICS_BUFFER samples.
    this.buffer.push(m);
    if (this.buffer.length > METRICS_BUFFER) this.buffer.splice(0, this.buffer.length - METRICS_BUFFER);
    if (this.connection.connected) this.flush();
  }

  private detect(m: MetricsMessage): void {
    const d = this.detector!;
    d.addTick(m.t, m.heapUsed, m.external);
    m.detector = d.status();
    // Its GC reaches the detector through the gc observer, like V8's own.
    if (d.takeProbe(m.t)) forceMajorGc();
    if (d.takeLeak()) {
      const leak: LeakMessage = { type: 'leak', t: m.t, detector: m.detector, heapUsed: m.heapUsed, heapLimit: m.heapLimit, external: m.external, rss: m.rss };
      log(leakLogLine(this.options.project, leak));
      if (!this.connection.send(leak)) this.pendingLeak = leak;
    }
  }

  private flush(): void {
    if (this.pendingLeak && this.connection.send(this.pendingLeak)) this.pendingLeak = undefined;
    while (this.buffer.length > 0 && this.connection.send(this.buffer[0])) this.buffer.shift();
  }

  private onOpen(): void {
    this.connection.send(this.hello());
    this.flush();
  }

  private onMessage(data: string): void {
    const msg = parseMessage<DashboardMessage>(data);
    if (!msg) return;
    if (msg.type === 'command') {
      this.triggers.answered(msg);
      this.commands.handle(msg);
    } else if (msg.type === 'costProfile' && msg.project === this.options.project) {
      debug(`cost profile: ${costModel.adoptProfile(msg.samples)} snapshots of ${msg.project}`);
    }
  }

  private onRefused(): void {
    if (!this.options.autoStartDashboard || this.dashboardStarted) return;
    this.dashboardStarted = true; // once per process: a dashboard that later dies is not respawned
    // Only when the very first attempt is refused: on a reconnect the user's own dashboard is
    // probably restarting, and one started here would take its port with another data directory.
    if (this.connection.attempts > 1) return;
    debug('no dashboard answered on loopback; starting one');
    startDashboard(this.options.host.replace(/^\[|\]$/g, ''), this.options.port, this.options.token);
  }
}

/** How often metrics carry the snapshot forecast (a few /proc and cgroup reads). */
const FORECAST_EVERY_MS = 5000;

export function threadName(): ThreadName {
  return isMainThread ? 'main' : `worker:${threadId}`;
}
