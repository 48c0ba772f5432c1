// What the browser knows: the server's state as maps, kept current by the /ws/ui messages, plus
// what this page itself started or selected. Views read it; only `apply` writes the server's part.
import type { ArtifactMeta, Finding, Job, OverviewEntry, ProcessView, ProjectSettings, ReportMeta, Sample, ServerMessage } from '../messages.js';
import { addToFloor, type TrendPoint } from '../trend.js';

export const processes = new Map<string, ProcessView>();
export const jobs = new Map<string, Job>();
export const artifacts = new Map<string, ArtifactMeta>();
export const reports = new Map<string, ReportMeta>();
export const findings = new Map<string, Finding>();
export const settings = new Map<string, ProjectSettings>();

/** Each process's heap floor over the last hour (the home page's sparklines). */
export const trends = new Map<string, TrendPoint[]>();

/** Jobs started from this page (their result opens, or is announced, when ready). */
export const mine = new Set<string>();
/** Heap snapshots ticked for comparison in the history. */
export const selectedSnapshots = new Set<string>();

/** Folds one server message into the maps. */
export function apply(m: ServerMessage): void {
  switch (m.type) {
    case 'state':
      processes.clear();
      jobs.clear();
      artifacts.clear();
      reports.clear();
      findings.clear();
      settings.clear();
      for (const p of m.processes) processes.set(p.id, p);
      for (const j of m.jobs) jobs.set(j.id, j);
      for (const a of m.artifacts) artifacts.set(a.id, a);
      for (const r of m.reports) reports.set(r.id, r);
      for (const f of m.findings ?? []) findings.set(f.signature, f);
      for (const [k, v] of Object.entries(m.settings ?? {})) settings.set(k, v);
      return;
    case 'process':
      processes.set(m.process.id, m.process);
      return;
    case 'processRemoved':
      processes.delete(m.processId);
      trends.delete(m.processId);
      for (const id of m.artifactIds) {
        artifacts.delete(id);
        selectedSnapshots.delete(id);
      }
      for (const id of m.reportIds) reports.delete(id);
      for (const j of [...jobs.values()]) if (j.processId === m.processId) jobs.delete(j.id);
      return;
    case 'metrics': {
      const p = processes.get(m.processId);
      if (p) p.last = m.sample;
      if (p && m.snapshotForecast) p.snapshotForecast = m.snapshotForecast;
      const trend = trends.get(m.processId);
      if (trend) {
        addToFloor(trend, m.sample.t, m.sample.heapUsed);
        while (trend.length && trend[0]![0] < m.sample.t - 3600_000) trend.shift();
      } else trends.set(m.processId, [[m.sample.t, m.sample.heapUsed]]);
      return;
    }
    case 'job':
      jobs.set(m.job.id, m.job);
      return;
    case 'artifact':
      artifacts.set(m.artifact.id, m.artifact);
      return;
    case 'report':
      reports.set(m.report.id, m.report);
      return;
    case 'finding':
      findings.set(m.finding.signature, m.finding);
      return;
    case 'settings':
      settings.set(m.project, m.settings);
      return;
    case 'artifactDeleted':
      artifacts.delete(m.id);
      selectedSnapshots.delete(m.id);
      return;
    case 'reportDeleted':
      reports.delete(m.id);
      return;
  }
}

/** Replaces the trends with the server's (on every connection: live samples extend them after). */
export function setOverview(entries: OverviewEntry[]): void {
  for (const e of entries) {
    const seen = trends.get(e.processId) ?? [];
    const lastT = e.heap.length ? e.heap[e.heap.length - 1]![0] : 0;
    const series = e.heap.map((p): TrendPoint => [p[0], p[1]]);
    for (const p of seen) if (p[0] > lastT) addToFloor(series, p[0], p[1]);
    trends.set(e.processId, series);
  }
}

/** The open process page's metrics (last hour): loaded once, then extended by live samples. */
export const live: { processId?: string; samples: Sample[] } = { samples: [] };

export function addSample(sample: Sample): void {
  const s = live.samples;
  s.push(sample);
  const cutoff = sample.t - 3600_000;
  while (s.length && s[0]!.t < cutoff) s.shift();
}
