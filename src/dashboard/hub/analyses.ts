// Analyses run in the analysis worker, one at a time (../jobs.ts AnalysisQueue): a snapshot's own
// report, a comparison of two snapshots or growth across 3+, and the retainer path of any object.
import { rm } from 'node:fs/promises';
import { AnalysisQueue, type Job } from '../jobs.js';
import type { ArtifactMeta, ReportMeta, Store } from '../store.js';
import type { Browsers } from './browsers.js';
import { HubError } from './errors.js';
import type { JobTable } from './jobs.js';
import type { AnalysisItem, SharedState } from '../fleet/state.js';

export class Analyses {
  readonly queue = new AnalysisQueue();

  constructor(
    private readonly store: Store,
    private readonly table: JobTable,
    private readonly browsers: Browsers,
    private readonly shared: SharedState,
  ) {}

  private closing = false;

  /** Re-run analysis of a stored snapshot (e.g. one whose analysis a restart interrupted). */
  analyzeArtifact(artifactId: string): Job {
    const a = this.store.artifacts.get(artifactId);
    if (!a) throw new HubError(404, 'unknown artifact');
    if (a.kind !== 'heapsnapshot') throw new HubError(400, 'only heap snapshots are analysed');
    const job = this.table.create(a.processId, 'analyze', { artifactId: a.id });
    void this.analyze(job, a);
    return job;
  }

  /** Queues the analysis of one snapshot for `job` (any dashboard of the fleet may run it); never throws. */
  async analyze(job: Job, a: ArtifactMeta): Promise<void> {
    const report = this.store.planReport(a.processId, 'heap', [a.id], `Heap snapshot ${new Date(a.createdAt).toISOString()}`);
    await this.enqueue({ job: { ...job }, mode: 'analyze', artifactIds: [a.id], report }, job);
  }

  private async enqueue(item: AnalysisItem, job: Job): Promise<void> {
    try {
      await this.shared.enqueue(item);
    } catch (err) {
      this.table.fail(job, `could not queue the analysis: ${(err as Error).message}`);
    }
  }

  /** Comparison of two snapshots of one process, or growth across 3+ (in time order). */
  compare(artifactIds: string[], source?: Job['source']): Job {
    const { store, table } = this;
    if (!Array.isArray(artifactIds) || artifactIds.length < 2) throw new HubError(400, 'select at least two heap snapshots');
    const arts = artifactIds.map((id) => {
      const a = store.artifacts.get(String(id));
      if (!a) throw new HubError(404, `unknown snapshot ${String(id)}`);
      if (a.kind !== 'heapsnapshot') throw new HubError(400, `${a.id} is not a heap snapshot`);
      return a;
    });
    // Any snapshots of the history may be compared (uploaded ones, other processes): object ids then
    // differ and the diagnosis falls back to per-class deltas (diagnosis/ids.ts).
    if (new Set(arts.map((a) => a.id)).size !== arts.length) throw new HubError(400, 'the same snapshot was selected twice');
    arts.sort((x, y) => x.createdAt - y.createdAt);
    const kind = arts.length === 2 ? 'compare' : 'growth';
    const job = table.create(arts[0]!.processId, kind, { artifactIds: arts.map((a) => a.id), source });
    const title = kind === 'compare' ? `Comparison of 2 snapshots` : `Growth across ${arts.length} snapshots`;
    const report = store.planReport(job.processId, kind, job.artifactIds!, title);
    void this.enqueue({ job: { ...job }, mode: 'diff', artifactIds: job.artifactIds!, report }, job);
    return job;
  }

  /** Runs one queued analysis here: a snapshot's report, or a comparison / growth report. */
  async run(item: AnalysisItem): Promise<void> {
    const { store, table } = this;
    const job = table.jobs.get(item.job.id) ?? table.fromPeer(item.job);
    const what = item.mode === 'analyze' ? 'analysis' : 'comparison';
    const arts: ArtifactMeta[] = [];
    for (const id of item.artifactIds) {
      // Uploaded through another dashboard a moment ago: its metadata may not have reached us yet.
      const a = store.artifacts.get(id) ?? (await store.readMeta('artifacts', id));
      if (!a) return table.fail(job, `${what} failed: snapshot ${id} is gone`);
      store.artifacts.set(a.id, a);
      arts.push(a);
    }
    const { report } = item;
    const files = await Promise.all(arts.map((a) => store.blobs.localFile(store.artifactKey(a))));
    const out = await store.blobs.scratchFile(report.id);
    try {
      const summary = (await this.queue.run({ mode: item.mode, files: files.map((f) => f.path), out }, (state, percent) => table.update(job, { state, percent }))) as
        | { totalSize?: number }
        | undefined;
      await store.blobs.putFile(store.reportKey(report), out);
      await store.saveReportMeta(report);
      this.browsers.broadcast({ type: 'report', report });
      if (item.mode === 'analyze') {
        const a = arts[0]!;
        a.reportId = report.id;
        if (summary?.totalSize) a.heapSize = summary.totalSize;
        await store.saveArtifact(a);
        this.browsers.broadcast({ type: 'artifact', artifact: a });
      } else await this.recordHeapSizes(arts, report);
      table.update(job, { state: 'ready', reportId: report.id, percent: undefined });
    } catch (err) {
      await rm(out, { force: true });
      await rm(`${out}.tmp`, { force: true });
      // Shutting down with other dashboards around: the queue gives the job to one of them.
      if (this.closing && this.shared.shared) throw err;
      table.fail(job, `${what} failed: ${(err as Error).message}`);
    } finally {
      await Promise.all(files.map((f) => f.release()));
    }
  }

  /**
   * Retainer path of any object of a report's snapshot (the viewer asks when a node is clicked).
   * Re-reads the snapshot in the worker: slower than a cache, but nothing big stays in memory.
   */
  async retainerPath(reportId: string, nodeId: number): Promise<unknown> {
    const r = this.store.reports.get(reportId);
    if (!r) throw new HubError(404, 'unknown report');
    if (!Number.isSafeInteger(nodeId) || nodeId < 0) throw new HubError(400, 'node id must be a non-negative integer');
    const a = this.store.artifacts.get(r.artifactIds[r.artifactIds.length - 1]!);
    if (!a) throw new HubError(404, 'the snapshot of this report is gone');
    let local: { path: string; release: () => Promise<void> } | undefined;
    try {
      local = await this.store.blobs.localFile(this.store.artifactKey(a));
      return await this.queue.run({ mode: 'path', files: [local.path], nodeId }, () => undefined);
    } catch (err) {
      throw new HubError(422, (err as Error).message);
    } finally {
      await local?.release();
    }
  }

  /**
   * Snapshots compared without their own analysis (automatic captures) learn their heap size from
   * the comparison report, which measured each of them.
   */
  private async recordHeapSizes(arts: ArtifactMeta[], meta: ReportMeta): Promise<void> {
    if (arts.every((a) => a.heapSize)) return;
    try {
      const report = await this.store.readReport<{ snapshots?: { totalSize?: number }[] }>(meta);
      for (const [i, a] of arts.entries()) {
        const size = report.snapshots?.[i]?.totalSize;
        if (a.heapSize || typeof size !== 'number' || !(size > 0)) continue;
        a.heapSize = size;
        await this.store.saveArtifact(a);
        this.browsers.broadcast({ type: 'artifact', artifact: a });
      }
    } catch {
      // the sizes are a nicety: the report itself is fine
    }
  }

  close(): Promise<void> {
    this.closing = true;
    return this.queue.close();
  }
}
