// `heapscope analyze` and the dashboard's analysis of one snapshot: load, analyse, diagnose, as one
// HeapReport (diffSnapshots is its twin for several snapshots).
import { analyzeSnapshot, exploreSubset, type ProgressFn, type SnapshotSource } from '../engine/index.js';
import type { HeapReport } from './types.js';
import { diagnose, type DiagnoseOptions } from './diagnose.js';

export interface AnalyzeFileOptions extends DiagnoseOptions {
  onProgress?: ProgressFn;
  /** Also carry the bounded drill-down subset (`explore`) that offline HTML reports embed. */
  explore?: boolean;
}

/** The report of one snapshot (a file, stream or buffer). */
export async function analyzeFile(source: SnapshotSource, opts: AnalyzeFileOptions = {}): Promise<HeapReport> {
  const a = await analyzeSnapshot(source, { onProgress: opts.onProgress });
  opts.onProgress?.({ phase: 'diagnosis' });
  const report = diagnose(a, { ...opts, file: opts.file ?? (typeof source === 'string' ? source : undefined) });
  if (opts.explore) report.explore = exploreSubset(a, report.classes.map((c) => c.name));
  return report;
}
