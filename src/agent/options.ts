// Agent settings: explicit options win over HEAPSCOPE_* environment variables, which win over defaults.
import { existsSync, readFileSync } from 'node:fs';
import tls from 'node:tls';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { AGENT_PATH, DEFAULT_URL } from '../protocol/index.js';
import type { MeterProviderLike } from './exporters/otel.js';
import { DETECTOR_DEFAULTS, type DetectorConfig } from './detector/detector.js';
import { parseBytes } from './headroom.js';

export interface AgentOptions {
  /** Dashboard URL, e.g. ws://127.0.0.1:12333 (http:// is accepted too). Env HEAPSCOPE_URL. */
  url?: string;
  /** Shared secret for dashboards reachable off-loopback. Env HEAPSCOPE_TOKEN. */
  token?: string;
  /** Metrics interval in ms (default 1000, minimum 100). Env HEAPSCOPE_INTERVAL. */
  interval?: number;
  /**
   * Start a detached dashboard when the first connection attempt is refused (default: true for
   * loopback URLs unless NODE_ENV=production; never for remote ones). Env HEAPSCOPE_AUTOSTART=0/1.
   */
  autoStartDashboard?: boolean;
  /** Reconnect backoff bounds in ms (default 500 .. 30000). Env HEAPSCOPE_RECONNECT_MIN_MS / _MAX_MS. */
  reconnect?: { minMs?: number; maxMs?: number };
  /**
   * Snapshot headroom check: refuse when the predicted peak RSS of the snapshot (src/agent/
   * snapshot-cost.ts) times `factor` (default 1) does not fit under the tightest of the cgroup
   * limit, MemAvailable and `memoryLimit`, or when the old generation is above maxHeapFraction
   * (default 0.9) of its limit. `memoryLimit` (bytes; env accepts 512M / 2G) is the RSS this process
   * may reach, for containers whose cgroup files are not visible. Env HEAPSCOPE_SNAPSHOT_FACTOR /
   * HEAPSCOPE_SNAPSHOT_MAX_HEAP_FRACTION / HEAPSCOPE_MEMORY_LIMIT.
   */
  snapshotHeadroom?: { factor?: number; maxHeapFraction?: number; memoryLimit?: number };
  /** Where snapshots are written before upload (default os.tmpdir()). Env HEAPSCOPE_TMPDIR. */
  tmpDir?: string;
  /**
   * OpenTelemetry: record the metrics through this MeterProvider, or (true, the default) through
   * the one the app registers with @opentelemetry/api, if it ever does; false: never. Env HEAPSCOPE_OTEL=0.
   */
  openTelemetry?: boolean | { meterProvider: MeterProviderLike };
  /**
   * Automatic captures (leak detector, signal, heap-limit watch): on/off (env HEAPSCOPE_AUTO_CAPTURE,
   * default on), cooldown between leak captures (HEAPSCOPE_AUTO_CAPTURE_COOLDOWN_MS, default 1 h),
   * leak captures per 24 h (HEAPSCOPE_AUTO_CAPTURE_DAILY_CAP, default 3).
   */
  autoCapture?: { enabled?: boolean; cooldownMs?: number; dailyCap?: number };
  /** Signal that writes a snapshot, like heapdump (default SIGUSR2; false = none). Env HEAPSCOPE_SIGNAL=SIGUSR1|SIGUSR2|0. */
  signal?: 'SIGUSR1' | 'SIGUSR2' | false;
  /** Where signal / heap-limit snapshots go when no dashboard takes them (default cwd). Env HEAPSCOPE_SNAPSHOT_DIR. */
  snapshotDir?: string;
  /** One snapshot when the old generation crosses this fraction of its limit (0 < f < 1; default off). Env HEAPSCOPE_NEAR_LIMIT_SNAPSHOT. */
  nearLimitSnapshot?: number;
  /**
   * The leak detector (default on; false or env HEAPSCOPE_DETECT=0 turns it off). Its knobs:
   * windowMs (env HEAPSCOPE_DETECT_WINDOW_MS, default 600000), minMs: steady growth needed before
   * it fires (HEAPSCOPE_DETECT_MIN_MS, default 60000), minRate: bytes per minute
   * (HEAPSCOPE_DETECT_MIN_RATE, default 524288), rearmMs: how long before a leak that keeps
   * growing is reported again (HEAPSCOPE_DETECT_REARM_MS, default 3600000), graceMs: no firing
   * this long after start-up (HEAPSCOPE_DETECT_GRACE_MS, default 0), probeMs: a confirmation GC
   * when V8 ran no major GC this long while the floor rises undecided (HEAPSCOPE_DETECT_PROBE_MS,
   * default 60000; 0 = never).
   */
  detect?: boolean | Partial<DetectorConfig>;
  /**
   * PEM file of a CA to trust for a wss:// / https:// dashboard, besides Node's own roots and
   * NODE_EXTRA_CA_CERTS. Env HEAPSCOPE_CA.
   */
  ca?: string;
}

