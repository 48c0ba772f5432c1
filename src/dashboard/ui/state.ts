// What the browser knows: the server's state as maps, kept current by the /ws/ui messages, plus
// what this page itself started or selected. Views read it; only `apply` writes the server's part.
import type { ArtifactMeta, Finding, Job, ProcessView, ProjectSettings, ReportMeta, Sample, ServerMessage } from '../messages.js';

export const processes = new Map<string, ProcessView>();
export const jobs = new Map<string, Job>();
export const artifacts = new Map<string, ArtifactMeta>();
export const reports = new Map<string, ReportMeta>();
export const findings = new Map<string, Finding>();
export const settings = new Map<string, ProjectSettings>();

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
    case 'metrics': {
      const p = processes.get(m.processId);
      if (p) p.last = m.sample;
      if (p && m.snapshotForecast) p.snapshotForecast = m.snapshotForecast;
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

/** The open process page's metrics (last hour): loaded once, then extended by live samples. */
export const live: { processId?: string; samples: Sample[] } = { samples: [] };

export function addSample(sample: Sample): void {
  const s = live.samples;
  s.push(sample);
  const cutoff = sample.t - 3600_000;
  while (s.length && s[0]!.t < cutoff) s.shift();
}
