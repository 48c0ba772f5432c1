// Deleting stored artifacts: by the retention limits (after every finished job and every 10
// minutes) and on the user's request. A deleted artifact takes along the reports that no longer
// have any of their snapshots, except a report a kept finding points at.
import type { Hub } from './hub/index.js';
import { HubError } from './hub/index.js';
import type { Job } from './jobs.js';
import { DEFAULT_RETENTION, planRetention, type Expiry, type RetentionConfig } from './retention.js';

const SWEEP_MS = 10 * 60_000;
const ACTIVE: ReadonlySet<Job['state']> = new Set(['queued', 'snapshot', 'profiling', 'uploading', 'reading', 'indexing', 'dominators', 'diagnosis']);

export class Housekeeper {
  readonly cfg: RetentionConfig;
  private readonly timer: NodeJS.Timeout;
  private running?: Promise<Expiry[]>;
  private again = false;

  constructor(
    private readonly hub: Hub,
    cfg: Partial<RetentionConfig> = {},
    private readonly log: (line: string) => void = () => undefined,
  ) {
    this.cfg = { ...DEFAULT_RETENTION, ...cfg };
    this.timer = setInterval(() => void this.enforce(), SWEEP_MS);
    this.timer.unref();
    hub.events.on('job', (job) => {
      if (job.state === 'ready') void this.enforce();
    });
  }

  /** Reports a finding the user kept (open or acknowledged, not muted) points at. */
  private pinnedReports(): Set<string> {
    const out = new Set<string>();
    for (const f of this.hub.capture?.findings.list() ?? []) if (f.state !== 'muted' && f.reportId) out.add(f.reportId);
    return out;
  }

  /** Artifacts never deleted: those of pinned reports and those a job is still working on. */
  pinnedArtifacts(): Map<string, string> {
    const why = new Map<string, string>();
    for (const id of this.pinnedReports()) {
      for (const a of this.hub.store.reports.get(id)?.artifactIds ?? []) why.set(a, 'a leak finding you kept points at it (mute the finding to release it)');
    }
    for (const j of this.hub.jobs.values()) {
      if (!ACTIVE.has(j.state)) continue;
      for (const a of [j.artifactId, ...(j.artifactIds ?? [])]) if (a) why.set(a, `a ${j.action} job is using it`);
    }
    return why;
  }

  /** Applies the retention limits now; serialised, and re-run once if asked again meanwhile. */
  enforce(): Promise<Expiry[]> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      const done: Expiry[] = [];
      do {
        this.again = false;
        const unlock = await this.hub.shared.lock('retention', 60_000).catch(() => undefined);
        if (!unlock) break; // another dashboard is at it
        try {
          const plan = planRetention(this.hub.store.artifacts.values(), new Set(this.pinnedArtifacts().keys()), this.cfg);
          for (const e of plan) {
            await this.remove(e.artifactId);
            done.push(e);
          }
          if (plan.length) this.log(`retention: deleted ${plan.length} artifact(s) (${summary(plan)})`);
        } finally {
          await unlock();
        }
      } while (this.again);
      return done;
    })().finally(() => (this.running = undefined));
    return this.running;
  }

  /** The user's delete: refused for a pinned artifact, with the reason. */
  async deleteArtifact(id: string): Promise<void> {
    if (!this.hub.store.artifacts.has(id)) throw new HubError(404, 'unknown artifact');
    const why = this.pinnedArtifacts().get(id);
    if (why) throw new HubError(409, `this snapshot is kept: ${why}`);
    await this.remove(id);
  }

  async deleteReport(id: string): Promise<void> {
    if (!this.hub.store.reports.has(id)) throw new HubError(404, 'unknown report');
    if (this.pinnedReports().has(id)) throw new HubError(409, 'this report is kept: a leak finding you kept points at it (mute the finding to release it)');
    await this.hub.store.deleteReport(id);
    for (const a of this.hub.store.artifacts.values()) {
      if (a.reportId === id) {
        delete a.reportId;
        await this.hub.store.saveArtifact(a);
        this.hub.push({ type: 'artifact', artifact: a });
      }
    }
    this.hub.push({ type: 'reportDeleted', id });
  }

  private async remove(artifactId: string): Promise<void> {
    await this.hub.store.deleteArtifact(artifactId);
    this.hub.push({ type: 'artifactDeleted', id: artifactId });
    const pinned = this.pinnedReports();
    for (const r of [...this.hub.store.reports.values()]) {
      if (pinned.has(r.id) || !r.artifactIds.includes(artifactId)) continue;
      if (r.artifactIds.some((a) => this.hub.store.artifacts.has(a))) continue;
      await this.hub.store.deleteReport(r.id);
      this.hub.push({ type: 'reportDeleted', id: r.id });
    }
  }

  close(): void {
    clearInterval(this.timer);
  }
}

function summary(plan: Expiry[]): string {
  const n = (r: Expiry['reason']): number => plan.filter((e) => e.reason === r).length;
  return [`${n('age')} by age`, `${n('count')} by count`, `${n('size')} by total size`].filter((s) => !s.startsWith('0 ')).join(', ');
}
