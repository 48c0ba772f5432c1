/**
 * heapscope agent <-> dashboard protocol (version 1).
 *
 * One port (default 12333) serves the browser and the agents.
 *
 * 1. Connect. The agent opens a WebSocket to `ws://HOST:PORT/agent` (AGENT_PATH). The token, when the
 *    dashboard has one, travels as `Authorization: Bearer <token>` (agents send this) or `?token=`
 *    (accept both). Wrong/missing token: reject the upgrade with HTTP 401.
 * 2. Hello. The agent's first frame is `hello` (who it is: project, pid, cluster worker, thread...).
 *    The dashboard may answer `welcome`, then `costProfile` (what snapshots of the project's
 *    processes cost; sent again when it changes; agents ignore types they do not know). Every frame
 *    is one JSON text message; `type` tags it.
 * 3. Metrics. Then one `metrics` frame per interval (default 1000 ms). After a reconnect the agent
 *    first re-sends `hello`, then the (at most METRICS_BUFFER) metrics it kept while disconnected,
 *    oldest first, so `t` may lag the wall clock for those.
 * 4. Commands. The dashboard sends `command` {id, action, options}. The agent runs one heavy command
 *    at a time and answers, all tagged with the same `id`:
 *      `accepted` -> `progress`* -> (HTTP upload, below) -> `result`   on success, or
 *      `error` {code, message}                                         at any point instead.
 *    Error codes: BUSY (another command is running), HEADROOM (a snapshot could OOM the process),
 *    GUARD (an automatic capture refused by the off switch, cooldown or daily cap), BAD_COMMAND,
 *    UPLOAD_FAILED, FAILED.
 * 4b. Leak detector. Metrics frames may carry `postGc` samples and the `detector` status; when the
 *    detector fires the agent sends one `leak` frame, and the dashboard may answer with automatic
 *    `heapSnapshot` commands (options.auto).
 * 5. Upload. Artifacts never travel over the WebSocket. The agent streams them as the body of
 *    `POST http://HOST:PORT/api/uploads/<command id>` (uploadPath(id); https for wss URLs), with
 *    headers `Authorization: Bearer <token>` (if any), `Content-Type` (application/octet-stream for a
 *    .heapsnapshot, application/json for profiles), `Content-Length` (exact byte size),
 *    `X-Heapscope-Kind` (ArtifactKind) and `X-Heapscope-Agent` (the hello's agentId). TCP gives the
 *    back-pressure: the agent pipes the temp file into the request and never holds a second copy.
 *    The dashboard should accept an upload only for a command id it sent to that agent, store the
 *    body, check its length, and reply 2xx (any JSON body) once the bytes are safely stored; any
 *    other status makes the agent report `error` UPLOAD_FAILED. The agent then sends `result`.
 *
 * Units: bytes, milliseconds, epoch milliseconds for timestamps, CPU as percent of one core.
 */

export const PROTOCOL_VERSION = 1;
export const DEFAULT_PORT = 12333;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_URL = `ws://${DEFAULT_HOST}:${DEFAULT_PORT}`;
/** WebSocket path agents connect to. */
export const AGENT_PATH = '/agent';
/** Upload path prefix; see uploadPath(). */
export const UPLOAD_PATH_PREFIX = '/api/uploads/';
/** Metrics frames an agent keeps while disconnected (older ones are dropped). */
export const METRICS_BUFFER = 60;

export const uploadPath = (commandId: string): string => UPLOAD_PATH_PREFIX + encodeURIComponent(commandId);

/** Which thread the agent runs in: 'main', or 'worker:<threadId>' for a worker_threads Worker. */
export type ThreadName = 'main' | `worker:${number}`;

// ---------------------------------------------------------------- agent -> dashboard

