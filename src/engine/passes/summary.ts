// DevTools' Summary view: per class count, minimum distance, self size, and retained size that
// doesn't double-count instances dominated by another instance of the same class (a DFS over the
// dominator tree that stops adding a class below its topmost instance).
import type { HeapAnalysis, ClassSummary } from '../types.js';
import { locationIndex } from '../graph.js';

interface Agg extends ClassSummary {
  key: string | number;
}

/** Summary key of a node: class name, split by constructor location for objects (as DevTools). */
export function classKey(a: HeapAnalysis, node: number): string | number {
  const g = a.graph;
  const c = a.classIndex[node];
  if (g.nodeType[node] !== g.types.nodeObject || g.locationNode.length === 0) return c;
  const l = locationIndex(g, node);
  if (l < 0) return c;
  return `${g.locationScript[l]},${g.locationLine[l]},${g.locationColumn[l]},${g.strings[c]}`;
}

export function summarize(a: HeapAnalysis): ClassSummary[] {
  const g = a.graph;
  const { nodeCount, selfSize, strings } = g;
  const { classIndex, distance, retainedSize, firstDominated, dominated } = a;
  const byKey = new Map<string | number, Agg>();
  const keys: (string | number)[] = new Array(nodeCount);
  for (let i = 0; i < nodeCount; i++) {
    const k = classKey(a, i);
    keys[i] = k;
    const s = selfSize[i];
    if (!s) continue;
    const agg = byKey.get(k);
    if (agg) {
      agg.count++;
      agg.selfSize += s;
      if (distance[i] < agg.distance) agg.distance = distance[i];
    } else {
      byKey.set(k, { key: k, name: strings[classIndex[i]], count: 1, distance: distance[i], selfSize: s, retainedSize: 0 });
    }
  }
  // Iterative DFS over the dominator tree; `open` counts how many ancestors of each class are on
  // the current path, so only the topmost instance of a class adds its retained size.
  const open = new Map<string | number, number>();
  const stack = new Uint32Array(nodeCount * 2 + 1); // each node once, plus one exit revisit
  const exitMark = new Uint8Array(nodeCount);
  let sp = 0;
  stack[sp++] = 0;
  while (sp > 0) {
    const n = stack[--sp];
    const k = keys[n];
    if (exitMark[n]) {
      exitMark[n] = 0;
      open.set(k, open.get(k)! - 1);
      continue;
    }
    const from = firstDominated[n];
    const to = firstDominated[n + 1];
    if (!open.get(k) && selfSize[n]) {
      byKey.get(k)!.retainedSize += retainedSize[n];
      if (from !== to) {
        open.set(k, 1);
        exitMark[n] = 1;
        stack[sp++] = n; // revisit on exit to close the class
      }
    }
    for (let j = from; j < to; j++) stack[sp++] = dominated[j];
  }
  const rows: ClassSummary[] = [];
  for (const v of byKey.values()) rows.push({ name: v.name, count: v.count, distance: v.distance, selfSize: v.selfSize, retainedSize: v.retainedSize });
  rows.sort((x, y) => y.retainedSize - x.retainedSize || y.selfSize - x.selfSize);
  return rows;
}
