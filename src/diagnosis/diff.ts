// `heapscope diff A B [C ...]`: load each snapshot, compare first vs last per class, find what kept
// growing (3+ snapshots), and diagnose the last one's suspects. Snapshots are analysed one after
// another, and each but the last is dropped once its base (base.ts: ids, classes, sizes, counts)
// is made: a diff costs one analysis's memory plus the bases, not every analysis. The first of two
// snapshots needs no dominator tree, only a census (engine/census.ts: classes and shallow sizes).
import type { Worker } from 'node:worker_threads';
import { analyzeSnapshot, censusSnapshot, collectGarbage, exploreSubset, prewarmWorker, summarize, type HeapAnalysis, type ProgressFn, type SnapshotCensus, type SnapshotSource } from '../engine/index.js';
import type { Comparison, HeapReport, IdReset } from './types.js';
import { compareToBase, idResetInfo } from './compare.js';
import { growthFindings, matchPlaces, newByOwner, pathCandidates, type PathCandidate, type PlaceMatch } from './growth.js';
import { checkIds, type IdCheck } from './ids.js';
import { idOrder, presentIn, snapshotBase, type SnapshotBase } from './base.js';
import { findSuspects, snapshotInfo, type DiagnoseOptions } from './diagnose.js';

export interface DiffOptions extends DiagnoseOptions {
  onProgress?: ProgressFn;
  /** File names for the report when `sources` are analyses. */
  files?: string[];
  /** Also carry the last snapshot's bounded drill-down subset (`explore`) for an offline HTML report. */
  explore?: boolean;
}

type Source = SnapshotSource | HeapAnalysis;

const isAnalysis = (s: Source | SnapshotCensus): s is HeapAnalysis => typeof s === 'object' && s !== null && 'retainedSize' in s && 'graph' in s;

/** Diff report of 2+ snapshots (files, streams, buffers or analyses) of one process, in order. */
export async function diffSnapshots(sources: Source[], opts: DiffOptions = {}): Promise<HeapReport> {
  if (sources.length < 2) throw new Error('diff needs at least two snapshots of the same process');
  const files = sources.map((s, i) => (typeof s === 'string' ? s : opts.files?.[i]));
  const analyse = (s: Source) => (isAnalysis(s) ? Promise.resolve(s) : analyzeSnapshot(s, { onProgress: opts.onProgress }));
  // a stream cannot be read again, should ids turn out reset (growth then walks earlier graphs)
  const rereadable = (s: Source) => typeof s === 'string' || s instanceof Uint8Array;
  const growth = sources.length >= 3;
  const earlier: SnapshotBase[] = [];
  const checks: IdCheck[] = [];
  // (each analysis in a function of its own: a suspended async frame would keep it alive)
  const baseOf = async (i: number) => {
    const s = sources[i];
    if (isAnalysis(s)) return makeBase(s, i, files[i], earlier, checks, growth, true);
    // two snapshots compare by class and id only: the first needs no dominator tree
    if (!growth) return makeBase(await censusSnapshot(s, { onProgress: opts.onProgress }), i, files[i], earlier, checks, false, false);
    const workers: Worker[] = [];
    // (no distances: no base keeps them, and the dominator pass would wait for them)
    const a = await analyzeSnapshot(s, { onProgress: opts.onProgress, onWorker: (w) => workers.push(w), distances: false });
    // The analysis worker's last job (the Summary's retained sizes by class, which no earlier
    // snapshot needs) holds the graph's shared memory until its thread has ended: end it, or the
    // collector frees nothing and the next snapshot loads beside the whole of this one. A new
    // thread for that load (of a snapshot as big) starts meanwhile: Node's bootstrap, while the
    // base is made here.
    await Promise.all(workers.map((w) => w.terminate()));
    if (workers.length > 0) prewarmWorker();
    return makeBase(a, i, files[i], earlier, checks, growth, growth && !rereadable(s));
  };
  for (let i = 0; i < sources.length - 1; i++) {
    earlier.push(await baseOf(i));
    collectGarbage(); // the analysis just dropped, before the next one's load
  }
  const last = await analyse(sources[sources.length - 1]);
  checks.push(checkIds(earlier[earlier.length - 1], last));
  const ids = compareStep(earlier, last, checks, opts);
  let places: Places | undefined;
  if (sources.length >= 3 && ids.idReset) {
    // ids reset: growth matches collections by retainer path, through each earlier graph in
    // turn (read again, one at a time: a reset from outside the process is rare)
    const candidates = pathCandidates(last);
    const matchesIn = async (i: number) => matchPlaces(last, candidates, earlier[i].analysis ?? (await analyse(sources[i])));
    const matches: PlaceMatch[] = [];
    for (let i = 0; i < earlier.length; i++) {
      matches.push(await matchesIn(i));
      collectGarbage();
    }
    places = { candidates, matches };
  }
  return finishReport(earlier, last, files, ids, opts, places);
}

