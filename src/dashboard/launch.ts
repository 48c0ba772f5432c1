// Shared by `heapscope run` and `heapscope demo`: make sure a dashboard answers, then start a
// Node program with the agent pointed at it.
import { spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { distFile, withHugePages } from '../shared/index.js';
import { hostForUrl, probe, waitForDashboard } from './client.js';
import { defaultDataDir } from './store.js';

export interface Target {
  host: string;
  port: number;
  token?: string;
  dataDir?: string;
}

export const baseUrl = (t: Pick<Target, 'host' | 'port'>): string => `http://${hostForUrl(t.host)}:${t.port}`;

/** Reuse a running dashboard or start one as a detached process that outlives this command. */
export async function ensureDashboard(t: Target): Promise<{ url: string; started: boolean }> {
  const url = baseUrl(t);
  if (await probe(url)) return { url, started: false };
  const dataDir = t.dataDir ?? defaultDataDir();
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const logFd = openSync(join(dataDir, 'dashboard.log'), 'a', 0o600);
  const env: NodeJS.ProcessEnv = withHugePages({ ...process.env, HEAPSCOPE_DISABLE: '1' });
  delete env.NODE_OPTIONS;
  if (t.token) env.HEAPSCOPE_TOKEN = t.token;
  const args = [distFile('cli', 'main.js'), 'dashboard', '--port', String(t.port), '--host', t.host, '--data', dataDir];
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', logFd, logFd], env });
  child.unref();
  if (!(await waitForDashboard(url, 15_000))) {
    throw new Error(`the dashboard did not start on ${url}; see ${join(dataDir, 'dashboard.log')}`);
  }
  return { url, started: true };
}

/** Environment that makes any `node` started under it load the agent, reporting to `url`. */
export function agentEnv(url: string, token: string | undefined, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  delete env.HEAPSCOPE_DISABLE;
  const preload = `--require ${JSON.stringify(distFile('register.cjs'))}`;
  env.NODE_OPTIONS = base.NODE_OPTIONS ? `${base.NODE_OPTIONS} ${preload}` : preload;
  env.HEAPSCOPE_URL = url.replace(/^http/, 'ws');
  env.HEAPSCOPE_AUTOSTART = '0';
  if (token) env.HEAPSCOPE_TOKEN = token;
  return env;
}
