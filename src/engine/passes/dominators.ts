// Dominator tree and retained sizes: Lengauer-Tarjan (simple eval/link, iterative DFS), with
// DevTools' handling of nodes the root can't reach over essential edges: nodes whose retainers
// are all non-essential hang off the root and are explored from there; remaining unreachable
// nodes (cycles only retaining each other) are attached to the root one by one.
// Hot loops are plain functions over typed arrays (no closures), buckets are intrusive linked
// lists, and the DFS edge cursors are reused as bucket heads.
import type { HeapGraph } from '../graph.js';

export interface DominatorResult {
  dominator: Uint32Array;
  retainedSize: Float64Array;
  /** Nodes the root did not reach over essential edges (DevTools reports these as problems). */
  unreachable: number;
}

// Per-vertex state is interleaved in one array (stride 4) so the hot retainer loop touches one
// cache line per retainer instead of four: ancestor, label, semi[label] (cached), semi.
const ANC = 0;
const LABEL = 1;
const LSEMI = 2;
const SEMI = 3;

/**
 * Vertex numbers are node ordinal + 1 so 0 can mean "none" in parent/ancestor; semi holds DFS
 * preorder numbers (1 = the root) until the main loop turns them into semidominators.
 */
export function computeDominators(g: HeapGraph, essential: Uint8Array, selfSize: Float64Array): DominatorResult {
  const tree = computeDominatorTree(g, essential);
  return { dominator: tree.dominator, retainedSize: retainedSizes(tree, selfSize), unreachable: tree.unreachable };
}

export interface DominatorTree {
  dominator: Uint32Array;
  /** Vertices (node ordinal + 1) in DFS preorder from index 1: parents before children. */
  order: Uint32Array;
  unreachable: number;
}

/** The tree alone: it does not depend on shallow sizes, so those may be computed meanwhile. */
export function computeDominatorTree(g: HeapGraph, essential: Uint8Array): DominatorTree {
  const { nodeCount, firstEdge, edgeTo, firstRetainer, retainerNode, retainerEdge } = g;
  const len = nodeCount + 1;
  const rec = new Uint32Array(len * 4);
  const parent = new Uint32Array(len);
  const vertex = new Uint32Array(len);
  const cursor = new Uint32Array(len); // DFS edge cursors; bucket heads in the main loop

  const r = 1; // the root is node ordinal 0
  let n = dfs(r, 0, firstEdge, edgeTo, essential, parent, rec, vertex, cursor);
  const unreachable = nodeCount - n;
  if (n < nodeCount) {
    // Nodes with only non-essential (weak) retainers: hang them off the root and explore.
    for (let v = 1; v <= nodeCount; v++) {
      if (rec[v * 4 + SEMI] !== 0) continue;
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
        n = dfs(v, n, firstEdge, edgeTo, essential, parent, rec, vertex, cursor);
      }
    }
  }
  if (n < nodeCount) {
    for (let v = 1; v <= nodeCount; v++) {
      if (rec[v * 4 + SEMI] === 0) {
        parent[v] = r;
        number(v, ++n, rec, vertex);
      }
    }
  }

  // Immediate dominators are written straight into the 0-based result.
  const dominator = new Uint32Array(nodeCount);
  cursor.fill(0);
  const bucketHead = cursor;
  const bucketNext = new Uint32Array(len);
  const stack = { a: new Uint32Array(1024) };
  for (let i = n; i >= 2; i--) {
    const w = vertex[i];
    let s = i;
    let orphan = true;
    for (let k = firstRetainer[w - 1], end = firstRetainer[w]; k < end; k++) {
      const e = retainerEdge[k];
      if ((essential[e >>> 3] & (1 << (e & 7))) === 0) continue;
      orphan = false;
      // semi[evaluate(v)]: an unlinked vertex or one linked straight to a tree root is its own answer
      const v4 = (retainerNode[k] + 1) * 4;
      const a = rec[v4 + ANC];
      if (a !== 0 && rec[a * 4 + ANC] !== 0) compress(v4, rec, stack);
      const su = rec[v4 + LSEMI];
      if (su < s) s = su;
    }
    if (orphan) s = 1; // semi[r]
    const w4 = w * 4;
    rec[w4 + SEMI] = rec[w4 + LSEMI] = s;
    const b = vertex[s];
    bucketNext[w] = bucketHead[b];
    bucketHead[b] = w;
    const p = parent[w];
    rec[w4 + ANC] = p; // link
    for (let v = bucketHead[p]; v !== 0; v = bucketNext[v]) {
      const v4 = v * 4;
      const a = rec[v4 + ANC];
      if (a !== 0 && rec[a * 4 + ANC] !== 0) compress(v4, rec, stack);
      dominator[v - 1] = rec[v4 + LSEMI] < rec[v4 + SEMI] ? rec[v4 + LABEL] - 1 : p - 1;
    }
    bucketHead[p] = 0;
  }
  dominator[0] = 0;
  for (let i = 2; i <= n; i++) {
    const w = vertex[i];
    const wo = w - 1;
    if (dominator[wo] !== vertex[rec[w * 4 + SEMI]] - 1) dominator[wo] = dominator[dominator[wo]];
  }

  return { dominator, order: vertex, unreachable };
}

