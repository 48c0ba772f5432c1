// `heapscope dashboard`: one port for browsers (page, API, /ws/ui) and agents (/agent WebSocket,
// uploads). startDashboard() is what the CLI and the tests call.
import Fastify, { type FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import { createReadStream, existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline, type Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { AGENT_PATH, COMMAND_ACTIONS, DEFAULT_HOST, DEFAULT_PORT, KIND_EXTENSION, UPLOAD_PATH_PREFIX, type CommandAction } from '../protocol/index.js';
import { PUBLIC_PATHS, checkRequest, isLoopbackHost, tokenCookie, tokenOk } from './auth.js';
import { Hub, HubError } from './hub/index.js';
import { DashboardMetrics } from './prometheus.js';
import { Store, defaultDataDir } from './store.js';
import { ConnectionGuard, DEFAULT_LIMITS, limitsFromEnv, serverOptions, type Limits } from './limits.js';
import { pageHtml } from './ui/page.js';
import type { ActionRequest, CompareRequest, SettingsRequest } from './messages.js';
import { CodedError, distFile } from '../shared/index.js';
import { VERSION } from '../version.js';
import { AutoCapture, captureConfigFromEnv, type CaptureConfig } from './capture.js';
import { FindingStore, type FindingState } from './findings.js';
import { Webhook, type WebhookOptions } from './webhook.js';
import { createGunzip } from 'node:zlib';
import { Housekeeper } from './housekeeping.js';
import { retentionFromEnv, type RetentionConfig } from './retention.js';
import { lingerThenClose } from './linger.js';
import { MetricsLog } from './metrics-log.js';
import { toSample } from './metrics.js';
import { MemoryState, type SharedState } from './fleet/state.js';
import { RedisState } from './fleet/redis-state.js';
import { S3Storage, s3FromEnv, type S3StorageOptions } from './s3-storage.js';
// explore: drill-down and browser uploads (issue 16 items 1-2)
import { Explorer, DEFAULT_EXPLORE, exploreConfigFromEnv, type ExploreConfig } from './explore/explorer.js';
import { registerExploreRoutes, BROWSER_UPLOAD_PATH } from './explore/routes.js';

export interface DashboardOptions {
  port?: number;
  host?: string;
  dataDir?: string;
  token?: string;
  /** Where one-line notices go (default: nowhere). */
  log?: (line: string) => void;
  /** Serve HTTPS and WSS on the same port with this certificate and key (PEM). */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Timeouts, connection caps and upload limits (defaults: DEFAULT_LIMITS, then HEAPSCOPE_* env). */
  limits?: Partial<Limits>;
  /** Where one line per new finding goes (default: `log`). */
  findingLog?: (line: string) => void;
  /** POST new findings here (default $HEAPSCOPE_WEBHOOK). */
  webhook?: string | WebhookOptions;
  /** Automatic capture spacing and size (default: HEAPSCOPE_CAPTURE_* env, then DEFAULT_CAPTURE). */
  capture?: Partial<CaptureConfig>;
  /** How many artifacts to keep (default: HEAPSCOPE_KEEP_* env, then DEFAULT_RETENTION). */
  retention?: Partial<RetentionConfig>;
  /** Share processes, metrics, jobs, findings and reports with other dashboards through this Redis (default $HEAPSCOPE_REDIS). */
  redis?: string;
  /** Tuning of the Redis state (tests: short leases). */
  redisOptions?: { heartbeatMs?: number; leaseMs?: number };
  /** Drill-down's memory budget and idle time (default: HEAPSCOPE_EXPLORE_* env, then DEFAULT_EXPLORE). */
  explore?: Partial<ExploreConfig>;
  /**
   * Keep snapshots, reports, their metadata and findings in this S3-compatible bucket instead of
   * the data directory: s3://BUCKET[/PREFIX], or with the endpoint etc. (default: $HEAPSCOPE_S3;
   * HEAPSCOPE_S3_ENDPOINT / _REGION / _FORCE_PATH_STYLE fill what is not given).
   */
  s3?: string | Omit<S3StorageOptions, 'localDir'>;
}

/** The S3 storage's settings, from the options and then the environment; undefined: the data directory. */
function s3Options(opt: DashboardOptions['s3'], localDir: string): S3StorageOptions | undefined {
  const given = typeof opt === 'string' ? { url: opt } : opt;
  const url = given?.url ?? (process.env.HEAPSCOPE_S3 || undefined);
  if (!url) return undefined;
  const env = s3FromEnv();
  const defined = <T extends object>(o: T | undefined): Partial<T> => Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
  return { ...defined(env), ...defined(given), url, localDir };
}

export interface Dashboard {
  url: string;
  port: number;
  host: string;
  dataDir: string;
  /** Where snapshots and reports are stored: the data directory, or s3://BUCKET/PREFIX. */
  storage: string;
  hub: Hub;
  /** What GET /metrics serves. */
  prom: DashboardMetrics;
  limits: Limits;
  /** Untrusted-connection accounting (see limits.ts). */
  connections: ConnectionGuard;
  /** Retention and deletes. */
  housekeeper: Housekeeper;
  /** What this dashboard shares with others (MemoryState when alone). */
  shared: SharedState;
  /** Drill-down queries over stored snapshots (explore worker). */
  explorer: Explorer;
  close(): Promise<void>;
}

/** A dashboard that must not start as configured (say, listening beyond loopback without a token). */
export class DashboardConfigError extends CodedError<'BAD_CONFIG'> {
  constructor(message: string) {
    super('BAD_CONFIG', message);
    this.name = 'DashboardConfigError';
  }
}

export function checkBind(host: string, token: string | undefined): void {
  if (!isLoopbackHost(host) && !token) {
    throw new DashboardConfigError(
      `refusing to listen on ${host} without a token: heap snapshots contain secrets. Set HEAPSCOPE_TOKEN or pass --token.`,
    );
  }
}

const urlHost = (host: string): string => (host.includes(':') ? `[${host}]` : host);

export async function startDashboard(opts: DashboardOptions = {}): Promise<Dashboard> {
  const host = opts.host ?? DEFAULT_HOST;
  const token = opts.token || undefined;
  checkBind(host, token);
  const dataDir = opts.dataDir ?? defaultDataDir();
  const log = opts.log ?? ((): void => undefined);
  const limits: Limits = { ...DEFAULT_LIMITS, ...limitsFromEnv(), ...opts.limits };
  const redis = opts.redis ?? (process.env.HEAPSCOPE_REDIS || undefined);
  const shared: SharedState = redis ? new RedisState({ url: redis, log, ...redisTuning(), ...opts.redisOptions }) : new MemoryState();
  await shared.start();
  let blobs: S3Storage | undefined;
  let store: Store;
  try {
    const s3 = s3Options(opts.s3, dataDir);
    if (s3) blobs = await S3Storage.open(s3);
    store = new Store(dataDir, shared.shared, blobs);
    await store.open();
  } catch (err) {
    blobs?.close();
    await shared.close();
    throw err;
  }
  const hub = new Hub(store, limits, shared);
  await hub.costProfiles.open();
  const metricsLog = new MetricsLog(dataDir);
  hub.restoreSamples(await metricsLog.load());
  // Only the dashboard holding a process's agent writes its history.
  hub.events.on('agentMessage', (processId, msg) => {
    if (msg.type === 'metrics') metricsLog.append(processId, toSample(msg));
  });
  const prom = new DashboardMetrics(hub);
  const connections = new ConnectionGuard(limits);
  const findings = new FindingStore(store.blobs);
  await findings.open();
  const hook = opts.webhook ?? (process.env.HEAPSCOPE_WEBHOOK || undefined);
  const webhook = hook ? new Webhook(typeof hook === 'string' ? { url: hook, log } : { log, ...hook }) : undefined;
  let publicUrl: string | undefined;
  hub.capture = new AutoCapture(
    hub,
    findings,
    { log, finding: opts.findingLog ?? log, broadcast: (m) => hub.push(m), webhook, url: () => publicUrl },
    { ...captureConfigFromEnv(), ...opts.capture },
  );
  // heapscope_findings: open (not acknowledged or muted) findings that name the process
  const housekeeper = new Housekeeper(hub, { ...retentionFromEnv(), ...opts.retention }, log);
  await hub.joinFleet();
  prom.findings = (processId) => findings.list().filter((f) => f.state === 'open' && f.processes.some((p) => p.processId === processId)).length;
  const explorer = new Explorer(hub.store, { ...DEFAULT_EXPLORE, ...exploreConfigFromEnv(), ...opts.explore });
  const app = buildApp(hub, { token, dataDir, loopbackOnly: isLoopbackHost(host), log, limits, connections, tls: opts.tls, prom, housekeeper, explorer });
  const shutdown = async (): Promise<void> => {
    webhook?.close();
    await explorer.close();
    housekeeper.close();
    // Leave the fleet first: an analysis cut short by the close below then goes to another dashboard.
    await shared.close();
    await hub.close();
    await metricsLog.close((id) => hub.samples(id));
    blobs?.close();
  };
  try {
    await app.listen({ port: opts.port ?? DEFAULT_PORT, host });
  } catch (err) {
    await app.close().catch(() => undefined);
    await shutdown();
    throw err;
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : (opts.port ?? DEFAULT_PORT);
  const url = `${opts.tls ? 'https' : 'http'}://${urlHost(host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host)}:${port}`;
  publicUrl = url;
  const lockFile = join(dataDir, 'dashboard.json');
  await writeFile(lockFile, JSON.stringify({ pid: process.pid, url, host, port, startedAt: Date.now(), version: VERSION }), { mode: 0o600 });
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    host,
    dataDir,
    storage: store.blobs.location,
    hub,
    prom,
    limits,
    connections,
    housekeeper,
    shared,
    explorer,
    close: () =>
      (closing ??= (async () => {
        await shutdown();
        await app.close();
        try {
          const lock = JSON.parse(await readFile(lockFile, 'utf8')) as { pid?: number; port?: number };
          if (lock.pid === process.pid && lock.port === port) await rm(lockFile, { force: true });
        } catch {
          // already gone
        }
      })()),
  };
}

interface AppConfig {
  token?: string;
  dataDir: string;
  loopbackOnly: boolean;
  log: (line: string) => void;
  limits: Limits;
  connections: ConnectionGuard;
  tls?: DashboardOptions['tls'];
  /** What GET /metrics serves. */
  prom: DashboardMetrics;
  housekeeper: Housekeeper;
  explorer: Explorer;
}

/** HEAPSCOPE_REDIS_HEARTBEAT_MS / HEAPSCOPE_REDIS_LEASE_MS. */
function redisTuning(env = process.env): { heartbeatMs?: number; leaseMs?: number } {
  const n = (k: string): number | undefined => (env[k] && Number(env[k]) > 0 ? Number(env[k]) : undefined);
  return { heartbeatMs: n('HEAPSCOPE_REDIS_HEARTBEAT_MS'), leaseMs: n('HEAPSCOPE_REDIS_LEASE_MS') };
}

function buildApp(hub: Hub, cfg: AppConfig): FastifyInstance {
  const l = cfg.limits;
  const app = Fastify({
    logger: false,
    bodyLimit: 1024 * 1024,
    // shutting down must not wait for a slow download or a stalled upload
    forceCloseConnections: true,
    // socket idle timeout (ws turns it off on upgraded sockets); headers get Node's headersTimeout
    connectionTimeout: l.idleTimeoutMs,
    keepAliveTimeout: l.keepAliveTimeoutMs,
    ...(cfg.tls ? { https: { cert: cfg.tls.cert, key: cfg.tls.key, ...serverOptions(l) } } : { http: serverOptions(l) }),
  }) as unknown as FastifyInstance;
  cfg.connections.attach(app.server);
  const guard = { token: cfg.token, loopbackOnly: cfg.loopbackOnly };

  app.addHook('onRequest', async (req, reply) => {
    if (!checkRequest(guard, req, reply)) return reply;
    if (!PUBLIC_PATHS.has(req.url.split('?')[0]!)) cfg.connections.trust(req.raw.socket);
    // Every request but an upload (which gets an idle timeout instead) must be received whole
    // within requestTimeoutMs; responses (downloads) are not limited.
    if (!req.headers.upgrade && !req.url.startsWith(UPLOAD_PATH_PREFIX) && !req.url.startsWith(BROWSER_UPLOAD_PATH)) requestDeadline(req.raw, l.requestTimeoutMs);
  });

  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof HubError) return reply.code(err.status).send({ error: err.message });
    const e = err as { statusCode?: number; message?: string };
    if (e.statusCode && e.statusCode < 500) return reply.code(e.statusCode).send({ error: e.message });
    cfg.log(`dashboard error: ${e.message ?? String(err)}`);
    return reply.code(500).send({ error: 'internal error' });
  });

  void app.register(websocket, { options: { maxPayload: 16 * 1024 * 1024 } });

  void app.register(async (scope) => {
    scope.get(AGENT_PATH, { websocket: true }, (socket) => hub.addAgent(socket, cfg.log));
    scope.get('/ws/ui', { websocket: true }, (socket) => hub.addBrowser(socket));
  });

  // ---------------------------------------------------------------- page and UI bundle
  app.get('/', async (req, reply) => {
    const q = req.query as { token?: string };
    if (cfg.token && typeof q.token === 'string') {
      // Trade the one-time ?token= for a cookie and drop it from the address bar and history.
      return reply.header('set-cookie', tokenCookie(q.token, !!cfg.tls)).redirect('/', 303);
    }
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(pageHtml(VERSION));
  });
  const asset = (route: string, file: string, type: string): void => {
    app.get(route, async (_req, reply) => {
      const path = distFile('dashboard', 'ui', file);
      if (!existsSync(path)) return reply.code(503).type('text/plain').send('dashboard UI is not built: run `npm run build`');
      return reply.type(type).header('cache-control', 'no-cache').send(createReadStream(path));
    });
  };
  asset('/ui/app.js', 'app.global.js', 'text/javascript; charset=utf-8');
  asset('/ui/app.css', 'app.css', 'text/css; charset=utf-8');

  // ---------------------------------------------------------------- API
  // Prometheus scrapes with `Authorization: Bearer <token>`: the same rules as every other route.
  app.get('/metrics', async (_req, reply) => reply.type(cfg.prom.contentType).header('cache-control', 'no-store').send(await cfg.prom.metrics()));
  // Public (liveness); which process and data directory only for a local caller that may see the
  // rest (the CLI's "already running" and --stop).
  app.get('/api/health', async (req) => {
    const local = isLoopbackHost(req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '');
    const base = { ok: true, app: 'heapscope', version: VERSION };
    return local && tokenOk(req, cfg.token) ? { ...base, pid: process.pid, dataDir: cfg.dataDir } : base;
  });
  app.get('/api/state', async () => hub.state());
  app.get('/api/processes', async () => hub.state().processes);
  app.get('/api/overview', async () => hub.overview());
  app.delete<{ Params: { id: string } }>('/api/processes/:id', async (req) => hub.removeProcess(req.params.id));
  app.get<{ Params: { id: string } }>('/api/processes/:id/metrics', async (req) => {
    if (!hub.store.processes.has(req.params.id)) throw new HubError(404, 'unknown process');
    return hub.samples(req.params.id);
  });
  app.post<{ Params: { id: string }; Body: Partial<ActionRequest> }>('/api/processes/:id/actions', async (req, reply) => {
    const action = req.body?.action as CommandAction;
    if (!COMMAND_ACTIONS.includes(action)) throw new HubError(400, `action must be one of ${COMMAND_ACTIONS.join(', ')}`);
    const seconds = req.body?.seconds;
    if (seconds !== undefined && typeof seconds !== 'number') throw new HubError(400, 'seconds must be a number');
    return reply.code(202).send(hub.trigger(req.params.id, action, seconds));
  });
  app.get<{ Params: { id: string } }>('/api/jobs/:id', async (req) => {
    const job = hub.jobs.get(req.params.id);
    if (!job) throw new HubError(404, 'unknown job');
    return job;
  });
  app.post<{ Body: Partial<CompareRequest> }>('/api/compare', async (req, reply) => reply.code(202).send(hub.compare(req.body?.artifactIds ?? [])));
  app.post<{ Params: { id: string } }>('/api/artifacts/:id/analyze', async (req, reply) => reply.code(202).send(hub.analyzeArtifact(req.params.id)));
  app.get<{ Params: { id: string }; Querystring: { inline?: string } }>('/api/artifacts/:id/download', async (req, reply) => {
    const a = hub.store.artifacts.get(req.params.id);
    if (!a) throw new HubError(404, 'unknown artifact');
    const p = hub.store.processes.get(a.processId);
    const stamp = new Date(a.createdAt).toISOString().replace(/[:.]/g, '-');
    const name = `${(p?.project ?? 'process').replace(/[^A-Za-z0-9_.-]/g, '_')}-${p?.pid ?? 0}-${stamp}${KIND_EXTENSION[a.kind]}`;
    if (req.query.inline === undefined) reply.header('content-disposition', `attachment; filename="${name}"`);
    reply.type(a.kind === 'heapsnapshot' ? 'application/octet-stream' : 'application/json').header('cache-control', 'no-store');
    const body = await hub.store.blobs.get(hub.store.artifactKey(a));
    if (a.encoding !== 'gzip') return reply.header('content-length', a.size).send(body);
    // Stored compressed: as is to a client that takes gzip (browsers save the plain file), else inflated.
    reply.header('vary', 'accept-encoding');
    if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) return reply.header('content-encoding', 'gzip').header('content-length', a.size).send(body);
    return reply.send(pipeline(body, createGunzip(), () => undefined));
  });
  app.delete<{ Params: { id: string } }>('/api/artifacts/:id', async (req) => {
    await cfg.housekeeper.deleteArtifact(req.params.id);
    return { ok: true };
  });
  app.delete<{ Params: { id: string } }>('/api/reports/:id', async (req) => {
    await cfg.housekeeper.deleteReport(req.params.id);
    return { ok: true };
  });
  app.get<{ Params: { id: string } }>('/api/reports/:id', async (req, reply) => {
    const r = hub.store.reports.get(req.params.id);
    if (!r) throw new HubError(404, 'unknown report');
    return reply.type('application/json').header('cache-control', 'no-store').send(await hub.store.blobs.get(hub.store.reportKey(r)));
  });
  app.get<{ Params: { id: string; node: string } }>('/api/reports/:id/retainers/:node', async (req) => hub.retainerPath(req.params.id, Number(req.params.node)));
  app.get<{ Params: { id: string } }>('/api/reports/:id/meta', async (req) => {
    const r = hub.store.reports.get(req.params.id);
    if (!r) throw new HubError(404, 'unknown report');
    return r;
  });

  // ---------------------------------------------------------------- findings and project settings
  const findings = (): FindingStore => hub.capture!.findings;
  app.get('/api/findings', async () => findings().list());
  app.post<{ Params: { signature: string; action: string } }>('/api/findings/:signature/:action', async (req) => {
    const states: Record<string, FindingState> = { ack: 'acknowledged', mute: 'muted', reopen: 'open' };
    const state = states[req.params.action];
    if (!state) throw new HubError(404, 'action must be ack, mute or reopen');
    const f = await findings().setState(req.params.signature, state);
    if (!f) throw new HubError(404, 'unknown finding');
    hub.push({ type: 'finding', finding: f });
    return f;
  });
  app.get<{ Params: { name: string } }>('/api/projects/:name/settings', async (req) => findings().projectSettings(req.params.name));
  app.put<{ Params: { name: string }; Body: { [K in keyof SettingsRequest]?: unknown } }>('/api/projects/:name/settings', async (req) => {
    const v = req.body?.autoCapture;
    if (typeof v !== 'boolean') throw new HubError(400, 'body must be {"autoCapture": true|false}');
    const next = await findings().setProjectSettings(req.params.name, { autoCapture: v });
    hub.push({ type: 'settings', project: req.params.name, settings: next });
    return next;
  });

  registerExploreRoutes(app, hub, cfg.explorer); // explore: drill-down and browser uploads

  // ---------------------------------------------------------------- uploads (raw streamed bodies)
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
    scope.post<{ Params: { id: string } }>(`${UPLOAD_PATH_PREFIX}:id`, async (req, reply) => {
      const len = req.headers['content-length'];
      const length = len === undefined ? undefined : Number(len);
      const agent = req.headers['x-heapscope-agent'];
      const kind = req.headers['x-heapscope-kind'];
      const body = (req.body as Readable | undefined) ?? req.raw;
      // The body is streamed, so no blanket request timeout here: the socket's idle timeout must
      // outlast the upload's own idle timeout (receiveUpload), which gives the clearer error.
      req.raw.socket.setTimeout(Math.max(l.idleTimeoutMs, l.uploadIdleMs + 5000));
      try {
        const meta = await hub.receiveUpload(
          req.params.id,
          typeof agent === 'string' ? agent : undefined,
          typeof kind === 'string' ? kind : undefined,
          Number.isFinite(length) ? length : undefined,
          body,
        );
        return await reply.code(201).send({ ok: true, artifactId: meta.id, size: meta.size });
      } catch (err) {
        lingerThenClose(req.raw);
        throw err;
      }
    });
  });

  return app;
}

/** Destroys the socket if the request (headers and body) is not complete within `ms`. */
function requestDeadline(req: IncomingMessage, ms: number): void {
  if (req.complete || ms <= 0) return;
  const timer = setTimeout(() => {
    if (!req.complete) req.socket.destroy();
  }, ms);
  timer.unref();
  const clear = (): void => clearTimeout(timer);
  req.once('end', clear);
  req.once('close', clear);
}

export { DEFAULT_PORT, DEFAULT_HOST };