export interface HelloMessage {
  type: 'hello';
  protocol: number;
  /** Random id, unique per agent instance (a restarted process gets a new one). */
  agentId: string;
  project: string;
  pid: number;
  ppid: number;
  hostname: string;
  thread: ThreadName;
  /** cluster.worker.id when this process is a cluster worker. */
  clusterWorkerId?: number;
  /** cluster.isPrimary (true for a plain, non-cluster process). */
  isPrimary: boolean;
  nodeVersion: string;
  argv: string[];
  /** Process start, epoch ms. */
  startTime: number;
  agentVersion: string;
  /** V8 heap_size_limit, bytes. */
  heapLimit: number;
  /** cgroup memory limit, bytes, when one is set. */
  cgroupLimit?: number;
  /** Metrics interval, ms. */
  interval: number;
}

export interface HeapSpaceMetrics {
  name: string;
  size: number;
  used: number;
  available: number;
  physical: number;
}

export interface EventLoopMetrics {
  /** Delay percentiles over the last interval, ms. */
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Standard deviation of the delay over the last interval, ms. */
  stddev?: number;
  /** Event-loop utilization over the last interval (0..1, performance.eventLoopUtilization). */
  utilization?: number;
}

/** GC activity during the last interval, by kind. */
export interface GcKindMetrics {
  count: number;
  /** Sum of pause durations, ms. */
  pauseMs: number;
  /** Longest single pause, ms. */
  maxPauseMs: number;
}
export type GcKind = 'minor' | 'major' | 'incremental' | 'weakcb' | 'other';

/** Upper bounds of the GC pause buckets, ms (prom-client's nodejs_gc_duration_seconds defaults). */
export const GC_DURATION_BUCKETS_MS: readonly number[] = [1, 10, 100, 1000, 2000, 5000];

/** GC activity since the agent started, by kind: counters that only grow (exporters read them). */
export interface GcKindTotals {
  count: number;
  /** Sum of pause durations, ms. */
  pauseMs: number;
  /** Pauses of at most GC_DURATION_BUCKETS_MS[i] ms (cumulative, as Prometheus buckets are). */
  buckets: number[];
}

/** Process memory as process.memoryUsage() and v8 report it, in bytes. */
export interface MemoryMetrics {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  heapLimit: number;
  heapSpaces: HeapSpaceMetrics[];
}

export interface MetricsMessage extends MemoryMetrics {
  type: 'metrics';
  /** Sample time, epoch ms. */
  t: number;
  /** Length of the interval this sample covers, ms. */
  interval: number;
  /** CPU of this process over the interval (process.cpuUsage deltas), percent of one core. */
  cpu: {
    percent: number;
    userMs: number;
    systemMs: number;
    /** CPU time of the process since it started (process.cpuUsage()), ms. */
    totalUserMs?: number;
    totalSystemMs?: number;
  };
  eventLoop: EventLoopMetrics;
  gc: Partial<Record<GcKind, GcKindMetrics>>;
  /** GC since the agent started, by kind (what Prometheus counters and histograms need). */
  gcTotals?: Partial<Record<GcKind, GcKindTotals>>;
  /** Samples taken right after each major GC during the interval (the leak detector's input). */
  postGc?: PostGcSample[];
  /** The leak detector's current decision (absent when the detector is off). */
  detector?: DetectorStatus;
  /** What a heap snapshot taken now would cost, and whether the agent would take it (every ~5 s). */
  snapshotForecast?: SnapshotForecast;
}

/** The agent's prediction for a heap snapshot taken now. Bytes, ms. */
export interface SnapshotForecast {
  peakRssDelta: number;
  pauseMs: number;
  /**
   * 'default' before this process's first snapshot (worst shape measured), 'learned' after;
   * 'census' before it, priced from V8's census of this heap's objects (the agent takes one right
   * before a snapshot that the bound would refuse; the forecast shown uses it for 15 min);
   * 'project' before it when no census is known and the dashboard sent a cost profile from the
   * project's other processes.
   */
  basis: CostBasis;
  /** Tightest room under the effective memory limits, and which limit sets it. */
  available: number;
  limitedBy: string;
  /** Set when MEM would be refused now (force overrides). */
  refusal?: string;
  /**
   * The prediction (a bound for any heap) does not fit, but MEM would count the heap first (a
   * census) and decide from that: no refusal yet. Absent otherwise.
   */
  censusFirst?: boolean;
  /** What this process's last snapshot cost, measured. */
  last?: SnapshotCost;
}

