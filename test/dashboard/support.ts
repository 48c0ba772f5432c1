// Helpers for the dashboard tests: real dashboards on 127.0.0.1:0, real agent processes (the built
// dist/register.cjs preloaded into fixture apps), polling until the dashboard shows what we expect.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { startDashboard, type Dashboard, type DashboardOptions } from '../../src/dashboard/server.js';
import type { Job } from '../../src/dashboard/jobs.js';
import type { ProcessView } from '../../src/dashboard/hub/index.js';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const REGISTER = join(ROOT, 'dist', 'register.cjs');
export const CLI = join(ROOT, 'dist', 'cli', 'main.js');
export const APPS = join(ROOT, 'test', 'fixtures', 'apps');
export const MY_APPS = join(ROOT, 'test', 'dashboard', 'apps');

export async function tempDir(prefix = 'heapscope-dash-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Where a dashboard storing in its data directory (the default) keeps an artifact's body. */
export const artifactPath = (dash: Dashboard, a: { file: string }): string => join(dash.dataDir, 'artifacts', a.file);

export async function dashboard(opts: DashboardOptions = {}): Promise<Dashboard> {
  return startDashboard({ port: 0, host: '127.0.0.1', ...opts });
}

export async function waitFor<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

export interface AgentApp {
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

/**
 * A dashboard in a fresh data dir with one agent app reporting to it; both stopped and the dir
 * removed when the test ends.
 */
export async function dashboardWithApp(
  t: { after: (fn: () => Promise<void>) => void },
  app: string,
  opts: DashboardOptions = {},
  env: NodeJS.ProcessEnv = {},
): Promise<{ tmp: { dir: string; cleanup: () => Promise<void> }; dash: Dashboard; app: AgentApp }> {
  const tmp = await tempDir();
  const dash = await dashboard({ dataDir: tmp.dir, ...opts });
  const child = agentApp(app, dash.url, env);
  t.after(async () => {
    await child.stop();
    await dash.close();
    await tmp.cleanup();
  });
  return { tmp, dash, app: child };
}

/** Start `node --require dist/register.cjs <app>` reporting to `url` (no autostarted dashboards). */
export function agentApp(app: string, url: string, env: NodeJS.ProcessEnv = {}, extraArgs: string[] = []): AgentApp {
  const child = spawn(process.execPath, ['--require', REGISTER, ...extraArgs, app], {
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      HEAPSCOPE_URL: url,
      HEAPSCOPE_AUTOSTART: '0',
      HEAPSCOPE_INTERVAL: '200',
      HEAPSCOPE_RECONNECT_MIN_MS: '100',
      HEAPSCOPE_RECONNECT_MAX_MS: '400',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return {
    child,
    output: () => out,
    stop: () =>
      new Promise<void>((res) => {
        if (child.exitCode !== null || child.signalCode !== null) return res();
        child.once('exit', () => res());
        child.kill('SIGKILL');
      }),
  };
}

export async function api<T>(base: string, path: string, init: RequestInit & { token?: string } = {}): Promise<{ status: number; body: T; headers: Headers }> {
  const headers: Record<string, string> = { ...((init.headers as Record<string, string>) ?? {}) };
  if (init.body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  const res = await fetch(base + path, { ...init, headers });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body: body as T, headers: res.headers };
}

export async function liveProcess(dash: Dashboard, pid: number, timeoutMs = 20_000): Promise<ProcessView> {
  return waitFor(`pid ${pid} to connect`, () => dash.hub.state().processes.find((p) => p.pid === pid && p.live), timeoutMs);
}

/** Trigger an action through the HTTP API and wait for its job to finish. */
export async function runAction(dash: Dashboard, processId: string, action: string, seconds?: number, token?: string, timeoutMs = 45_000): Promise<Job> {
  const r = await api<Job>(dash.url, `/api/processes/${processId}/actions`, { method: 'POST', body: JSON.stringify({ action, seconds }), token });
  if (r.status !== 202) throw new Error(`action refused: ${r.status} ${JSON.stringify(r.body)}`);
  return waitFor(`${action} job`, () => {
    const j = dash.hub.jobs.get(r.body.id);
    return j && (j.state === 'ready' || j.state === 'failed') ? { ...j } : undefined;
  }, timeoutMs);
}

/**
 * Two dashboards sharing state both serve the job's report (the same body) and list it with its
 * snapshot, and B downloads the snapshot.
 */
export async function assertBothServe(a: Dashboard, b: Dashboard, done: Job): Promise<void> {
  const [ra, rb] = await Promise.all([a, b].map((d) => api<{ suspects: unknown[] }>(d.url, `/api/reports/${done.reportId}`)));
  assert.equal(ra!.status, 200);
  assert.equal(rb!.status, 200);
  assert.deepEqual(ra!.body, rb!.body);
  for (const d of [a, b]) {
    const st = (await api<{ reports: { id: string }[]; artifacts: { id: string }[] }>(d.url, '/api/state')).body;
    assert.ok(st.reports.some((r) => r.id === done.reportId) && st.artifacts.some((x) => x.id === done.artifactId), `${d.url} lists the report and the snapshot`);
  }
  const dl = await fetch(`${b.url}/api/artifacts/${done.artifactId}/download`);
  assert.equal(dl.status, 200);
  assert.match((await dl.text()).slice(0, 20), /^\{"snapshot":/);
}
