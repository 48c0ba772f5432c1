// Analyses run in the analysis worker, one at a time (../jobs.ts AnalysisQueue): a snapshot's own
// report, a comparison of two snapshots or growth across 3+, and the retainer path of any object.
import { readFile, rm } from 'node:fs/promises';
import { AnalysisQueue, type Job } from '../jobs.js';
import type { ArtifactMeta, Store } from '../store.js';
import type { Browsers } from './browsers.js';
import { HubError } from './errors.js';
import type { JobTable } from './jobs.js';

export class Analyses {
  readonly queue = new AnalysisQueue();

  constructor(
    private readonly store: Store,
    private readonly table: JobTable,
    private readonly browsers: Browsers,
  ) {}

  /** Re-run analysis of a stored snapshot (e.g. one whose analysis a restart interrupted). */
  analyzeArtifact(artifactId: string): Job {
    const a = this.store.artifacts.get(artifactId);
    if (!a) throw new HubError(404, 'unknown artifact');
    if (a.kind !== 'heapsnapshot') throw new HubError(400, 'only heap snapshots are analysed');
    const job = this.table.create(a.processId, 'analyze', { artifactId: a.id });
    void this.analyze(job, a);
    return job;
  }

  /** Analyses `a` for `job` (whose state follows the worker's phases); never throws. */
  async analyze(job: Job, a: ArtifactMeta): Promise<void> {
    const { store, table } = this;
    const report = store.planReport(a.processId, 'heap', [a.id], `Heap snapshot ${new Date(a.createdAt).toISOString()}`);
    try {
      const done = await this.queue.run({ mode: 'analyze', files: [store.artifactFile(a)], out: store.reportFile(report) }, (state, percent) => table.update(job, { state, percent }));
      await store.saveReportMeta(report);
      a.reportId = report.id;
      if (done.summary?.totalSize) a.heapSize = done.summary.totalSize;
      await store.saveArtifact(a);
      this.browsers.broadcast({ type: 'report', report });
      this.browsers.broadcast({ type: 'artifact', artifact: a });
      table.update(job, { state: 'ready', reportId: report.id, percent: undefined });
    } catch (err) {
      await rm(store.reportFile(report), { force: true });
      table.fail(job, `analysis failed: ${(err as Error).message}`);
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
    if (new Set(arts.map((a) => a.processId)).size !== 1) throw new HubError(400, 'snapshots must come from the same process');
    if (new Set(arts.map((a) => a.id)).size !== arts.length) throw new HubError(400, 'the same snapshot was selected twice');
    arts.sort((x, y) => x.createdAt - y.createdAt);
    const kind = arts.length === 2 ? 'compare' : 'growth';
    const job = table.create(arts[0]!.processId, kind, { artifactIds: arts.map((a) => a.id), source });
    const title = kind === 'compare' ? `Comparison of 2 snapshots` : `Growth across ${arts.length} snapshots`;
    const report = store.planReport(job.processId, kind, job.artifactIds!, title);
    void (async () => {
      try {
        await this.queue.run({ mode: 'diff', files: arts.map((a) => store.artifactFile(a)), out: store.reportFile(report) }, (state, percent) => table.update(job, { state, percent }));
        await store.saveReportMeta(report);
        await this.recordHeapSizes(arts, store.reportFile(report));
        this.browsers.broadcast({ type: 'report', report });
        table.update(job, { state: 'ready', reportId: report.id, percent: undefined });
      } catch (err) {
        await rm(store.reportFile(report), { force: true });
        table.fail(job, `comparison failed: ${(err as Error).message}`);
      }
    })();
    return job;
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
    try {
      return (await this.queue.run({ mode: 'path', files: [this.store.artifactFile(a)], nodeId }, () => undefined)).result;
    } catch (err) {
      throw new HubError(422, (err as Error).message);
    }
  }

  /**
   * Snapshots compared without their own analysis (automatic captures) learn their heap size from
   * the comparison report, which measured each of them.
   */
  private async recordHeapSizes(arts: ArtifactMeta[], reportFile: string): Promise<void> {
    if (arts.every((a) => a.heapSize)) return;
    try {
      const report = JSON.parse(await readFile(reportFile, 'utf8')) as { snapshots?: { totalSize?: number }[] };
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
    return this.queue.close();
  }
}
