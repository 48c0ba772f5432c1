// Starts a dashboard as a detached separate process when none answers on loopback, on the agent's
// first connection attempt only (a dashboard the user stopped or is restarting is not replaced).
// Every agent on the machine may try; only one binds the port, the rest exit with EADDRINUSE.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { debug, errorMessage, warn } from './log.js';
import { builtFile, withHugePages } from '../shared/index.js';

/** dist/cli/main.js next to the bundled agent (dist/index.js, dist/register.cjs, ...). */
function findCli(): string | undefined {
  const override = process.env.HEAPSCOPE_CLI;
  if (override) return existsSync(override) ? override : undefined;
  return builtFile('cli', 'main.js') ?? undefined;
}

/** Where a dashboard started from here keeps its data: $HEAPSCOPE_DATA or ~/.heapscope (as the CLI). */
function autostartDataDir(): string {
  const d = process.env.HEAPSCOPE_DATA;
  return d ? resolve(d) : join(homedir(), '.heapscope');
}

export function startDashboard(host: string, port: number, token: string | undefined): boolean {
  const cli = findCli();
  if (!cli) {
    debug('no dashboard reachable and the heapscope CLI was not found; not starting one');
    return false;
  }
  try {
    // huge pages for the analyses it runs (shared/glibc-tunables.ts); the app itself is left as it is
    const env: NodeJS.ProcessEnv = withHugePages({ ...process.env, HEAPSCOPE_DISABLE: '1' });
    // The dashboard must not preload an agent (NODE_OPTIONS may carry --require heapscope/register).
    delete env.NODE_OPTIONS;
    if (token) env.HEAPSCOPE_TOKEN = token;
    const data = autostartDataDir();
    const child = spawn(process.execPath, [cli, 'dashboard', '--port', String(port), '--host', host, '--data', data], {
      detached: true,
      stdio: 'ignore',
      env,
      windowsHide: true,
    });
    child.on('error', (err) => debug(`dashboard start failed: ${errorMessage(err)}`));
    child.unref();
    // The one line a user sees: a server now outlives this app, so say which, where and how to stop it.
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    warn(`no dashboard answered at ${url}, so this app started one (pid ${child.pid}, data in ${data}); it keeps running after the app exits: stop it with \`npx heapscope dashboard --stop --port ${port}\` (HEAPSCOPE_AUTOSTART=0 turns this off)`);
    return true;
  } catch (err) {
    debug(`dashboard start failed: ${errorMessage(err)}`);
    return false;
  }
}
