// Dominator tree and retained sizes: semidominators as in Lengauer-Tarjan (simple eval/link,
// iterative DFS), then immediate dominators as in SEMI-NCA (Georgiadis, Tarjan & Werneck, "Finding
// dominators in practice", 2006: as fast as LT on real graphs and without its buckets, a word per
// node and several cache misses per vertex fewer). DevTools' handling of nodes the root can't
// reach over essential edges: nodes whose retainers are all non-essential hang off the root and
// are explored from there; remaining unreachable nodes (cycles only retaining each other) are
// attached to the root one by one.
// Hot loops are plain functions over typed arrays (no closures), and the DFS keeps its edge
// cursors on an explicit stack (contiguous, so in cache) rather than in per-vertex arrays (a cache
// miss per vertex visit and return).
import type { HeapGraph, Sizes } from '../graph.js';
import { essentialSlots } from './retainers.js';
import { sharedArena } from '../memory.js';

// Per-vertex state is interleaved in one array (stride 3) so the hot retainer loop touches one
// cache line per retainer instead of three: ancestor, label, semi. Once the semidominators are
// known, the first two hold the vertex's immediate dominator and preorder number. (A fourth word
// caching semi[label] saved a read per retainer whose label moved, about 5% of the pass, for 4
// bytes a node at the analysis's peak.)
// Vertex numbers are node ordinal + 1 so 0 can mean "none" in parent/ancestor; semi holds DFS
// preorder numbers (1 = the root).
const ANC = 0;
const LABEL = 1;
const SEMI = 2;
const STRIDE = 3;
const IDOM = ANC;
const PRE = LABEL;

export interface DominatorTree {
  dominator: Uint32Array;
  /** Vertices (node ordinal + 1) in DFS preorder from index 1: parents before children. */
  order: Uint32Array;
  unreachable: number;
  /**
   * The pass's per-vertex scratch buffer (12 bytes per node), free once the tree is built: retained
   * sizes and the dominated-nodes index fit in it and in `order` (see carveTreeSizes), so the
   * analysis needs no new memory at its peak.
   */
  scratch?: Uint32Array;
}

/** DFS numbering: the first half of the pass, which needs no retainer index (so it may be built meanwhile). */
export interface DfsState {
  n: number;
  unreachable: number;
  rec: Uint32Array;
  parent: Uint32Array;
  vertex: Uint32Array;
}

/** The pass's memory: per-vertex records (see DominatorTree.scratch), DFS parents and preorder. */
export interface DominatorMemory {
  rec: Uint32Array;
  parent: Uint32Array;
  vertex: Uint32Array;
}

/** `shared`: in one shared buffer (see sharedArena), for a worker to read the results. Other passes may work in `rec` first. */
export function allocDominatorMemory(nodeCount: number, shared = false): DominatorMemory {
  const len = nodeCount + 1;
  if (!shared) return { rec: new Uint32Array(len * STRIDE), parent: new Uint32Array(len), vertex: new Uint32Array(len) };
  const { buffer, offsets } = sharedArena([len * STRIDE * 4, len * 4, len * 4]);
  return { rec: new Uint32Array(buffer, offsets[0], len * STRIDE), parent: new Uint32Array(buffer, offsets[1], len), vertex: new Uint32Array(buffer, offsets[2], len) };
}

export interface DfsOptions {
  /** From allocDominatorMemory (number() sets every word of `rec`, so a pass before this one can borrow it); else allocated here. */
  memory?: DominatorMemory;
  /** From the essential-edge pass: a bit per node that some essential edge points at. */
  retained: Uint8Array;
}

export function dominatorDfs(g: HeapGraph, essential: Uint8Array, opts: DfsOptions): DfsState {
  const { nodeCount, firstEdge, edgeTo } = g;
  const len = nodeCount + 1;
  // number() initialises every word of a vertex's record, so borrowed memory needs no clearing
  const { rec, parent, vertex } = opts.memory ?? allocDominatorMemory(nodeCount);
  const seen = new Uint8Array((len + 7) >>> 3); // by vertex number
  const stack = { a: new Uint32Array(3 << 12) };

  const r = 1; // the root is node ordinal 0
  let n = dfs(r, 0, firstEdge, edgeTo, essential, parent, rec, vertex, seen, stack);
  const unreachable = nodeCount - n;
  if (n < nodeCount) {
    // Nodes with only non-essential (weak) retainers: hang them off the root and explore.
    const retained = opts.retained;
    for (let v = 1; v <= nodeCount; v++) {
      const o = v - 1;
      if ((seen[v >>> 3] & (1 << (v & 7))) === 0 && (retained[o >>> 3] & (1 << (o & 7))) === 0) {
        parent[v] = r;
        n = dfs(v, n, firstEdge, edgeTo, essential, parent, rec, vertex, seen, stack);
      }
    }
  }
  if (n < nodeCount) {
    for (let v = 1; v <= nodeCount; v++) {
      if ((seen[v >>> 3] & (1 << (v & 7))) === 0) {
        parent[v] = r;
        number(v, ++n, rec, vertex);
      }
    }
  }
  return { n, unreachable, rec, parent, vertex };
}

