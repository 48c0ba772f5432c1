// Dominator tree and retained sizes: Lengauer-Tarjan (simple eval/link, iterative DFS), with
// DevTools' handling of nodes the root can't reach over essential edges: nodes whose retainers
// are all non-essential hang off the root and are explored from there; remaining unreachable
// nodes (cycles only retaining each other) are attached to the root one by one.
// Hot loops are plain functions over typed arrays (no closures), buckets are intrusive linked
// lists, and the DFS edge cursors are reused as bucket heads: 6 temporary words per node.
import type { HeapGraph } from '../graph.js';

export interface DominatorResult {
  dominator: Uint32Array;
  retainedSize: Float64Array;
  /** Nodes the root did not reach over essential edges (DevTools reports these as problems). */
  unreachable: number;
}

/**
 * Vertex numbers are node ordinal + 1 so 0 can mean "none" in parent/ancestor; semi[] holds DFS
 * preorder numbers (1 = the root) until the main loop turns them into semidominators.
 */
export function computeDominators(g: HeapGraph, essential: Uint8Array, selfSize: Float64Array): DominatorResult {
  const { nodeCount, firstEdge, edgeTo, firstRetainer, retainerNode, retainerEdge } = g;
  const len = nodeCount + 1;
  const parent = new Uint32Array(len);
  const semi = new Uint32Array(len);
  const vertex = new Uint32Array(len);
  const label = new Uint32Array(len);
  const cursor = new Uint32Array(len); // DFS edge cursors; bucket heads in the main loop

  const r = 1; // the root is node ordinal 0
  let n = dfs(r, 0, firstEdge, edgeTo, essential, parent, semi, vertex, label, cursor);
  const unreachable = nodeCount - n;
  if (n < nodeCount) {
    // Nodes with only non-essential (weak) retainers: hang them off the root and explore.
    for (let v = 1; v <= nodeCount; v++) {
      if (semi[v] !== 0) continue;
      let onlyWeak = true;
      for (let k = firstRetainer[v - 1], end = firstRetainer[v]; k < end; k++) {
        const e = retainerEdge[k];
        if (essential[e >>> 3] & (1 << (e & 7))) {
          onlyWeak = false;
          break;
        }
      }
      if (onlyWeak) {
        parent[v] = r;
        n = dfs(v, n, firstEdge, edgeTo, essential, parent, semi, vertex, label, cursor);
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

  // Immediate dominators are written straight into the 0-based result.
  const dominator = new Uint32Array(nodeCount);
  cursor.fill(0);
  const bucketHead = cursor;
  const bucketNext = new Uint32Array(len);
  const ancestor = new Uint32Array(len);
  const stack = { a: new Uint32Array(1024) };
  for (let i = n; i >= 2; i--) {
    const w = vertex[i];
    let s = i;
    let orphan = true;
    for (let k = firstRetainer[w - 1], end = firstRetainer[w]; k < end; k++) {
      const e = retainerEdge[k];
      if ((essential[e >>> 3] & (1 << (e & 7))) === 0) continue;
      orphan = false;
      const v = retainerNode[k] + 1;
      // evaluate(v), with its two cheap cases inline
      const a = ancestor[v];
      const u = a === 0 ? v : ancestor[a] === 0 ? label[v] : compress(v, ancestor, label, semi, stack);
      const su = semi[u];
      if (su < s) s = su;
    }
    if (orphan) s = 1; // semi[r]
    semi[w] = s;
    const b = vertex[s];
    bucketNext[w] = bucketHead[b];
    bucketHead[b] = w;
    const p = parent[w];
    ancestor[w] = p; // link
    for (let v = bucketHead[p]; v !== 0; v = bucketNext[v]) {
      const a = ancestor[v];
      const u = a === 0 ? v : ancestor[a] === 0 ? label[v] : compress(v, ancestor, label, semi, stack);
      dominator[v - 1] = semi[u] < semi[v] ? u - 1 : p - 1;
    }
    bucketHead[p] = 0;
  }
  dominator[0] = 0;
  for (let i = 2; i <= n; i++) {
    const wo = vertex[i] - 1;
    if (dominator[wo] !== vertex[semi[wo + 1]] - 1) dominator[wo] = dominator[dominator[wo]];
  }

  // Retained sizes: children before parents (reverse preorder).
  const retainedSize = selfSize.slice();
  for (let i = n; i > 1; i--) {
    const o = vertex[i] - 1;
    retainedSize[dominator[o]] += retainedSize[o];
  }
  return { dominator, retainedSize, unreachable };
}

/** Iterative DFS over essential edges from `root`; numbers vertices from n+1, returns the new n. */
function dfs(
  root: number, n: number, firstEdge: Uint32Array, edgeTo: Uint32Array, essential: Uint8Array,
  parent: Uint32Array, semi: Uint32Array, vertex: Uint32Array, label: Uint32Array, nextEdge: Uint32Array,
): number {
  nextEdge[root] = firstEdge[root - 1];
  let v = root;
  while (v !== 0) {
    if (semi[v] === 0) {
      semi[v] = ++n;
      vertex[n] = label[v] = v;
    }
    let vNext = parent[v];
    const end = firstEdge[v];
    let e = nextEdge[v];
    for (; e < end; e++) {
      if ((essential[e >>> 3] & (1 << (e & 7))) === 0) continue;
      const w = edgeTo[e] + 1;
      if (semi[w] === 0) {
        parent[w] = v;
        nextEdge[w] = firstEdge[w - 1];
        vNext = w;
        break;
      }
    }
    nextEdge[v] = e;
    v = vNext;
  }
  return n;
}

/** LT's eval with path compression, for paths of 2+ links; the stack grows on demand. */
function compress(v: number, ancestor: Uint32Array, label: Uint32Array, semi: Uint32Array, stack: { a: Uint32Array }): number {
  let st = stack.a;
  let sp = 0;
  let x = v;
  while (ancestor[ancestor[x]] !== 0) {
    if (sp === st.length) {
      const bigger = new Uint32Array(st.length * 2);
      bigger.set(st);
      st = stack.a = bigger;
    }
    st[sp++] = x;
    x = ancestor[x];
  }
  while (sp > 0) {
    const w = st[--sp];
    const a = ancestor[w];
    if (semi[label[a]] < semi[label[w]]) label[w] = label[a];
    ancestor[w] = ancestor[a];
  }
  return label[v];
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
