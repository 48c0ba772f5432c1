// Dominator tree and retained sizes: Lengauer-Tarjan (simple eval/link, iterative DFS), with
// DevTools' handling of nodes the root can't reach over essential edges: nodes whose retainers
// are all non-essential hang off the root and are explored from there; remaining unreachable
// nodes (cycles only retaining each other) are attached to the root one by one.
// Buckets are intrusive linked lists in typed arrays, not Sets: no allocation per node.
import type { HeapGraph } from '../graph.js';

export interface DominatorResult {
  dominator: Uint32Array;
  retainedSize: Float64Array;
  /** Nodes the root did not reach over essential edges (DevTools reports these as problems). */
  unreachable: number;
}

export function computeDominators(g: HeapGraph, essential: Uint8Array, selfSize: Float64Array): DominatorResult {
  const { nodeCount, firstEdge, edgeTo, firstRetainer, retainerNode, retainerEdge } = g;
  const len = nodeCount + 1; // 1-based vertex numbers; 0 = none
  const parent = new Uint32Array(len);
  const ancestor = new Uint32Array(len);
  const vertex = new Uint32Array(len);
  const label = new Uint32Array(len);
  const semi = new Uint32Array(len);
  const nextEdge = new Uint32Array(len);
  let n = 0;

  const isEssential = (e: number) => (essential[e >>> 3] & (1 << (e & 7))) !== 0;

  const dfs = (root: number): void => {
    nextEdge[root - 1] = firstEdge[root - 1];
    let v = root;
    while (v !== 0) {
      if (semi[v] === 0) {
        semi[v] = ++n;
        vertex[n] = label[v] = v;
      }
      let vNext = parent[v];
      const vo = v - 1;
      const end = firstEdge[vo + 1];
      let e = nextEdge[vo];
      for (; e < end; e++) {
        if (!isEssential(e)) continue;
        const w = edgeTo[e] + 1;
        if (semi[w] === 0) {
          parent[w] = v;
          nextEdge[w - 1] = firstEdge[w - 1];
          vNext = w;
          break;
        }
      }
      nextEdge[vo] = e;
      v = vNext;
    }
  };

  const stack = new Uint32Array(len);
  const evaluate = (v: number): number => {
    if (ancestor[v] === 0) return v;
    // compress
    let sp = 0;
    let x = v;
    while (ancestor[ancestor[x]] !== 0) {
      stack[++sp] = x;
      x = ancestor[x];
    }
    while (sp > 0) {
      const w = stack[sp--];
      if (semi[label[ancestor[w]]] < semi[label[w]]) label[w] = label[ancestor[w]];
      ancestor[w] = ancestor[ancestor[w]];
    }
    return label[v];
  };

  const r = 1; // the root is node ordinal 0
  dfs(r);
  let unreachable = nodeCount - n;
  if (n < nodeCount) {
    // Nodes with only non-essential (weak) retainers: hang them off the root and explore.
    for (let v = 1; v <= nodeCount; v++) {
      if (semi[v] !== 0) continue;
      const vo = v - 1;
      let onlyWeak = true;
      for (let k = firstRetainer[vo]; k < firstRetainer[vo + 1]; k++) {
        if (isEssential(retainerEdge[k])) {
          onlyWeak = false;
          break;
        }
      }
      if (onlyWeak) {
        parent[v] = r;
        dfs(v);
      }
    }
  }
  if (n < nodeCount) {
    for (let v = 1; v <= nodeCount; v++) {
      if (semi[v] === 0) {
        parent[v] = r;
        semi[v] = ++n;
        vertex[n] = label[v] = v;
      }
    }
  }

  const dom = new Uint32Array(len);
  const bucketHead = new Uint32Array(len);
  const bucketNext = new Uint32Array(len);
  for (let i = n; i >= 2; i--) {
    const w = vertex[i];
    const wo = w - 1;
    let orphan = true;
    for (let k = firstRetainer[wo], end = firstRetainer[wo + 1]; k < end; k++) {
      if (!isEssential(retainerEdge[k])) continue;
      orphan = false;
      const u = evaluate(retainerNode[k] + 1);
      if (semi[u] < semi[w]) semi[w] = semi[u];
    }
    if (orphan) semi[w] = semi[r];
    const b = vertex[semi[w]];
    bucketNext[w] = bucketHead[b];
    bucketHead[b] = w;
    ancestor[w] = parent[w]; // link
    const p = parent[w];
    for (let v = bucketHead[p]; v !== 0; v = bucketNext[v]) {
      const u = evaluate(v);
      dom[v] = semi[u] < semi[v] ? u : p;
    }
    bucketHead[p] = 0;
  }
  dom[0] = dom[r] = r;
  for (let i = 2; i <= n; i++) {
    const w = vertex[i];
    if (dom[w] !== vertex[semi[w]]) dom[w] = dom[dom[w]];
  }

  const dominator = new Uint32Array(nodeCount);
  const retainedSize = new Float64Array(nodeCount);
  for (let o = 0; o < nodeCount; o++) {
    dominator[o] = dom[o + 1] - 1;
    retainedSize[o] = selfSize[o];
  }
  for (let i = n; i > 1; i--) {
    const o = vertex[i] - 1;
    retainedSize[dominator[o]] += retainedSize[o];
  }
  return { dominator, retainedSize, unreachable };
}

/** Children lists of the dominator tree (CSR), as DevTools' buildDominatedNodes. */
export function buildDominatedNodes(dominator: Uint32Array): { firstDominated: Uint32Array; dominated: Uint32Array } {
  const nodeCount = dominator.length;
  const firstDominated = new Uint32Array(nodeCount + 1);
  const dominated = new Uint32Array(Math.max(0, nodeCount - 1));
  for (let o = 1; o < nodeCount; o++) firstDominated[dominator[o] + 1]++;
  for (let i = 0; i < nodeCount; i++) firstDominated[i + 1] += firstDominated[i];
  const cursor = firstDominated.slice(0, nodeCount);
  for (let o = 1; o < nodeCount; o++) dominated[cursor[dominator[o]]++] = o;
  return { firstDominated, dominated };
}
