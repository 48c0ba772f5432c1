// Shared by the diagnosis tests: run a fixture app to 3 snapshots, diff them, clean up.
import { analyzeSnapshot, type HeapAnalysis } from '../../src/engine/index.js';
import { buildDiffReport, type HeapReport } from '../../src/diagnosis/index.js';
import { appPath, makeTempDir, removeTempDir, takeSnapshots } from '../support/snapshot.js';

export interface LeakRun {
  files: string[];
  analyses: HeapAnalysis[];
  report: HeapReport;
}

/** Snapshots of `app` as its leak proceeds (warm-up, then `step` units between snapshots). */
export async function runLeak(app: string, warmup: number, step: number): Promise<LeakRun> {
  const dir = makeTempDir();
  try {
    const files = await takeSnapshots(appPath(app), { count: 3, warmup, workPerStep: step, dir });
    const analyses: HeapAnalysis[] = [];
    for (const f of files) analyses.push(await analyzeSnapshot(f));
    return { files, analyses, report: buildDiffReport(analyses, files) };
  } finally {
    removeTempDir(dir);
  }
}
