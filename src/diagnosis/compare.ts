// DevTools' Comparison view: per class, objects matched by snapshot id between a base and a target
// snapshot of one process: #New, #Deleted, #Delta, Alloc. Size, Freed Size, Size Delta.
import type { HeapAnalysis } from '../engine/types.js';
import type { Comparison, ComparisonRow } from './types.js';
import { IdSet } from './ids.js';

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
}

/** Comparison of `target` against `base`, classes with the largest size delta first. */
export function compareAnalyses(base: HeapAnalysis, target: HeapAnalysis, opts: CompareOptions = {}): Comparison {
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
  rows.sort((x, y) => Math.abs(y.sizeDelta) - Math.abs(x.sizeDelta) || y.newCount - x.newCount);
  const totals = rows.reduce(
    (t, r) => ({
      newCount: t.newCount + r.newCount,
      deletedCount: t.deletedCount + r.deletedCount,
      deltaCount: t.deltaCount + r.deltaCount,
      allocSize: t.allocSize + r.allocSize,
      freedSize: t.freedSize + r.freedSize,
      sizeDelta: t.sizeDelta + r.sizeDelta,
    }),
    { newCount: 0, deletedCount: 0, deltaCount: 0, allocSize: 0, freedSize: 0, sizeDelta: 0 },
  );
  return { base: opts.base ?? 0, target: opts.target ?? 1, rows, totals };
}
