// DevTools' Summary view: per class count, minimum distance, self size, and retained size that
// doesn't double-count instances dominated by another instance of the same class (a DFS over the
// dominator tree that stops adding a class below its topmost instance).
// Classes are dense integer ids in typed arrays; a string key exists only per distinct
// constructor location, never per node. The result is cached per analysis.
import type { HeapAnalysis, ClassSummary } from '../types.js';

const cache = new WeakMap<HeapAnalysis, ClassSummary[]>();

/** Rows sorted by retained size, largest first. Callers get their own array (rows are shared). */
export function summarize(a: HeapAnalysis): ClassSummary[] {
  let rows = cache.get(a);
  if (!rows) {
    rows = computeSummary(a);
    cache.set(a, rows);
  }
  return rows.slice();
}

/** Dense class id per node: the class name's string index, or an id per (location, class). */
function classIds(a: HeapAnalysis): { ids: Uint32Array; count: number; names: Uint32Array } {
  const g = a.graph;
  const { nodeCount, nodeType, strings, locationNode, locationScript, locationLine, locationColumn } = g;
  const classIndex = a.classIndex;
  const ids = new Uint32Array(nodeCount);
  const base = strings.length;
  const located = new Map<string, number>();
  const names: number[] = [];
  const object = g.types.nodeObject;
  let l = 0;
  for (let i = 0; i < nodeCount; i++) {
    const c = classIndex[i];
    // locations are sorted by node: walk them alongside the nodes
    while (l < locationNode.length && locationNode[l] < i) l++;
    if (nodeType[i] === object && l < locationNode.length && locationNode[l] === i) {
      const key = `${locationScript[l]},${locationLine[l]},${locationColumn[l]},${c}`;
      let id = located.get(key);
      if (id === undefined) {
        id = base + names.length;
        names.push(c);
        located.set(key, id);
      }
      ids[i] = id;
    } else ids[i] = c;
  }
  const nameOf = new Uint32Array(base + names.length);
  for (let c = 0; c < base; c++) nameOf[c] = c;
  for (let k = 0; k < names.length; k++) nameOf[base + k] = names[k];
  return { ids, count: base + names.length, names: nameOf };
}

function computeSummary(a: HeapAnalysis): ClassSummary[] {
  const g = a.graph;
  const { nodeCount, selfSize, strings } = g;
  const { distance, retainedSize, firstDominated, dominated } = a;
  const { ids, count: k, names } = classIds(a);
  const count = new Float64Array(k);
  const self = new Float64Array(k);
  const minDist = new Int32Array(k).fill(0x7fffffff);
  const retained = new Float64Array(k);
  for (let i = 0; i < nodeCount; i++) {
    const s = selfSize[i];
    if (!s) continue;
    const c = ids[i];
    count[c]++;
    self[c] += s;
    if (distance[i] < minDist[c]) minDist[c] = distance[i];
  }
  // Iterative DFS over the dominator tree; `open` marks classes with an instance on the current
  // path, so only the topmost instance of a class adds its retained size.
  const open = new Uint8Array(k);
  const stack = new Uint32Array(nodeCount * 2 + 1); // each node once, plus one exit revisit
  const exit = new Uint8Array(nodeCount);
  let sp = 0;
  stack[sp++] = 0;
  while (sp > 0) {
    const n = stack[--sp];
    const c = ids[n];
    if (exit[n]) {
      exit[n] = 0;
      open[c] = 0;
      continue;
    }
    const from = firstDominated[n];
    const to = firstDominated[n + 1];
    if (!open[c] && selfSize[n]) {
      retained[c] += retainedSize[n];
      if (from !== to) {
        open[c] = 1;
        exit[n] = 1;
        stack[sp++] = n; // revisit on exit to close the class
      }
    }
    for (let j = from; j < to; j++) stack[sp++] = dominated[j];
  }
  const rows: ClassSummary[] = [];
  for (let c = 0; c < k; c++) {
    if (count[c] === 0) continue;
    rows.push({ name: strings[names[c]], count: count[c], distance: minDist[c], selfSize: self[c], retainedSize: retained[c] });
  }
  rows.sort((x, y) => y.retainedSize - x.retainedSize || y.selfSize - x.selfSize);
  return rows;
}
