// MEM / CPU / ALLOC: a command to one agent, and the frames that move its job along (accepted,
// progress, result, error) until the upload arrives (uploads.ts) or the agent goes away.
import { checkCommand, type AgentMessage, type CommandAction, type CommandMessage } from '../../protocol/index.js';
import type { Job } from '../jobs.js';
import type { Store } from '../store.js';
import type { Agents } from './agents.js';
import type { TriggerExtra } from './events.js';
import { HubError } from './errors.js';
import { AGENT_STATES, isFinished, type JobTable } from './jobs.js';
import type { FleetLink } from '../fleet/link.js';

/** How long an agent has to accept a command. */
const ACCEPT_TIMEOUT_MS = 30_000;

export class Commands {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly store: Store,
    private readonly agents: Agents,
    private readonly table: JobTable,
    private readonly fleet: FleetLink,
  ) {}

  trigger(processId: string, action: CommandAction, seconds?: number, extra: TriggerExtra = {}): Job {
    const socket = this.agents.socket(processId);
    if (!this.store.processes.has(processId)) throw new HubError(404, `unknown process ${processId}`);
    // An agent on another dashboard gets the command through it.
    if (!socket && !this.fleet.ownerOf(processId)) throw new HubError(409, 'the process is not connected');
    const busy = this.table.busyWith(processId);
    if (busy) throw new HubError(409, `the process is busy with ${busy.action} (${busy.state})`);
    const options = seconds !== undefined && action !== 'heapSnapshot' ? { seconds, ...extra.options } : extra.options;
    const cmd: CommandMessage = { type: 'command', id: '', action, options };
    const job = this.table.create(processId, action, { seconds: cmd.options?.seconds, source: extra.source, analyze: extra.analyze === false ? false : undefined });
    cmd.id = job.id;
    const invalid = checkCommand(cmd);
    if (invalid) {
      this.table.discard(job);
      throw new HubError(400, invalid);
    }
    if (socket) socket.send(JSON.stringify(cmd));
    else this.fleet.forward(processId, cmd, job);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      // 'queued' also means queued for analysis once the upload is in: only no answer at all fails.
      if (job.state === 'queued' && !job.artifactId && !this.table.uploading.has(job.id)) this.table.fail(job, 'the agent did not answer the command');
    }, ACCEPT_TIMEOUT_MS);
    timer.unref();
    this.timers.add(timer);
    return job;
  }

  /** A job frame from the agent of `processId`; frames about another process's jobs are ignored. */
  onFrame(processId: string, msg: AgentMessage, onLog: (line: string) => void): void {
    const { table } = this;
    switch (msg.type) {
      case 'accepted': {
        const job = table.jobs.get(msg.id);
        if (job && job.processId === processId && job.state === 'queued') {
          table.update(job, { state: job.action === 'heapSnapshot' ? 'snapshot' : 'profiling', percent: undefined });
        }
        return;
      }
      case 'progress': {
        const job = table.jobs.get(msg.id);
        if (!job || job.processId !== processId || !AGENT_STATES.includes(job.state)) return;
        if (msg.stage === 'uploading') {
          if (table.uploading.has(job.id)) return; // our own byte count is authoritative
          const pct = msg.total ? Math.floor(((msg.bytes ?? 0) / msg.total) * 100) : msg.percent;
          table.update(job, { state: 'uploading', percent: pct });
        } else {
          table.update(job, { state: msg.stage === 'profiling' ? 'profiling' : 'snapshot', percent: msg.percent });
        }
        return;
      }
      case 'result': {
        const job = table.jobs.get(msg.id);
        if (job && job.processId === processId && msg.cost && typeof msg.cost === 'object') table.update(job, { cost: msg.cost });
        if (job && job.processId === processId && !job.artifactId && job.state !== 'failed' && !table.uploading.has(job.id)) {
          table.fail(job, 'the agent reported success but no upload arrived');
        }
        return;
      }
      case 'error': {
        const job = msg.id ? table.jobs.get(msg.id) : undefined;
        if (job && job.processId === processId) {
          if (!isFinished(job)) table.fail(job, `${msg.code}: ${msg.message}`);
        } else onLog(`agent ${processId}: ${msg.code}: ${msg.message}`);
        return;
      }
      default:
        return;
    }
  }

  /** The agent left: its jobs still waiting on it fail (an upload under way may still finish). */
  onGone(processId: string): void {
    for (const job of this.table.jobs.values()) {
      if (job.processId === processId && AGENT_STATES.includes(job.state) && !this.table.uploading.has(job.id) && !job.artifactId) {
        this.table.fail(job, 'the process disconnected before the artifact arrived');
      }
    }
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
  }
}
