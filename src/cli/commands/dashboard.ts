// `heapscope dashboard`: the web UI + agent endpoint, one port (default 127.0.0.1:12333).
import type { Command } from 'commander';
import { DEFAULT_HOST, DEFAULT_PORT } from '../../protocol/index.js';
import type { Dashboard } from '../../dashboard/server.js';
import { hostForUrl, probe } from '../../dashboard/client.js';

export interface ServeOptions {
  port: number;
  host: string;
  data?: string;
  token?: string;
  /** POST a summary of each new finding here (default $HEAPSCOPE_WEBHOOK). */
  webhook?: string;
}

export function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`invalid port ${JSON.stringify(v)}`);
  return n;
}

/** Start a dashboard, or return undefined when one already answers on that port. */
export async function serveOrReuse(o: ServeOptions): Promise<Dashboard | undefined> {
  // loaded here, not at startup: the web server's modules cost every other command ~0.1 s
  const { DashboardConfigError, startDashboard } = await import('../../dashboard/server.js');
  try {
    return await startDashboard({ port: o.port, host: o.host, dataDir: o.data, token: o.token,
      webhook: o.webhook,
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

export function register(program: Command): void {
  program
    .command('dashboard')
    .description('start the dashboard (web UI and agent endpoint on one port)')
    .option('-p, --port <port>', 'port', String(DEFAULT_PORT))
    .option('--host <host>', 'address to bind (anything but loopback requires a token)', DEFAULT_HOST)
    .option('--data <dir>', 'data directory (default $HEAPSCOPE_DATA or ~/.heapscope)')
    .option('--token <token>', 'shared secret for browsers and agents (default $HEAPSCOPE_TOKEN)')
    .option('--webhook <url>', 'POST each new leak finding (JSON, plain-text `text` field) here (default $HEAPSCOPE_WEBHOOK)')
    .action(async (opts: { port: string; host: string; data?: string; token?: string; webhook?: string }) => {
      const o: ServeOptions = {
        port: parsePort(opts.port),
        host: opts.host,
        data: opts.data,
        token: opts.token ?? (process.env.HEAPSCOPE_TOKEN || undefined),
        webhook: opts.webhook,
      };
      const dash = await serveOrReuse(o);
      if (!dash) {
        process.stdout.write(`heapscope dashboard already running at http://${hostForUrl(o.host)}:${o.port}\n`);
        return;
      }
      process.stdout.write(`heapscope dashboard: ${dash.url}${o.token ? '  (open it once with ?token=<your token>)' : ''}\n`);
      process.stdout.write(`data: ${dash.dataDir}\n`);
      const stop = (): void => {
        void dash.close().finally(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