/** Retained sizes: each node's size added to its dominator, children before parents. */
export function retainedSizes(tree: DominatorTree, selfSize: Float64Array): Float64Array {
  const { dominator, order } = tree;
  const retainedSize = selfSize.slice();
  for (let i = dominator.length; i > 1; i--) {
    const o = order[i] - 1;
    retainedSize[dominator[o]] += retainedSize[o];
  }
  return retainedSize;
}

function number(v: number, n: number, rec: Uint32Array, vertex: Uint32Array): void {
  const v4 = v * 4;
  rec[v4 + SEMI] = rec[v4 + LSEMI] = n;
  rec[v4 + LABEL] = v;
  vertex[n] = v;
}

/** Iterative DFS over essential edges from `root`; numbers vertices from n+1, returns the new n. */
function dfs(
  root: number, n: number, firstEdge: Uint32Array, edgeTo: Uint32Array, essential: Uint8Array,
  parent: Uint32Array, rec: Uint32Array, vertex: Uint32Array, nextEdge: Uint32Array,
): number {
  nextEdge[root] = firstEdge[root - 1];
  let v = root;
  while (v !== 0) {
    if (rec[v * 4 + SEMI] === 0) number(v, ++n, rec, vertex);
    let vNext = parent[v];
    const end = firstEdge[v];
    let e = nextEdge[v];
    for (; e < end; e++) {
      if ((essential[e >>> 3] & (1 << (e & 7))) === 0) continue;
      const w = edgeTo[e] + 1;
      if (rec[w * 4 + SEMI] === 0) {
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

/** LT's eval path compression (for paths of 2+ links) from v4 = vertex * 4; the stack grows on demand. */
function compress(v4: number, rec: Uint32Array, stack: { a: Uint32Array }): void {
  let st = stack.a;
  let sp = 0;
  let x4 = v4;
  while (rec[rec[x4 + ANC] * 4 + ANC] !== 0) {
    if (sp === st.length) {
      const bigger = new Uint32Array(st.length * 2);
      bigger.set(st);
      st = stack.a = bigger;
    }
    st[sp++] = x4;
    x4 = rec[x4 + ANC] * 4;
  }
  while (sp > 0) {
    const w4 = st[--sp];
    const a4 = rec[w4 + ANC] * 4;
    if (rec[a4 + LSEMI] < rec[w4 + LSEMI]) {
      rec[w4 + LABEL] = rec[a4 + LABEL];
      rec[w4 + LSEMI] = rec[a4 + LSEMI];
    }
    rec[w4 + ANC] = rec[a4 + ANC];
  }
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
