// Analysis worker thread: parse snapshot(s) with the engine, diagnose, write the report JSON.
// Runs off the dashboard's request path; one at a time (see jobs.ts). Posts WorkerMessage.
import { parentPort, workerData } from 'node:worker_threads';
import { writeFile, rename } from 'node:fs/promises';
import { basename } from 'node:path';
import { analyzeSnapshot, nodeById, type Progress } from '../engine/index.js';
import { analyzeFile, diffSnapshots, pathToNode, type HeapReport } from '../diagnosis/index.js';
import type { AnalysisTask, WorkerMessage } from './jobs.js';

const task = workerData as AnalysisTask;
const post = (m: WorkerMessage): void => parentPort?.postMessage(m);

let lastPhase = '';
let lastAt = 0;
let fileIndex = -1;
/** Throttled progress; `reading` of several snapshots is scaled to one 0..1 sweep over all files. */
function progress(p: Progress, files = 1): void {
  if (p.phase === 'reading' && lastPhase !== 'reading') fileIndex++;
  const now = Date.now();
  if (p.phase === lastPhase && now - lastAt < 100) return;
  lastPhase = p.phase;
  lastAt = now;
  let ratio = p.ratio ?? (p.total ? (p.done ?? 0) / p.total : undefined);
  if (ratio !== undefined && p.phase === 'reading') ratio = (Math.max(0, fileIndex) + ratio) / files;
  post({ type: 'progress', phase: p.phase, ratio });
}

async function main(): Promise<void> {
  if (task.mode === 'path') {
    const analysis = await analyzeSnapshot(task.files[0]!, { onProgress: (p) => progress(p) });
    const ordinal = nodeById(analysis, task.nodeId ?? -1);
    if (ordinal < 0) throw new Error(`no object @${task.nodeId} in this snapshot`);
    post({ type: 'done', result: pathToNode(analysis, ordinal) });
    return;
  }
  let report: HeapReport;
  if (task.mode === 'analyze') {
    const file = task.files[0]!;
    // Every class: the dashboard's summary table is virtualised and stays fast with 10,000+ rows.
    report = await analyzeFile(file, { file: basename(file), classes: Number.MAX_SAFE_INTEGER, onProgress: (p) => progress(p) });
  } else {
    report = await diffSnapshots(task.files, { onProgress: (p: Progress) => progress(p, task.files.length), classes: Number.MAX_SAFE_INTEGER });
  }
  // Reports name snapshots by file name only: the data directory's layout is nobody's business.
  for (const info of [report.snapshot, ...(report.snapshots ?? [])]) if (info?.file) info.file = basename(info.file);
  const tmp = `${task.out!}.tmp`;
  await writeFile(tmp, JSON.stringify(report), { mode: 0o600 });
  await rename(tmp, task.out!);
  post({ type: 'done', summary: { suspects: report.suspects.length, totalSize: report.snapshot.totalSize } });
}

main().catch((err: unknown) => post({ type: 'error', message: err instanceof Error ? err.message : String(err) }));