/**
 * Semidominators and immediate dominators over the retainer index. `slots`: the essential bit per
 * retainer slot (see essentialSlots; computed here when not given).
 */
export function finishDominatorTree(g: HeapGraph, essential: Uint8Array, state: DfsState, slots = essentialSlots(g, essential)): DominatorTree {
  const { nodeCount, firstRetainer, retainerNode } = g;
  const { n, unreachable, rec, parent, vertex } = state;
  // Immediate dominators are written straight into the 0-based result.
  semidominators(n, vertex, firstRetainer, retainerNode, slots, rec, parent);
  // the result lives in the parents' memory, one word on: dominator[w - 1] is parent[w], which the
  // second pass reads (once, for w) just before it writes w's dominator there
  const dominator = new Uint32Array(parent.buffer, parent.byteOffset + 4, nodeCount);
  immediateDominators(n, vertex, rec, parent, dominator);
  return { dominator, order: vertex, unreachable, scratch: rec };
}

// The two loops live in functions of their own (as does compress): V8 optimises each with its own
// type feedback, instead of compiling one big function mid-loop and deoptimising it when a later
// loop, never run yet, is reached.

/** Lengauer-Tarjan's semidominators, in reverse preorder; each vertex is then linked to its parent. */
function semidominators(
  n: number, vertex: Uint32Array, firstRetainer: Uint32Array, retainerNode: Uint32Array, slots: Uint8Array, rec: Uint32Array, parent: Uint32Array,
): void {
  const stack = { a: new Uint32Array(1024) };
  for (let i = n; i >= 2; i--) {
    const w = vertex[i];
    let s = i;
    let orphan = true;
    for (let k = firstRetainer[w - 1], end = firstRetainer[w]; k < end; k++) {
      if ((slots[k >>> 3] & (1 << (k & 7))) === 0) continue;
      orphan = false;
      // semi[evaluate(v)]: an unlinked vertex or one linked straight to a tree root is its own answer
      const v3 = (retainerNode[k] + 1) * STRIDE;
      const a = rec[v3 + ANC];
      if (a !== 0 && rec[a * STRIDE + ANC] !== 0) compress(v3, rec, stack);
      const su = rec[rec[v3 + LABEL] * STRIDE + SEMI];
      if (su < s) s = su;
    }
    if (orphan) s = 1; // semi[r]
    const w3 = w * STRIDE;
    rec[w3 + SEMI] = s;
    rec[w3 + ANC] = parent[w]; // link
  }
}

/**
 * SEMI-NCA's second pass, in preorder: the immediate dominator of w is the nearest ancestor of its
 * DFS parent, in the dominator tree built so far, whose preorder number is at most semi(w). Writes
 * `dominator` (node ordinals); in `rec`, IDOM and PRE replace the finished ancestor and label.
 */
function immediateDominators(n: number, vertex: Uint32Array, rec: Uint32Array, parent: Uint32Array, dominator: Uint32Array): void {
  const root = vertex[1];
  rec[root * STRIDE + IDOM] = root;
  rec[root * STRIDE + PRE] = 1;
  dominator[root - 1] = root - 1;
  for (let i = 2; i <= n; i++) {
    const w = vertex[i];
    const w3 = w * STRIDE;
    const s = rec[w3 + SEMI];
    let x = parent[w]; // (the same word as dominator[w - 1], written below)
    while (rec[x * STRIDE + PRE] > s) x = rec[x * STRIDE + IDOM];
    rec[w3 + IDOM] = x;
    rec[w3 + PRE] = i;
    dominator[w - 1] = x - 1;
  }
}

/**
 * Retained sizes and the dominated-nodes index laid out in memory the tree no longer needs:
 * retained sizes and firstDominated in its scratch buffer, `dominated` in `order`, which is free
 * once the retained sizes are summed (see fillDominated).
 */
export function carveTreeSizes(tree: DominatorTree): (DominatedNodes & { retainedSize: Float64Array }) | null {
  const n = tree.dominator.length;
  const { scratch, order } = tree;
  if (!scratch || scratch.byteLength < n * 12 + 4 || order.length < n - 1) return null;
  return {
    retainedSize: new Float64Array(scratch.buffer, scratch.byteOffset, n),
    firstDominated: new Uint32Array(scratch.buffer, scratch.byteOffset + n * 8, n + 1),
    dominated: order.subarray(0, Math.max(0, n - 1)),
  };
}

/** Retained sizes: each node's size added to its dominator, children before parents. */
export function retainedSizes(tree: DominatorTree, selfSize: Sizes): Float64Array {
  return retainedSizesInto(new Float64Array(selfSize.length), tree, selfSize);
}

/** As retainedSizes, into `out` (overwritten whole, e.g. shared memory a worker fills). */
export function retainedSizesInto(out: Float64Array, tree: DominatorTree, selfSize: Sizes): Float64Array {
  const { dominator, order } = tree;
  out.set(selfSize);
  for (let i = dominator.length; i > 1; i--) {
    const o = order[i] - 1;
    out[dominator[o]] += out[o];
  }
  return out;
}