/** What a snapshot forecast is based on (see SnapshotForecast.basis). */
export type CostBasis = 'default' | 'census' | 'learned' | 'project';

/** Memory right after a major GC: the floor a leak raises. Bytes, epoch ms. */
export interface PostGcSample {
  t: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  rss: number;
}

/**
 * warming: too few post-GC samples yet; watching: no significant growth; growing: a significant
 * trend not yet sustained long enough; leak: the detector fired; off: disabled by a setting.
 */
export type DetectorState = 'warming' | 'watching' | 'growing' | 'leak' | 'off';
/** Which series decided: the JS heap, or external memory (Buffers, ArrayBuffers). */
export type DetectorSeries = 'heap' | 'external';

export interface DetectorStatus {
  state: DetectorState;
  series?: DetectorSeries;
  /** Robust trend of the deciding series (post-GC floor), bytes per minute. */
  bytesPerMinute: number;
  /** Epoch ms where the steady growth began (start of the window that supports it). */
  since?: number;
  /** Post-GC samples in the window. */
  samples: number;
  /** One line: why it fired, or why not. */
  reason: string;
  /**
   * True when V8 ran no major GC in the whole window and the decision used the fallback series
   * (the lowest heapUsed of each bucket, which still holds garbage; a stricter rate applies).
   */
  fallback?: boolean;
  /** Confirmation GCs the agent forced in the last hour (V8's own major GCs were too sparse). */
  probes?: number;
}

/** Sent once when the detector fires (state becomes 'leak'); the dashboard may start a capture. */
export interface LeakMessage {
  type: 'leak';
  t: number;
  detector: DetectorStatus;
  heapUsed: number;
  heapLimit: number;
  external: number;
  rss: number;
}

/** Why a snapshot was taken without a click. */
export type CaptureReason = 'leak' | 'signal' | 'near-limit';

/**
 * The agent asks the dashboard for a snapshot job (a signal or the heap-limit watch fired); the
 * dashboard answers with a `heapSnapshot` command whose options.capture.id is this `id`. When no
 * command comes (no dashboard, or it refused) the agent writes the snapshot to its snapshot dir.
 */
export interface CaptureRequestMessage {
  type: 'captureRequest';
  id: string;
  reason: Exclude<CaptureReason, 'leak'>;
  t: number;
}

export type ArtifactKind = 'heapsnapshot' | 'cpuprofile' | 'heapprofile';
/** 'census': the agent counts the heap's objects before a snapshot the census-less bound would refuse (heap-census.ts). */
export type ProgressStage = 'census' | 'snapshot' | 'profiling' | 'uploading';

export interface AcceptedMessage {
  type: 'accepted';
  id: string;
  action: CommandAction;
}

export interface ProgressMessage {
  type: 'progress';
  id: string;
  stage: ProgressStage;
  /** 0..100 when known. */
  percent?: number;
  /** Bytes done / total for 'uploading'. */
  bytes?: number;
  total?: number;
}

export interface ResultMessage {
  type: 'result';
  id: string;
  kind: ArtifactKind;
  /** Exact bytes uploaded. */
  bytes: number;
  /** Time spent producing the artifact (snapshot write / profiling), ms. */
  durationMs: number;
  /** heapSnapshot: what it cost the process, measured, beside the agent's prediction. */
  cost?: SnapshotCost;
  /**
   * heapSnapshot on V8 before 12 (Node 20): the warm-up that cached the scripts' line ends first
   * (so the snapshot is not quadratic in big scripts). Absent where V8 needs none. Its time is not
   * part of durationMs, which is the writer's own block.
   */
  warmup?: SnapshotWarmup;
}

