// DevTools' Comparison view: per class, objects matched by snapshot id between a base and a target
// snapshot of one process: #New, #Deleted, #Delta, Alloc. Size, Freed Size, Size Delta.
import type { HeapAnalysis, Sizes, StringTable } from '../engine/index.js';
import type { Comparison, ComparisonRow, IdReset } from './types.js';
import { checkIds, type IdCheck } from './ids.js';
import { idOrder, presentIn, snapshotBase, type IdOrder, type SnapshotBase } from './base.js';
import { snapshotInfo } from './diagnose.js';

/** One snapshot's per-node class, self size and type: a base's copies or an analysis's own. */
interface ClassView {
  nodeCount: number;
  nodeType: Uint8Array;
  synthetic: number;
  classIndex: Uint32Array;
  selfSize: Sizes;
  strings: StringTable;
}

function viewOf(x: SnapshotBase | HeapAnalysis): ClassView {
  if ('graph' in x) {
    const g = x.graph;
    return { nodeCount: g.nodeCount, nodeType: g.nodeType, synthetic: g.types.nodeSynthetic, classIndex: x.classIndex, selfSize: g.selfSize, strings: g.strings };
  }
  if (!x.classIndex || !x.selfSize) throw new Error('this snapshot base was made without the comparison\'s data');
  return { nodeCount: x.nodeCount, nodeType: x.nodeType, synthetic: x.synthetic, classIndex: x.classIndex, selfSize: x.selfSize, strings: x.strings };
}

/**
 * Per-class count and self size of the nodes (but the root and synthetic ones) that `keep` marks
 * (by ordinal), or of all of them; classes in the order their first node comes.
 */
function byClass(v: ClassView, keep: Uint8Array | null, want: number): Map<string, { count: number; size: number }> {
  const count = new Map<number, number>();
  const size = new Map<number, number>();
  for (let n = 1; n < v.nodeCount; n++) {
    if (v.nodeType[n] === v.synthetic || (keep && keep[n] !== want)) continue;
    const c = v.classIndex[n];
    count.set(c, (count.get(c) ?? 0) + 1);
    size.set(c, (size.get(c) ?? 0) + v.selfSize[n]);
  }
  const out = new Map<string, { count: number; size: number }>();
  for (const [c, k] of count) {
    const name = v.strings.get(c);
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
  /** The target's ids in order, when already sorted. */
  targetIds?: IdOrder;
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

/** Ids reset: only what per-class totals tell, with new/deleted left unknown (null). */
function compareByClass(base: ClassView, target: ClassView): ComparisonRow[] {
  const before = byClass(base, null, 0);
  const after = byClass(target, null, 0);
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
  return compareToBase(snapshotBase(base, snapshotInfo(base)), target, opts, base);
}

/**
 * The same against what an earlier snapshot's base kept (made with `comparison`); `full` stands
 * in for the base's class data when the caller holds the analysis.
 */
export function compareToBase(base: SnapshotBase, target: HeapAnalysis, opts: CompareOptions = {}, full?: HeapAnalysis): Comparison {
  const bi = opts.base ?? 0;
  const ti = opts.target ?? 1;
  const check = opts.idCheck ?? checkIds(base, target);
  const before = viewOf(full ?? base);
  const after = viewOf(target);
  if (check.reset) {
    const rows = compareByClass(before, after);
    sortRows(rows);
    const totals = rows.reduce(
      (t, r) => ({ ...t, deltaCount: t.deltaCount + r.deltaCount, sizeDelta: t.sizeDelta + r.sizeDelta }),
      { newCount: null, deletedCount: null, deltaCount: 0, allocSize: null, freedSize: null, sizeDelta: 0 },
    );
    return { base: bi, target: ti, rows, totals, matchedBy: 'class', idReset: idResetInfo(check, bi, ti) };
  }
  const targetIds = opts.targetIds ?? idOrder(target.graph);
  const added = byClass(after, presentIn(targetIds, base.byId), 0);
  const removed = byClass(before, presentIn(base.byId, targetIds), 0);
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
