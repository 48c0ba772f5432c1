// Helpers for the automatic-capture tests: automatic snapshots through the real job path, and a
// private temp dir per test so the host-wide capture lock is not shared with other suites.
import { spawn } from 'node:child_process';
import type { Dashboard } from '../../src/dashboard/server.js';
import type { Job } from '../../src/dashboard/jobs.js';
import type { CommandOptions } from '../../src/protocol/index.js';

/** An automatic heapSnapshot (options.auto) sent through hub.trigger, resolved when it ends. */
export async function autoSnapshot(dash: Dashboard, processId: string, capture?: CommandOptions['capture']): Promise<Job> {
  const job = dash.hub.trigger(processId, 'heapSnapshot', undefined, { options: { auto: true, capture }, source: 'leak', analyze: false });
  return { ...(await dash.hub.waitJob(job.id)) };
}

/** The pid of a process that has exited (for stale locks and temp dirs). */
export function deadPid(): Promise<number> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, ['-e', '0']);
    c.once('exit', () => resolve(c.pid!));
  });
}