export interface ResolvedOptions {
  project: string;
  wsUrl: string;
  httpBase: string;
  token?: string;
  interval: number;
  autoStartDashboard: boolean;
  loopback: boolean;
  port: number;
  host: string;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  headroomFactor: number;
  maxHeapFraction: number;
  memoryLimit?: number;
  tmpDir?: string;
  openTelemetry: boolean;
  meterProvider?: MeterProviderLike;
  autoCapture: boolean;
  autoCaptureCooldownMs: number;
  autoCaptureDailyCap: number;
  signal?: 'SIGUSR1' | 'SIGUSR2';
  snapshotDir: string;
  nearLimitSnapshot?: number;
  /** Leak detector settings; undefined when it is off. */
  detect?: DetectorConfig;
  /** Trusted CAs for TLS (Node's roots + NODE_EXTRA_CA_CERTS + HEAPSCOPE_CA), when HEAPSCOPE_CA is set. */
  ca?: string[];
}

const env = (name: string): string | undefined => {
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : v;
};
const envNumber = (name: string): number | undefined => {
  const v = env(name);
  const n = v === undefined ? NaN : Number(v);
  return Number.isFinite(n) ? n : undefined;
};
const envBool = (name: string): boolean | undefined => {
  const v = env(name);
  return v === undefined ? undefined : /^(1|true|yes|on)$/i.test(v);
};

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function resolveOptions(project: string | undefined, opts: AgentOptions = {}): ResolvedOptions {
  const raw = opts.url ?? env('HEAPSCOPE_URL') ?? DEFAULT_URL;
  let url: URL;
  try {
    url = new URL(/^[a-z]+:\/\//i.test(raw) ? raw : `ws://${raw}`);
  } catch {
    throw new Error(`heapscope: invalid dashboard URL ${JSON.stringify(raw)}`);
  }
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new Error(`heapscope: unsupported URL protocol ${url.protocol}`);
  if (url.pathname === '' || url.pathname === '/') url.pathname = AGENT_PATH;
  const secure = url.protocol === 'wss:';
  const port = url.port ? Number(url.port) : secure ? 443 : 80;
  const host = url.hostname;
  const loopback = LOOPBACK.has(host);
  const httpBase = `${secure ? 'https' : 'http'}://${url.host}`;
  const interval = Math.max(100, opts.interval ?? envNumber('HEAPSCOPE_INTERVAL') ?? 1000);
  const minMs = Math.max(1, opts.reconnect?.minMs ?? envNumber('HEAPSCOPE_RECONNECT_MIN_MS') ?? 500);
  const maxMs = Math.max(minMs, opts.reconnect?.maxMs ?? envNumber('HEAPSCOPE_RECONNECT_MAX_MS') ?? 30_000);
  return {
    project: project || env('HEAPSCOPE_PROJECT') || defaultProjectName(),
    wsUrl: url.toString(),
    httpBase,
    token: opts.token ?? env('HEAPSCOPE_TOKEN'),
    interval,
    // Remote dashboards are never started from here: that would silently run a server on this host.
    // Nor under NODE_ENV=production unless asked for: a server must not appear beside a service.
    autoStartDashboard: loopback && (opts.autoStartDashboard ?? envBool('HEAPSCOPE_AUTOSTART') ?? process.env.NODE_ENV !== 'production'),
    loopback,
    port,
    host,
    reconnectMinMs: minMs,
    reconnectMaxMs: maxMs,
    headroomFactor: opts.snapshotHeadroom?.factor ?? envNumber('HEAPSCOPE_SNAPSHOT_FACTOR') ?? 1,
    maxHeapFraction: opts.snapshotHeadroom?.maxHeapFraction ?? envNumber('HEAPSCOPE_SNAPSHOT_MAX_HEAP_FRACTION') ?? 0.9,
    memoryLimit: opts.snapshotHeadroom?.memoryLimit ?? memoryLimitFromEnv(),
    tmpDir: opts.tmpDir ?? env('HEAPSCOPE_TMPDIR'),
    openTelemetry: opts.openTelemetry !== undefined ? opts.openTelemetry !== false : (envBool('HEAPSCOPE_OTEL') ?? true),
    meterProvider: typeof opts.openTelemetry === 'object' ? opts.openTelemetry.meterProvider : undefined,
    autoCapture: opts.autoCapture?.enabled ?? envBool('HEAPSCOPE_AUTO_CAPTURE') ?? true,
    autoCaptureCooldownMs: Math.max(0, opts.autoCapture?.cooldownMs ?? envNumber('HEAPSCOPE_AUTO_CAPTURE_COOLDOWN_MS') ?? 3600_000),
    autoCaptureDailyCap: Math.max(0, opts.autoCapture?.dailyCap ?? envNumber('HEAPSCOPE_AUTO_CAPTURE_DAILY_CAP') ?? 3),
    signal: resolveSignal(opts.signal ?? env('HEAPSCOPE_SIGNAL')),
    snapshotDir: resolve(opts.snapshotDir ?? env('HEAPSCOPE_SNAPSHOT_DIR') ?? process.cwd()),
    nearLimitSnapshot: resolveFraction(opts.nearLimitSnapshot ?? envNumber('HEAPSCOPE_NEAR_LIMIT_SNAPSHOT')),
    detect: resolveDetect(opts.detect),
    ca: trustedCas(opts.ca ?? env('HEAPSCOPE_CA')),
  };
}

function resolveDetect(opt: AgentOptions['detect']): DetectorConfig | undefined {
  if (opt === false || (opt === undefined && envBool('HEAPSCOPE_DETECT') === false)) return undefined;
  const o = typeof opt === 'object' ? opt : {};
  const positive = (name: string, v: number | undefined, dflt: number, min = 0): number => {
    if (v === undefined) return dflt;
    if (!(Number.isFinite(v) && v >= min)) throw new Error(`heapscope: ${name} must be a number >= ${min}, got ${v}`);
    return v;
  };
  const num = (name: string): number | undefined => {
    const v = env(name);
    return v === undefined ? undefined : Number(v);
  };
  return {
    windowMs: positive('HEAPSCOPE_DETECT_WINDOW_MS', o.windowMs ?? num('HEAPSCOPE_DETECT_WINDOW_MS'), DETECTOR_DEFAULTS.windowMs, 1000),
    minMs: positive('HEAPSCOPE_DETECT_MIN_MS', o.minMs ?? num('HEAPSCOPE_DETECT_MIN_MS'), DETECTOR_DEFAULTS.minMs),
    minRate: positive('HEAPSCOPE_DETECT_MIN_RATE', o.minRate ?? num('HEAPSCOPE_DETECT_MIN_RATE'), DETECTOR_DEFAULTS.minRate),
    rearmMs: positive('HEAPSCOPE_DETECT_REARM_MS', o.rearmMs ?? num('HEAPSCOPE_DETECT_REARM_MS'), DETECTOR_DEFAULTS.rearmMs),
    graceMs: positive('HEAPSCOPE_DETECT_GRACE_MS', o.graceMs ?? num('HEAPSCOPE_DETECT_GRACE_MS'), DETECTOR_DEFAULTS.graceMs),
    probeMs: positive('HEAPSCOPE_DETECT_PROBE_MS', o.probeMs ?? num('HEAPSCOPE_DETECT_PROBE_MS'), DETECTOR_DEFAULTS.probeMs),
  };
}

/**
 * Node trusts its roots plus NODE_EXTRA_CA_CERTS by itself; a `ca` option replaces all of them,
 * so HEAPSCOPE_CA is added to both rather than given alone.
 */
function trustedCas(file: string | undefined): string[] | undefined {
  if (!file) return undefined;
  const read = (f: string): string => {
    try {
      return readFileSync(f, 'utf8');
    } catch (err) {
      throw new Error(`heapscope: cannot read the CA file ${f} (HEAPSCOPE_CA): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  const out = [...tls.rootCertificates, read(file)];
  const extra = env('NODE_EXTRA_CA_CERTS');
  if (extra && existsSync(extra)) out.push(read(extra));
  return out;
}

function memoryLimitFromEnv(): number | undefined {
  const raw = env('HEAPSCOPE_MEMORY_LIMIT');
  if (raw === undefined) return undefined;
  const bytes = parseBytes(raw);
  if (bytes === undefined) throw new Error(`heapscope: HEAPSCOPE_MEMORY_LIMIT must be a size such as 512M or 2G, got ${JSON.stringify(raw)}`);
  return bytes;
}

function resolveSignal(v: string | false | undefined): 'SIGUSR1' | 'SIGUSR2' | undefined {
  if (v === undefined) return 'SIGUSR2';
  if (v === false || /^(0|false|off|no)$/i.test(v)) return undefined;
  const name = v.toUpperCase().startsWith('SIG') ? v.toUpperCase() : `SIG${v.toUpperCase()}`;
  if (name === 'SIGUSR1' || name === 'SIGUSR2') return name;
  throw new Error(`heapscope: HEAPSCOPE_SIGNAL must be SIGUSR1, SIGUSR2 or 0, got ${JSON.stringify(v)}`);
}

function resolveFraction(v: number | undefined): number | undefined {
  if (v === undefined || v === 0) return undefined;
  if (!(v > 0 && v < 1)) throw new Error(`heapscope: HEAPSCOPE_NEAR_LIMIT_SNAPSHOT must be a fraction in (0, 1), got ${v}`);
  return v;
}

/** The nearest package.json name above the main script (then the cwd), else the script's name. */
function defaultProjectName(): string {
  const script = process.argv[1];
  const starts = [script ? dirname(resolve(script)) : undefined, process.cwd()];
  for (const start of starts) {
    if (!start) continue;
    const name = nearestPackageName(start);
    if (name) return name;
  }
  if (script) return basename(script, extname(script)) || 'node';
  return 'node';
}

function nearestPackageName(start: string): string | undefined {
  let dir = start;
  for (let i = 0; i < 50; i++) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        const name = (JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name;
        if (typeof name === 'string' && name) return name;
      } catch {
        // unreadable package.json: keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}
