// `heapscope diff A B [C ...]`: load each snapshot, compare first vs last per class, find what kept
// growing (3+ snapshots), and diagnose the last one's suspects. Snapshots are analysed one after
// another; all stay in memory because growth needs every one of them.
import { analyzeSnapshot, type HeapAnalysis, type ProgressFn, type SnapshotSource } from '../engine/index.js';
import type { HeapReport } from './types.js';
import { compareAnalyses, idResetInfo } from './compare.js';
import { findGrowth } from './growth.js';
import { checkIds, IdSet } from './ids.js';
import { findSuspects, snapshotInfo, type DiagnoseOptions } from './diagnose.js';
import { summarize } from '../engine/index.js';

export interface DiffOptions extends DiagnoseOptions {
  onProgress?: ProgressFn;
  /** File names for the report when `sources` are analyses. */
  files?: string[];
}

/** Diff report of 2+ snapshots (files, streams, buffers or analyses) of one process, in order. */
export async function diffSnapshots(sources: (SnapshotSource | HeapAnalysis)[], opts: DiffOptions = {}): Promise<HeapReport> {
  if (sources.length < 2) throw new Error('diff needs at least two snapshots of the same process');
  const analyses: HeapAnalysis[] = [];
  const files: (string | undefined)[] = [];
  for (const [i, s] of sources.entries()) {
    if (typeof s === 'object' && s !== null && 'retainedSize' in s && 'graph' in s) {
      analyses.push(s as HeapAnalysis);
      files.push(opts.files?.[i]);
    } else {
      const src = s as SnapshotSource;
      analyses.push(await analyzeSnapshot(src, { onProgress: opts.onProgress }));
      files.push(typeof src === 'string' ? src : opts.files?.[i]);
    }
  }
  return buildDiffReport(analyses, files, opts);
}

export function buildDiffReport(analyses: HeapAnalysis[], files: (string | undefined)[], opts: DiffOptions = {}): HeapReport {
  const p = opts.onProgress ?? (() => {});
  const last = analyses[analyses.length - 1];
  p({ phase: 'diff' });
  // ids reset between two snapshots (an inspector session closed in the process) make "same id"
  // meaningless: the comparison falls back to per-class deltas, growth to retainer paths
  const checks = analyses.slice(1).map((a, i) => checkIds(analyses[i], a));
  const endToEnd = analyses.length === 2 ? checks[0] : checkIds(analyses[0], last);
  const firstReset = checks.findIndex((c) => c.reset);
  const ids = endToEnd.reset ? undefined : [new IdSet(analyses[0].graph)];
  const comparison = compareAnalyses(analyses[0], last, { base: 0, target: analyses.length - 1, baseIds: ids?.[0], idCheck: endToEnd });
  const idReset = comparison.idReset ?? (firstReset >= 0 ? idResetInfo(checks[firstReset], firstReset, firstReset + 1) : undefined);
  p({ phase: 'growth' });
  const growth = analyses.length >= 3 ? findGrowth(analyses, { ids, idsReset: idReset !== undefined }) : undefined;
  p({ phase: 'diagnosis' });
  const report: HeapReport = {
    version: 1,
    kind: 'diff',
    generatedAt: new Date().toISOString(),
    snapshot: snapshotInfo(last, files[files.length - 1]),
    snapshots: analyses.map((a, i) => snapshotInfo(a, files[i])),
    statistics: last.statistics,
    classes: summarize(last, opts.classes ?? 50),
    suspects: findSuspects(last, opts),
    comparison,
  };
  if (growth) report.growth = growth;
  if (idReset) report.idReset = idReset;
  return report;
}