/** What the agent did before a heap snapshot so that V8 writes it in linear time. */
export interface SnapshotWarmup {
  /** False when no script was compiled since the last warm-up, so it was skipped. */
  ran: boolean;
  /** Event-loop time it took (a sub-millisecond probe when skipped), ms. */
  ms: number;
  /** Scripts whose line ends it cached (when it ran). */
  scripts?: number;
}

/** A heap snapshot's cost to the process that took it. Bytes, ms. */
export interface SnapshotCost {
  /** How long V8's writer blocked the event loop. */
  pauseMs: number;
  /** Peak RSS during the snapshot minus RSS before it, when measurable (Linux VmHWM). */
  peakRssDelta?: number;
  /** RSS right after minus before (memory the allocator kept). */
  rssAfterDelta?: number;
  /** The agent's prediction before the snapshot. */
  predictedPeakRssDelta?: number;
  predictedPauseMs?: number;
  /** What the prediction was based on. */
  predictedBasis?: CostBasis;
  /** Size of the graph written. */
  nodes?: number;
  edges?: number;
  /** Heap used, and of it the large-object spaces, right before the write (what the cost is priced on). */
  heapUsed?: number;
  largeObjects?: number;
  /** Of largeObjects, the bytes the agent knew to be script sources (strings, priced as such). */
  scriptSources?: number;
  /** The census the prediction was priced from (basis 'census'): what it counted, and its event-loop time. */
  census?: { objects: number; indexNames: number; ms: number };
  /**
   * Native memory the writer touched: the peak RSS delta plus the free memory left by this
   * process's last snapshot that it reused (the model's estimate). Absent when the peak is unknown.
   */
  writerBytes?: number;
}

/** One measured snapshot of a project's process, as the dashboard shares it. Bytes, ms. */
export interface CostSample {
  heapUsed: number;
  largeObjects: number;
  writerBytes: number;
  pauseMs: number;
  /** When it was measured, epoch ms. */
  at: number;
}

/**
 * dashboard -> agent: what recent snapshots of the project's processes cost (newest last, at most
 * COST_PROFILE_SAMPLES). Sent after `welcome` and whenever it changes. An agent whose process has
 * not taken a snapshot yet prices its first one from it instead of the worst heap shape.
 */
export interface CostProfileMessage {
  type: 'costProfile';
  project: string;
  samples: CostSample[];
}

export const COST_PROFILE_SAMPLES = 8;

export type ErrorCode = 'BUSY' | 'HEADROOM' | 'GUARD' | 'BAD_COMMAND' | 'UPLOAD_FAILED' | 'FAILED';

export interface ErrorMessage {
  type: 'error';
  /** Command id, when the error belongs to one. */
  id?: string;
  code: ErrorCode;
  message: string;
}

export type AgentMessage = HelloMessage | MetricsMessage | AcceptedMessage | ProgressMessage | ResultMessage | ErrorMessage | LeakMessage | CaptureRequestMessage;

// ---------------------------------------------------------------- dashboard -> agent

export type CommandAction = 'heapSnapshot' | 'cpuProfile' | 'samplingHeapProfile';
export const COMMAND_ACTIONS: readonly CommandAction[] = ['heapSnapshot', 'cpuProfile', 'samplingHeapProfile'];

export interface CommandOptions {
  /** Profiling duration for cpuProfile / samplingHeapProfile, seconds (default 10, max 300). */
  seconds?: number;
  /** heapSnapshot: skip the headroom check (the operator accepts the OOM risk). */
  force?: boolean;
  /**
   * heapSnapshot taken without a click (leak detector, signal, heap-limit watch): the agent applies
   * its automatic-capture guards (off switch, cooldown, daily cap) and answers GUARD when one holds.
   */
  auto?: boolean;
  /**
   * Automatic snapshots that belong together: one capture = the `count` snapshots of one
   * investigation (index 0..count-1). Cooldown and daily cap count captures, not snapshots; the
   * host-wide capture lock is held from index 0 until the last one. `reason` 'signal' / 'near-limit'
   * (an operator's signal, the heap-limit watch) skip cooldown and cap but keep the other guards.
   */
  capture?: { id: string; index: number; count: number; reason?: CaptureReason };
}