/** The base of snapshot `i` (checking its ids against the one before). */
function makeBase(a: HeapAnalysis | SnapshotCensus, i: number, file: string | undefined, earlier: SnapshotBase[], checks: IdCheck[], growth: boolean, keepAnalysis: boolean): SnapshotBase {
  if (i > 0) checks.push(checkIds(earlier[i - 1], a));
  const byId = idOrder(a.graph);
  const base = snapshotBase(a, snapshotInfo(a, file), { comparison: i === 0, growth, byId, keepAnalysis });
  // counted while the dominator tree is here (unused should ids turn out reset)
  if (growth && i > 0 && isAnalysis(a)) base.newByOwner = newByOwner(a, presentIn(byId, earlier[0].byId));
  return base;
}

/** The same report from analyses already in memory. */
export function buildDiffReport(analyses: HeapAnalysis[], files: (string | undefined)[], opts: DiffOptions = {}): HeapReport {
  const growth = analyses.length >= 3;
  const earlier: SnapshotBase[] = [];
  const checks: IdCheck[] = [];
  for (let i = 0; i < analyses.length - 1; i++) earlier.push(makeBase(analyses[i], i, files[i], earlier, checks, growth, true));
  const last = analyses[analyses.length - 1];
  checks.push(checkIds(earlier[earlier.length - 1], last));
  const ids = compareStep(earlier, last, checks, opts);
  let places: Places | undefined;
  if (growth && ids.idReset) {
    const candidates = pathCandidates(last);
    places = { candidates, matches: analyses.slice(0, -1).map((a) => matchPlaces(last, candidates, a)) };
  }
  return finishReport(earlier, last, files, ids, opts, places);
}

type Places = { candidates: PathCandidate[]; matches: PlaceMatch[] };

interface IdStep {
  /** Per ordinal of the last snapshot: 1 when its id is in the first (with ids reset, empty). */
  inFirst: Uint8Array;
  comparison: Comparison;
  idReset?: IdReset;
}

/** The comparison (first vs last), and whether ids were reset anywhere on the way. */
function compareStep(earlier: SnapshotBase[], last: HeapAnalysis, checks: IdCheck[], opts: DiffOptions): IdStep {
  (opts.onProgress ?? (() => {}))({ phase: 'diff' });
  const count = earlier.length + 1;
  // ids reset between two snapshots (an inspector session closed in the process) make "same id"
  // meaningless: the comparison falls back to per-class deltas, growth to retainer paths
  const endToEnd = count === 2 ? checks[0] : checkIds(earlier[0], last);
  const firstReset = checks.findIndex((c) => c.reset);
  // the last's sorted ids (none needed once ids were reset) are garbage before growth's arrays
  const byId = endToEnd.reset ? undefined : idOrder(last.graph);
  const comparison = compareToBase(earlier[0], last, { base: 0, target: count - 1, targetIds: byId, idCheck: endToEnd }, earlier[0].analysis);
  const idReset = comparison.idReset ?? (firstReset >= 0 ? idResetInfo(checks[firstReset], firstReset, firstReset + 1) : undefined);
  return { inFirst: idReset || !byId ? new Uint8Array(0) : presentIn(byId, earlier[0].byId), comparison, idReset };
}

function finishReport(earlier: SnapshotBase[], last: HeapAnalysis, files: (string | undefined)[], ids: IdStep, opts: DiffOptions, places?: Places): HeapReport {
  const p = opts.onProgress ?? (() => {});
  const { inFirst, comparison, idReset } = ids;
  p({ phase: 'growth' });
  let growth;
  if (earlier.length >= 2) {
    // typed arrays go only when the collector runs, and loops over them never make it run: the
    // comparison's sorted ids, then growth's per-node arrays, before the next step's peak
    collectGarbage();
    growth = growthFindings(earlier, { analysis: last, inFirst }, { idsReset: idReset !== undefined }, places);
    collectGarbage();
  }
  p({ phase: 'diagnosis' });
  const report: HeapReport = {
    version: 1,
    kind: 'diff',
    generatedAt: new Date().toISOString(),
    snapshot: snapshotInfo(last, files[files.length - 1]),
    snapshots: [...earlier.map((b) => b.info), snapshotInfo(last, files[files.length - 1])],
    statistics: last.statistics,
    classes: summarize(last, opts.classes ?? 50),
    suspects: findSuspects(last, opts),
    comparison,
  };
  if (growth) report.growth = growth;
  if (idReset) report.idReset = idReset;
  // the classes a reader clicks first: the comparison's rows (largest change first), then the Summary's
  if (opts.explore) report.explore = exploreSubset(last, [...new Set([...comparison.rows.slice(0, 10).map((r) => r.name), ...report.classes.map((c) => c.name)])]);
  return report;
}