function number(v: number, n: number, rec: Uint32Array, vertex: Uint32Array): void {
  const v3 = v * STRIDE;
  rec[v3 + ANC] = 0;
  rec[v3 + LABEL] = v;
  rec[v3 + SEMI] = n;
  vertex[n] = v;
}

/**
 * Iterative DFS over essential edges from `root`; numbers vertices from n+1, returns the new n.
 * The stack holds (vertex, next edge, end edge) triples. Visits are checked in a bitset (a
 * megabyte for millions of nodes, so it stays in cache) rather than in `rec`, a miss per edge.
 */
function dfs(
  root: number, n: number, firstEdge: Uint32Array, edgeTo: Uint32Array, essential: Uint8Array,
  parent: Uint32Array, rec: Uint32Array, vertex: Uint32Array, seen: Uint8Array, stack: { a: Uint32Array },
): number {
  seen[root >>> 3] |= 1 << (root & 7);
  number(root, ++n, rec, vertex);
  let st = stack.a;
  st[0] = root;
  st[1] = firstEdge[root - 1];
  st[2] = firstEdge[root];
  let sp = 0; // index of the top triple
  while (sp >= 0) {
    const v = st[sp];
    const end = st[sp + 2];
    let e = st[sp + 1];
    let w = 0;
    for (; e < end; e++) {
      if ((essential[e >>> 3] & (1 << (e & 7))) === 0) continue;
      const x = edgeTo[e] + 1;
      if ((seen[x >>> 3] & (1 << (x & 7))) === 0) {
        w = x;
        break;
      }
    }
    if (w === 0) {
      sp -= 3;
      continue;
    }
    st[sp + 1] = e + 1;
    seen[w >>> 3] |= 1 << (w & 7);
    number(w, ++n, rec, vertex);
    parent[w] = v;
    sp += 3;
    if (sp + 3 > st.length) st = grow(stack);
    st[sp] = w;
    st[sp + 1] = firstEdge[w - 1];
    st[sp + 2] = firstEdge[w];
  }
  return n;
}

/** Doubles a stack (a function of its own: a rare branch inside a hot loop deoptimises it). */
function grow(stack: { a: Uint32Array }): Uint32Array {
  const bigger = new Uint32Array(stack.a.length * 2);
  bigger.set(stack.a);
  return (stack.a = bigger);
}

/** LT's eval path compression (for paths of 2+ links) from v3 = vertex * STRIDE; the stack grows on demand. */
function compress(v3: number, rec: Uint32Array, stack: { a: Uint32Array }): void {
  let st = stack.a;
  let sp = 0;
  let x3 = v3;
  while (rec[rec[x3 + ANC] * STRIDE + ANC] !== 0) {
    if (sp === st.length) st = grow(stack);
    st[sp++] = x3;
    x3 = rec[x3 + ANC] * STRIDE;
  }
  while (sp > 0) {
    const w3 = st[--sp];
    const a3 = rec[w3 + ANC] * STRIDE;
    const al = rec[a3 + LABEL];
    if (rec[al * STRIDE + SEMI] < rec[rec[w3 + LABEL] * STRIDE + SEMI]) rec[w3 + LABEL] = al;
    rec[w3 + ANC] = rec[a3 + ANC];
  }
}

/** Children lists of the dominator tree (CSR), as DevTools' buildDominatedNodes. */
export function buildDominatedNodes(dominator: Uint32Array): DominatedNodes {
  const nodeCount = dominator.length;
  return buildDominatedInto(dominator, { firstDominated: new Uint32Array(nodeCount + 1), dominated: new Uint32Array(Math.max(0, nodeCount - 1)) });
}

export interface DominatedNodes {
  firstDominated: Uint32Array;
  dominated: Uint32Array;
}

/**
 * As buildDominatedNodes, into preallocated arrays (overwritten whole). firstDominated serves as
 * the fill cursors (then moves up a slot), so the index needs no memory beyond its own.
 */
export function buildDominatedInto(dominator: Uint32Array, out: DominatedNodes): DominatedNodes {
  countDominated(dominator, out.firstDominated);
  return fillDominated(dominator, out);
}

/** buildDominatedInto's first half: where each node's children will start (writes only firstDominated). */
export function countDominated(dominator: Uint32Array, firstDominated: Uint32Array): void {
  const nodeCount = dominator.length;
  firstDominated.fill(0);
  // counts at [p + 1], then prefix sums: firstDominated[p] is where p's children start
  for (let o = 1; o < nodeCount; o++) firstDominated[dominator[o] + 1]++;
  for (let i = 0; i < nodeCount; i++) firstDominated[i + 1] += firstDominated[i];
}

/** The second half, after countDominated: fills `dominated` (the only write to it). */
export function fillDominated(dominator: Uint32Array, out: DominatedNodes): DominatedNodes {
  const { firstDominated, dominated } = out;
  const nodeCount = dominator.length;
  // fill in node order; each cursor ends where the next node's children start
  for (let o = 1; o < nodeCount; o++) dominated[firstDominated[dominator[o]]++] = o;
  firstDominated.copyWithin(1, 0, nodeCount);
  firstDominated[0] = 0;
  return out;
}
