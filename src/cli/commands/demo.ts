// `heapscope demo`: the README's first command. Starts a dashboard and a demo app that leaks (the
// seed's closure leak, agent embedded) and prints the URL. `--headless` runs the whole loop once
// through the real dashboard path (agent connects -> MEM -> upload -> analysis -> report), prints
// the text report and exits 0, so a newcomer or CI sees it work without a browser.
import type { Command } from 'commander';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_HOST, DEFAULT_PORT } from '../../protocol/index.js';
import { packageRoot } from '../../shared/index.js';
import { agentEnv } from '../../dashboard/index.js';
import { runForwarding } from '../lib/forward.js';
import { apiCall } from '../../dashboard/index.js';
import { renderDiagnosisText } from '../../report/index.js';
import type { Dashboard } from '../../dashboard/index.js';
import type { Job } from '../../dashboard/index.js';
import type { HeapReport } from '../../diagnosis/index.js';
import { parsePort, serveOrReuse } from './dashboard.js';

interface DemoOptions {
  headless?: boolean;
  port?: string;
  host: string;
  data?: string;
  token?: string;
  timeout: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function register(program: Command): void {
  program
    .command('demo')
    .description('start the dashboard and a leaking demo app; --headless: snapshot once, print the report, exit')
    .option('--headless', 'run once without a browser: snapshot, analyse, print the text report, exit')
    .option('-p, --port <port>', `dashboard port (default ${DEFAULT_PORT}; headless: a free port)`)
    .option('--host <host>', 'dashboard address', DEFAULT_HOST)
    .option('--data <dir>', 'data directory (headless default: a temporary one)')
    .option('--token <token>', 'dashboard token (default $HEAPSCOPE_TOKEN)')
    .option('--timeout <seconds>', 'headless: give up after this long', '120')
    .action(async (opts: DemoOptions) => {
      const code = opts.headless ? await headless(opts) : await interactive(opts);
      process.exit(code);
    });
}

function demoApp(): string {
  return join(packageRoot(), 'examples', 'demo-leak.cjs');
}

async function interactive(opts: DemoOptions): Promise<number> {
  const token = opts.token ?? (process.env.HEAPSCOPE_TOKEN || undefined);
  const port = opts.port === undefined ? DEFAULT_PORT : parsePort(opts.port);
  const dash = await serveOrReuse({ port, host: opts.host, data: opts.data, token });
  const url = dash?.url ?? `http://${opts.host}:${port}`;
  const env = agentEnv(url, token);
  delete env.NODE_OPTIONS; // the demo embeds the agent itself: require('heapscope')('heapscope-demo')
  const { child, done } = runForwarding(process.execPath, [demoApp()], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  process.stdout.write(
    `heapscope demo: open ${url}${token ? '/?token=<your token>' : ''}\n` +
      `  pick "heapscope-demo" (pid ${child.pid}), watch memory grow, click MEM for a leak report, CPU for a profile.\n` +
      `  Ctrl-C stops the demo${dash ? ' and the dashboard' : ''}.\n`,
  );
  const code = await done;
  await dash?.close();
  return code === 130 ? 0 : code;
}

async function headless(opts: DemoOptions): Promise<number> {
  const token = opts.token ?? (process.env.HEAPSCOPE_TOKEN || undefined);
  const port = opts.port === undefined ? 0 : parsePort(opts.port);
  const deadline = Date.now() + Number(opts.timeout) * 1000;
  const tmpData = opts.data ? undefined : await mkdtemp(join(tmpdir(), 'heapscope-demo-'));
  let dash: Dashboard | undefined;
  let child: ReturnType<typeof runForwarding>['child'] | undefined;
  const say = (line: string): void => void process.stderr.write(`${line}\n`);
  try {
    dash = await serveOrReuse({ port, host: opts.host, data: opts.data ?? tmpData, token });
    if (!dash) throw new Error(`a dashboard already runs on port ${port}; pick another with --port`);
    const url = dash.url;
    say(`dashboard: ${url}`);
    const env = agentEnv(url, token);
    delete env.NODE_OPTIONS;
    env.HEAPSCOPE_DEMO_EVERY_MS = '50';
    env.HEAPSCOPE_DEMO_MAX_LEAKS = '60';
    const run = runForwarding(process.execPath, [demoApp()], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    child = run.child;
    const exited = run.done.then((c) => {
      throw new Error(`the demo app exited early (code ${c})`);
    });
    exited.catch(() => undefined);

    // 1. Wait for the agent to say hello.
    const pid = child.pid;
    let processId: string | undefined;
    while (!processId) {
      if (Date.now() > deadline) throw new Error('the demo app never connected to the dashboard');
      await Promise.race([sleep(100), exited]);
      const procs = await apiCall<{ id: string; pid: number; live: boolean }[]>(url, '/api/processes', token);
      processId = procs.find((p) => p.pid === pid && p.live)?.id;
    }
    say(`agent connected: heapscope-demo pid ${pid}`);
    // 2. Let it leak for a moment (60 requests, 50 ms apart).
    await Promise.race([sleep(3500), exited]);
    // 3. MEM, through the same API the browser's button calls.
    const started = Date.now();
    let job = await apiCall<Job>(url, `/api/processes/${processId}/actions`, token, { method: 'POST', body: JSON.stringify({ action: 'heapSnapshot' }) });
    let shown = '';
    while (job.state !== 'ready' && job.state !== 'failed') {
      if (Date.now() > deadline) throw new Error(`timed out while the job was ${job.state}`);
      await Promise.race([sleep(100), exited]);
      job = await apiCall<Job>(url, `/api/jobs/${job.id}`, token);
      const label = `${job.state}${job.percent !== undefined ? ` ${job.percent} %` : ''}`;
      if (label.split(' ')[0] !== shown.split(' ')[0]) say(`  ${label}`);
      shown = label;
    }
    if (job.state === 'failed') throw new Error(`heap snapshot failed: ${job.error}`);
    say(`report ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    const report = await apiCall<HeapReport>(url, `/api/reports/${job.reportId}`, token);
    process.stdout.write(`${await renderText(report)}\n`);
    return 0;
  } catch (err) {
    say(`heapscope demo: ${(err as Error).message}`);
    return 1;
  } finally {
    if (child && child.exitCode === null) child.kill('SIGTERM');
    await dash?.close();
    if (tmpData) await rm(tmpData, { recursive: true, force: true });
  }
}

/** The diagnosis text renderer (the same text as `heapscope analyze`). */
async function renderText(report: HeapReport): Promise<string> {
  return renderDiagnosisText(report);
}