export interface CommandMessage {
  type: 'command';
  id: string;
  action: CommandAction;
  options?: CommandOptions;
}

export interface WelcomeMessage {
  type: 'welcome';
  protocol: number;
  serverVersion?: string;
}

export type DashboardMessage = CommandMessage | WelcomeMessage | CostProfileMessage;

/** Artifact kind produced by each action. */
export const ACTION_KIND: Record<CommandAction, ArtifactKind> = {
  heapSnapshot: 'heapsnapshot',
  cpuProfile: 'cpuprofile',
  samplingHeapProfile: 'heapprofile',
};

/** File extension DevTools / speedscope expect for each artifact kind. */
export const KIND_EXTENSION: Record<ArtifactKind, string> = {
  heapsnapshot: '.heapsnapshot',
  cpuprofile: '.cpuprofile',
  heapprofile: '.heapprofile',
};

/** Parse one text frame; returns undefined for anything that is not a JSON object with a string `type`. */
export function parseMessage<T extends { type: string }>(data: unknown): T | undefined {
  try {
    const text = typeof data === 'string' ? data : Buffer.isBuffer(data) ? data.toString('utf8') : undefined;
    if (text === undefined) return undefined;
    const msg = JSON.parse(text) as unknown;
    if (msg && typeof msg === 'object' && typeof (msg as { type?: unknown }).type === 'string') return msg as T;
  } catch {
    // not JSON: ignored by the caller
  }
  return undefined;
}

const MAX_SAMPLE_BYTES = 2 ** 42; // 4 TB: no heap or writer is larger
const inRange = (x: unknown, min: number, max: number): x is number => typeof x === 'number' && Number.isFinite(x) && x >= min && x <= max;

/**
 * A cost sample that makes sense (finite, positive, bounded), else undefined. Both sides use it:
 * the dashboard on what agents report, the agent on what the dashboard sends.
 */
export function checkCostSample(s: unknown): CostSample | undefined {
  if (!s || typeof s !== 'object') return undefined;
  const { heapUsed, largeObjects, writerBytes, pauseMs, at } = s as Record<string, unknown>;
  if (!inRange(heapUsed, 1024 * 1024, MAX_SAMPLE_BYTES) || !inRange(writerBytes, 1, MAX_SAMPLE_BYTES)) return undefined;
  // 1000x heap used is beyond any writer measured (the worst, one array of references to one object, is ~160x)
  if (writerBytes > 1000 * heapUsed || !inRange(pauseMs, 0, 24 * 3600_000)) return undefined;
  const large = largeObjects === undefined ? 0 : largeObjects;
  if (!inRange(large, 0, heapUsed) || !inRange(at, 0, 2 ** 53)) return undefined;
  return { heapUsed, largeObjects: large, writerBytes, pauseMs, at };
}

/** Validates a dashboard command; returns an error message or undefined when valid. */
export function checkCommand(msg: Partial<CommandMessage>): string | undefined {
  if (typeof msg.id !== 'string' || msg.id.length === 0 || msg.id.length > 100) return 'command id must be a non-empty string';
  if (!COMMAND_ACTIONS.includes(msg.action as CommandAction)) return `unknown action ${JSON.stringify(msg.action)}; expected one of ${COMMAND_ACTIONS.join(', ')}`;
  const s = msg.options?.seconds;
  if (s !== undefined && (typeof s !== 'number' || !(s > 0) || s > 300)) return 'options.seconds must be a number in (0, 300]';
  return undefined;
}
