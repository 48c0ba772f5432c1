// DevTools' Comparison view: per class, objects matched by snapshot id between a base and a target
// snapshot of one process: #New, #Deleted, #Delta, Alloc. Size, Freed Size, Size Delta.
import type { HeapAnalysis } from '../engine/index.js';
import type { Comparison, ComparisonRow, IdReset } from './types.js';
import { checkIds, IdSet, type IdCheck } from './ids.js';

/** Per-class counts of objects present in `a` but not in `other` (by id). */
function onlyIn(a: HeapAnalysis, other: IdSet): Map<string, { count: number; size: number }> {
  const g = a.graph;
  const count = new Map<number, number>();
  const size = new Map<number, number>();
  for (let n = 1; n < g.nodeCount; n++) {
    if (g.nodeType[n] === g.types.nodeSynthetic || other.has(g.nodeId[n])) continue;
    const c = a.classIndex[n];
    count.set(c, (count.get(c) ?? 0) + 1);
    size.set(c, (size.get(c) ?? 0) + g.selfSize[n]);
  }
  const out = new Map<string, { count: number; size: number }>();
  for (const [c, k] of count) {
    const name = g.strings.get(c);
    const cur = out.get(name) ?? { count: 0, size: 0 };
    cur.count += k;
    cur.size += size.get(c)!;
    out.set(name, cur);
  }
  return out;
}

export interface CompareOptions {
  /** Indexes recorded in the result (default 0 and 1). */
  base?: number;
  target?: number;
  /** Id sets already built for these analyses (reused across calls). */
  baseIds?: IdSet;
  targetIds?: IdSet;
  /** checkIds(base, target), when already done. */
  idCheck?: IdCheck;
}

/** The statement every renderer shows when ids were reset between snapshots `base` and `target`. */
export function idResetInfo(check: IdCheck, base: number, target: number): IdReset {
  const evidence = check.shared < 20
    ? `only ${check.shared} of ${check.sampled} sampled objects of #${target + 1} have an id that exists in #${base + 1}`
    : `${check.mismatched} of ${check.shared} sampled ids shared by both name a different object in each`;
  return {
    message:
      `Object ids were reset between snapshot #${base + 1} and #${target + 1} (${evidence}): something in the process closed an inspector session ` +
      `or disabled the heap profiler (its own inspector.Session, a debugger detaching, another profiler), and V8 renumbered every object ` +
      `(or the snapshots are not of one process). ` +
      `Which objects are new or deleted cannot be known; the deltas are per-class differences in count and size.`,
    base,
    target,
    sampled: check.sampled,
    shared: check.shared,
    mismatched: check.mismatched,
  };
}

/** Per-class object count and self size (no ids needed). */
function perClass(a: HeapAnalysis): Map<string, { count: number; size: number }> {
  const g = a.graph;
  const count = new Map<number, number>();
  const size = new Map<number, number>();
  for (let n = 1; n < g.nodeCount; n++) {
    if (g.nodeType[n] === g.types.nodeSynthetic) continue;
    const c = a.classIndex[n];
    count.set(c, (count.get(c) ?? 0) + 1);
    size.set(c, (size.get(c) ?? 0) + g.selfSize[n]);
  }
  const out = new Map<string, { count: number; size: number }>();
  for (const [c, k] of count) {
    const name = g.strings.get(c);
    const cur = out.get(name) ?? { count: 0, size: 0 };
    cur.count += k;
    cur.size += size.get(c)!;
    out.set(name, cur);
  }
  return out;
}

/** Ids reset: only what per-class totals tell, with new/deleted left unknown (null). */
function compareByClass(base: HeapAnalysis, target: HeapAnalysis): ComparisonRow[] {
  const before = perClass(base);
  const after = perClass(target);
  const rows: ComparisonRow[] = [];
  for (const name of new Set([...before.keys(), ...after.keys()])) {
    const b = before.get(name) ?? { count: 0, size: 0 };
    const t = after.get(name) ?? { count: 0, size: 0 };
    if (b.count === t.count && b.size === t.size) continue;
    rows.push({ name, newCount: null, deletedCount: null, deltaCount: t.count - b.count, allocSize: null, freedSize: null, sizeDelta: t.size - b.size });
  }
  return rows;
}

/** Comparison of `target` against `base`, classes with the largest size delta first. */
export function compareAnalyses(base: HeapAnalysis, target: HeapAnalysis, opts: CompareOptions = {}): Comparison {
  const bi = opts.base ?? 0;
  const ti = opts.target ?? 1;
  const check = opts.idCheck ?? checkIds(base, target);
  if (check.reset) {
    const rows = compareByClass(base, target);
    sortRows(rows);
    const totals = rows.reduce(
      (t, r) => ({ ...t, deltaCount: t.deltaCount + r.deltaCount, sizeDelta: t.sizeDelta + r.sizeDelta }),
      { newCount: null, deletedCount: null, deltaCount: 0, allocSize: null, freedSize: null, sizeDelta: 0 },
    );
    return { base: bi, target: ti, rows, totals, matchedBy: 'class', idReset: idResetInfo(check, bi, ti) };
  }
  const added = onlyIn(target, opts.baseIds ?? new IdSet(base.graph));
  const removed = onlyIn(base, opts.targetIds ?? new IdSet(target.graph));
  const rows: ComparisonRow[] = [];
  for (const name of new Set([...added.keys(), ...removed.keys()])) {
    const n = added.get(name) ?? { count: 0, size: 0 };
    const d = removed.get(name) ?? { count: 0, size: 0 };
    rows.push({
      name,
      newCount: n.count,
      deletedCount: d.count,
      deltaCount: n.count - d.count,
      allocSize: n.size,
      freedSize: d.size,
      sizeDelta: n.size - d.size,
    });
  }
  sortRows(rows);
  const totals = { newCount: 0, deletedCount: 0, deltaCount: 0, allocSize: 0, freedSize: 0, sizeDelta: 0 };
  for (const r of rows) {
    totals.newCount += r.newCount!;
    totals.deletedCount += r.deletedCount!;
    totals.deltaCount += r.deltaCount;
    totals.allocSize += r.allocSize!;
    totals.freedSize += r.freedSize!;
    totals.sizeDelta += r.sizeDelta;
  }
  return { base: bi, target: ti, rows, totals, matchedBy: 'id' };
}

function sortRows(rows: ComparisonRow[]): void {
  rows.sort((x, y) => Math.abs(y.sizeDelta) - Math.abs(x.sizeDelta) || Math.abs(y.deltaCount) - Math.abs(x.deltaCount) || (y.newCount ?? 0) - (x.newCount ?? 0));
}
