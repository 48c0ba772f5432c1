// `heapscope dashboard`: the web UI + agent endpoint, one port (default 127.0.0.1:12333).
import type { Command } from 'commander';
import { DEFAULT_HOST, DEFAULT_PORT } from '../../protocol/index.js';
import type { Dashboard } from '../../dashboard/index.js';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { hostForUrl, parseNonNegative, probe, type Health, type RetentionConfig } from '../../dashboard/index.js';

export interface ServeOptions {
  port: number;
  host: string;
  data?: string;
  token?: string;
  tlsCert?: string;
  tlsKey?: string;
  /** POST a summary of each new finding here (default $HEAPSCOPE_WEBHOOK). */
  webhook?: string;
  /** Share state with other dashboards through this Redis (default $HEAPSCOPE_REDIS). */
  redis?: string;
  /** Store snapshots and reports in this bucket, s3://BUCKET[/PREFIX] (default $HEAPSCOPE_S3). */
  s3?: string;
  /** Retention overrides (default HEAPSCOPE_KEEP_* env, then 20 / 30 days / 20 GB). */
  retention?: Partial<RetentionConfig>;
}

export function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`invalid port ${JSON.stringify(v)}`);
  return n;
}

function readTls(o: ServeOptions): { cert: Buffer; key: Buffer } | undefined {
  if (!o.tlsCert && !o.tlsKey) return undefined;
  if (!o.tlsCert || !o.tlsKey) throw new Error('--tls-cert and --tls-key go together');
  const read = (what: string, f: string): Buffer => {
    try {
      return readFileSync(f);
    } catch (err) {
      throw new Error(`cannot read the TLS ${what} ${f}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  return { cert: read('certificate', o.tlsCert), key: read('key', o.tlsKey) };
}

/** Start a dashboard, or return undefined when one already answers on that port. */
export async function serveOrReuse(o: ServeOptions): Promise<Dashboard | undefined> {
  // loaded here, not at startup: the web server's modules cost every other command ~0.1 s
  const { DashboardConfigError, startDashboard } = await import('../../dashboard/server.js');
  try {
    return await startDashboard({
      port: o.port,
      host: o.host,
      dataDir: o.data,
      token: o.token,
      tls: readTls(o),
      webhook: o.webhook,
      redis: o.redis,
      s3: o.s3,
      retention: o.retention,
      log: (l) => process.stderr.write(`${l}\n`),
      // One line per new finding on stdout, where a supervisor's log collector looks.
      findingLog: (l) => process.stdout.write(`${l}\n`),
    });
  } catch (err) {
    if (err instanceof DashboardConfigError) throw err;
    if ((err as { code?: string }).code === 'EADDRINUSE') {
      const url = `http://${hostForUrl(o.host)}:${o.port}`;
      if (await probe(url)) return undefined;
      throw new Error(`port ${o.port} on ${o.host} is used by another program; pick another with --port`);
    }
    if ((err as { code?: string }).code === 'EADDRNOTAVAIL') throw new Error(`cannot listen on ${o.host}: no such local address`);
    throw err;
  }
}

/** "pid N, data D" of a running dashboard, as far as it tells us. */
const describe = (h: Health | undefined): string => [h?.pid ? `pid ${h.pid}` : '', h?.dataDir ? `data ${h.dataDir}` : ''].filter(Boolean).join(', ');

/** `heapscope dashboard --stop`: SIGTERM the local dashboard on that port and wait until it is gone. */
async function stopDashboard(o: ServeOptions): Promise<void> {
  const url = `http://${hostForUrl(o.host)}:${o.port}`;
  const h = await probe(url, 1500, o.token);
  if (!h) {
    process.stdout.write(`no heapscope dashboard answers at ${url}\n`);
    return;
  }
  if (!h.pid) throw new Error(`the dashboard at ${url} did not say its pid (not local, or pass its --token / HEAPSCOPE_TOKEN)`);
  process.kill(h.pid, 'SIGTERM');
  const end = Date.now() + 10_000;
  while (Date.now() < end && (await probe(url, 500))) await new Promise((r) => setTimeout(r, 100));
  if (await probe(url, 500)) throw new Error(`the dashboard (pid ${h.pid}) is still running after 10 s`);
  process.stdout.write(`stopped the heapscope dashboard at ${url} (${describe(h)})\n`);
}

export function register(program: Command): void {
  program
    .command('dashboard')
    .description('start the dashboard (web UI and agent endpoint on one port)')
    .option('-p, --port <port>', 'port', String(DEFAULT_PORT))
    .option('--host <host>', 'address to bind (anything but loopback requires a token)', DEFAULT_HOST)
    .option('--data <dir>', 'data directory (default $HEAPSCOPE_DATA or ~/.heapscope)')
    .option('--token <token>', 'shared secret for browsers and agents (default $HEAPSCOPE_TOKEN)')
    .option('--tls-cert <file>', 'serve HTTPS/WSS with this PEM certificate (chain) (default $HEAPSCOPE_TLS_CERT)')
    .option('--tls-key <file>', 'the PEM private key of --tls-cert (default $HEAPSCOPE_TLS_KEY)')
    .option('--webhook <url>', 'POST each new leak finding (JSON, plain-text `text` field) here (default $HEAPSCOPE_WEBHOOK)')
    .option('--redis <url>', 'share processes, metrics, jobs, findings and reports with other dashboards through this Redis, redis://HOST:PORT (default $HEAPSCOPE_REDIS); --data must then be a directory they all share, or use --s3')
    .option(
      '--s3 <url>',
      'store snapshots, reports and findings in an S3-compatible bucket, s3://BUCKET[/PREFIX] (default $HEAPSCOPE_S3; endpoint, region, path style: $HEAPSCOPE_S3_ENDPOINT, _REGION, _FORCE_PATH_STYLE; credentials: the AWS SDK\'s, e.g. $AWS_ACCESS_KEY_ID)',
    )
    .option('--keep-snapshots <n>', 'heap snapshots kept per process, oldest deleted first; 0 = no limit (default $HEAPSCOPE_KEEP_SNAPSHOTS or 20)')
    .option('--keep-days <days>', 'delete snapshots and profiles older than this; 0 = never (default $HEAPSCOPE_KEEP_DAYS or 30)')
    .option('--keep-gb <gb>', 'keep all snapshots and profiles together under this many GB; 0 = no limit (default $HEAPSCOPE_KEEP_GB or 20)')
    .option('--stop', 'stop the dashboard running on this port (on this machine)')
    .action(async (opts: { port: string; host: string; data?: string; token?: string; stop?: boolean; tlsCert?: string; tlsKey?: string; webhook?: string; redis?: string; s3?: string; keepSnapshots?: string; keepDays?: string; keepGb?: string }) => {
      const retention: Partial<RetentionConfig> = {};
      if (opts.keepSnapshots !== undefined) retention.maxSnapshotsPerProcess = Math.floor(parseNonNegative('--keep-snapshots', opts.keepSnapshots));
      if (opts.keepDays !== undefined) retention.maxAgeDays = parseNonNegative('--keep-days', opts.keepDays);
      if (opts.keepGb !== undefined) retention.maxTotalBytes = Math.round(parseNonNegative('--keep-gb', opts.keepGb) * 1024 ** 3);
      const o: ServeOptions = {
        port: parsePort(opts.port),
        host: opts.host,
        data: opts.data,
        token: opts.token ?? (process.env.HEAPSCOPE_TOKEN || undefined),
        tlsCert: opts.tlsCert ?? (process.env.HEAPSCOPE_TLS_CERT || undefined),
        tlsKey: opts.tlsKey ?? (process.env.HEAPSCOPE_TLS_KEY || undefined),
        webhook: opts.webhook,
        redis: opts.redis,
        s3: opts.s3,
        retention,
      };
      if (opts.stop) return stopDashboard(o);
      const dash = await serveOrReuse(o);
      if (!dash) {
        const url = `http://${hostForUrl(o.host)}:${o.port}`;
        const h = await probe(url, 1500, o.token);
        const which = describe(h);
        const other = h?.dataDir && o.data && resolve(o.data) !== h.dataDir ? `; it does not use ${resolve(o.data)}` : '';
        process.stdout.write(
          `heapscope dashboard already running at ${url}${which ? ` (${which})` : ''}${other}; stop it with \`heapscope dashboard --stop --port ${o.port}\`\n`,
        );
        return;
      }
      process.stdout.write(`heapscope dashboard: ${dash.url}${o.token ? '  (open it once with ?token=<your token>)' : ''}\n`);
      process.stdout.write(`data: ${dash.dataDir}\n`);
      if (dash.storage !== dash.dataDir) process.stdout.write(`storage: ${dash.storage}\n`);
      if (dash.shared.shared) process.stdout.write(`sharing state through Redis as dashboard ${dash.shared.id}\n`);
      const stop = (): void => {
        void dash.close().finally(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
