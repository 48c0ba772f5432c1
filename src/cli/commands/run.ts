// `heapscope run [options] -- node app.js ...` (Clinic's habit): dashboard up (reused or started
// detached, so it outlives the app), the app started with the agent preloaded through NODE_OPTIONS,
// signals forwarded, the app's exit code returned.
import type { Command } from 'commander';
import { DEFAULT_HOST, DEFAULT_PORT } from '../../protocol/index.js';
import { ensureDashboard, agentEnv } from '../../dashboard/index.js';
import { runForwarding } from '../lib/forward.js';
import { parsePort } from './dashboard.js';

export function register(program: Command): void {
  program
    .command('run')
    .description('run a Node program with the agent preloaded and the dashboard up: heapscope run -- node app.js')
    .argument('<command...>', 'the program to run (after --)')
    .option('-p, --port <port>', 'dashboard port', String(DEFAULT_PORT))
    .option('--host <host>', 'dashboard address', DEFAULT_HOST)
    .option('--data <dir>', 'data directory for a dashboard started here')
    .option('--token <token>', 'dashboard token (default $HEAPSCOPE_TOKEN)')
    .option('--project <name>', 'project name shown in the dashboard (default: package.json name)')
    .allowUnknownOption()
    .action(async (command: string[], opts: { port: string; host: string; data?: string; token?: string; project?: string }) => {
      const token = opts.token ?? (process.env.HEAPSCOPE_TOKEN || undefined);
      const { checkBind } = await import('../../dashboard/server.js'); // not at startup (see serveOrReuse)
      checkBind(opts.host, token);
      const { url, started } = await ensureDashboard({ host: opts.host, port: parsePort(opts.port), token, dataDir: opts.data });
      process.stderr.write(`heapscope: dashboard ${started ? 'started' : 'running'} at ${url}\n`);
      const env = agentEnv(url, token);
      if (opts.project) env.HEAPSCOPE_PROJECT = opts.project;
      const [cmd, ...args] = command;
      const { done } = runForwarding(cmd!, args, { env });
      process.exitCode = await done;
    });
}
