// The job table: every job the browsers see, its state changes pushed to them (progress ticks
// throttled) and announced on the hub's events. Old finished jobs are dropped past MAX_JOBS.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Job, JobAction, JobState } from '../jobs.js';
import type { Browsers } from './browsers.js';
import type { HubEmitter } from './events.js';

const MAX_JOBS = 300;
/** Least time between two progress pushes of one job, ms. */
const PROGRESS_PUSH_MS = 150;

/** States in which a job waits on its agent (command sent, artifact not received yet). */
export const AGENT_STATES: readonly JobState[] = ['queued', 'snapshot', 'profiling', 'uploading'];

export const isFinished = (j: Job): boolean => j.state === 'ready' || j.state === 'failed';

export class JobTable {
  readonly jobs = new Map<string, Job>();
  /** Jobs whose artifact is arriving now: the dashboard's own byte count is authoritative. */
  readonly uploading = new Set<string>();
  private readonly lastPush = new Map<string, number>();
  /** State changes made here or on another dashboard (wait); `events.job` is this dashboard's own. */
  private readonly changes = new EventEmitter<{ job: [job: Job] }>();

  constructor(
    private readonly browsers: Browsers,
    private readonly events: HubEmitter,
  ) {}

  create(processId: string, action: JobAction, extra: Partial<Job> = {}): Job {
    const now = Date.now();
    const job: Job = { id: `${now.toString(36)}-${randomBytes(6).toString('hex')}`, processId, action, state: 'queued', createdAt: now, updatedAt: now, ...extra };
    this.jobs.set(job.id, job);
    if (this.jobs.size > MAX_JOBS) {
      for (const [id, j] of this.jobs) {
        if (this.jobs.size <= MAX_JOBS) break;
        if (isFinished(j)) {
          this.jobs.delete(id);
          this.lastPush.delete(id);
        }
      }
    }
    this.browsers.broadcast({ type: 'job', job });
    return job;
  }

  /** A job changed on another dashboard: one object per job here, so timers and waiters see it. */
  fromPeer(remote: Job): Job {
    let job = this.jobs.get(remote.id);
    if (job && job.updatedAt > remote.updatedAt) return job;
    if (job) {
      for (const k of Object.keys(job) as (keyof Job)[]) if (!(k in remote)) delete job[k];
      Object.assign(job, remote);
    } else this.jobs.set(remote.id, (job = { ...remote }));
    this.browsers.broadcastLocal({ type: 'job', job });
    this.changes.emit('job', job);
    return job;
  }

  /** Forgets a job that never started (its command was invalid). */
  discard(job: Job): void {
    this.jobs.delete(job.id);
  }

  update(job: Job, patch: Partial<Job>): void {
    const stateChanged = patch.state !== undefined && patch.state !== job.state;
    Object.assign(job, patch, { updatedAt: Date.now() });
    if (job.state === 'ready') job.elapsedMs = job.updatedAt - job.createdAt;
    if (stateChanged) {
      this.events.emit('job', job);
      this.changes.emit('job', job);
    }
    // Progress ticks are throttled; state changes always go out.
    const last = this.lastPush.get(job.id) ?? 0;
    if (!stateChanged && job.updatedAt - last < PROGRESS_PUSH_MS && !isFinished(job)) return;
    this.lastPush.set(job.id, job.updatedAt);
    this.browsers.broadcast({ type: 'job', job });
  }

  fail(job: Job, reason: string): void {
    this.update(job, { state: 'failed', error: reason, percent: undefined });
    this.lastPush.delete(job.id);
  }

  /** Resolves with the job once it is ready or failed. */
  wait(jobId: string): Promise<Job> {
    return new Promise((resolve, reject) => {
      const now = this.jobs.get(jobId);
      if (!now) return reject(new Error(`unknown job ${jobId}`));
      if (isFinished(now)) return resolve(now);
      const on = (j: Job): void => {
        if (j.id !== jobId || !isFinished(j)) return;
        this.changes.off('job', on);
        resolve(j);
      };
      this.changes.on('job', on);
    });
  }

  /** The job a process's agent is working on, if any (an agent runs one command at a time). */
  busyWith(processId: string): Job | undefined {
    return [...this.jobs.values()].find((j) => j.processId === processId && AGENT_STATES.includes(j.state));
  }
}
