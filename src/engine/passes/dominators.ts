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

// The pass's per-vertex state is indexed by DFS preorder number, not by node: the DFS writes a
// vertex's parent and its own number in sequence, Lengauer-Tarjan walks the vertices in reverse
// preorder and SEMI-NCA forwards, so their own records are read and written in sequence, and only
// retainers cost a random access. A retainer numbered before the vertex is not yet linked, so it
// is its own answer, read from `pre` alone. (Indexed by node, as it was, the DFS and
// Lengauer-Tarjan took about 0.3 s more at 470 MB.)
// Once linked, a vertex has a two-word record: its ancestor in the link forest and the smallest
// semidominator on its compressed path (SEMI-NCA needs no more than that value from eval). Its
// own semidominator is parked in `vertex`, whose preorder is rebuilt from `pre` afterwards.
// Vertex numbers are node ordinal + 1; preorder numbers start at 1 (the root).
const ANC = 0;
const BEST = 1;
const STRIDE = 2;

export interface DominatorTree {
  dominator: Uint32Array;
  /** Vertices (node ordinal + 1) in DFS preorder from index 1: parents before children. */
  order: Uint32Array;
  unreachable: number;
  /**
   * Memory the pass no longer needs once the tree is built (8 and 4 bytes per node): retained
   * sizes and the dominated-nodes index fit in it and in `order` (see carveTreeSizes), so the
   * analysis needs no new memory at its peak.
   */
  spare?: { records: Uint32Array; parents: Uint32Array };
}

/** DFS numbering: the first half of the pass, which needs no retainer index (so it may be built meanwhile). */
export interface DfsState extends DominatorMemory {
  n: number;
  unreachable: number;
}

/**
 * The pass's memory: the records (STRIDE words by preorder), DFS parents (by preorder: the
 * parent's number), the preorder (vertex by number) and each vertex's number (`pre`, by vertex).
 * `rec` and `parent` are contiguous: `scratch` spans both.
 */
export interface DominatorMemory {
  rec: Uint32Array;
  parent: Uint32Array;
  vertex: Uint32Array;
  pre: Uint32Array;
  /** rec and parent as one array (3 x (nodeCount + 1) words), for a pass before this one to work in. */
  scratch: Uint32Array;
}

/** `shared`: in one shared buffer (see sharedArena), for a worker to read the results. Other passes may work in `scratch` first. */
export function allocDominatorMemory(nodeCount: number, shared = false): DominatorMemory {
  const len = nodeCount + 1;
  let scratch: Uint32Array;
  let vertex: Uint32Array;
  let pre: Uint32Array;
  if (!shared) {
    scratch = new Uint32Array(len * (STRIDE + 1));
    vertex = new Uint32Array(len);
    pre = new Uint32Array(len);
  } else {
    const { buffer, offsets } = sharedArena([len * (STRIDE + 1) * 4, len * 4, len * 4]);
    scratch = new Uint32Array(buffer, offsets[0], len * (STRIDE + 1));
    vertex = new Uint32Array(buffer, offsets[1], len);
    pre = new Uint32Array(buffer, offsets[2], len);
  }
  return { rec: scratch.subarray(0, len * STRIDE), parent: scratch.subarray(len * STRIDE), vertex, pre, scratch };
}

export interface DfsOptions {
  /** From allocDominatorMemory (the pass writes every word before it reads it, so a pass before this one can borrow it); else allocated here. */
  memory?: DominatorMemory;
  /** From the essential-edge pass: a bit per node that some essential edge points at. */
  retained: Uint8Array;
}

export function dominatorDfs(g: HeapGraph, essential: Uint8Array, opts: DfsOptions): DfsState {
  const { nodeCount, firstEdge, edgeTo } = g;
  const len = nodeCount + 1;
  const memory = opts.memory ?? allocDominatorMemory(nodeCount);
  const { parent, vertex, pre } = memory;
  const seen = new Uint8Array((len + 7) >>> 3); // by vertex number
  const stack = { a: new Uint32Array(3 << 12) };

  const r = 1; // the root is node ordinal 0, and preorder number 1
  let n = dfs(r, 0, 0, firstEdge, edgeTo, essential, parent, vertex, pre, seen, stack);
  const unreachable = nodeCount - n;
  if (n < nodeCount) {
    // Nodes with only non-essential (weak) retainers: hang them off the root and explore.
    const retained = opts.retained;
    for (let v = 1; v <= nodeCount; v++) {
      const o = v - 1;
      if ((seen[v >>> 3] & (1 << (v & 7))) === 0 && (retained[o >>> 3] & (1 << (o & 7))) === 0) {
        n = dfs(v, 1, n, firstEdge, edgeTo, essential, parent, vertex, pre, seen, stack);
      }
    }
  }
  if (n < nodeCount) {
    for (let v = 1; v <= nodeCount; v++) {
      if ((seen[v >>> 3] & (1 << (v & 7))) === 0) {
        n++;
        pre[v] = n;
        vertex[n] = v;
        parent[n] = 1;
      }
    }
  }
  return { ...memory, n, unreachable };
}

/**
 * Semidominators and immediate dominators over the retainer index. `slots`: the essential bit per
 * retainer slot (see essentialSlots; computed here when not given).
 */
export function finishDominatorTree(g: HeapGraph, essential: Uint8Array, state: DfsState, slots = essentialSlots(g, essential)): DominatorTree {
  const { nodeCount, firstRetainer, retainerNode } = g;
  const { n, unreachable, rec, parent, vertex, pre } = state;
  semidominators(n, pre, vertex, firstRetainer, retainerNode, slots, rec, parent);
  immediateDominators(n, vertex, parent);
  // `vertex` holds semidominators now: the preorder again, from `pre`
  for (let v = 1; v <= nodeCount; v++) vertex[pre[v]] = v; // (every node is numbered: n = nodeCount)
  // The result (node ordinals) lives in `pre`'s memory, one word on: dominator[w - 1] is pre[w],
  // which nothing reads any more.
  const dominator = new Uint32Array(pre.buffer, pre.byteOffset + 4, nodeCount);
  for (let i = 1; i <= n; i++) dominator[vertex[i] - 1] = vertex[parent[i]] - 1;
  return { dominator, order: vertex, unreachable, spare: { records: rec, parents: parent } };
}

// The loops live in functions of their own (as does compress): V8 optimises each with its own
// type feedback, instead of compiling one big function mid-loop and deoptimising it when a later
// loop, never run yet, is reached.

/**
 * Lengauer-Tarjan's semidominators, in reverse preorder; each vertex is then linked to its parent.
 * A vertex is linked once processed, so "linked" is "numbered after i". Writes each vertex's
 * semidominator (a preorder number) into vertex[i].
 */
function semidominators(
  n: number, pre: Uint32Array, vertex: Uint32Array, firstRetainer: Uint32Array, retainerNode: Uint32Array, slots: Uint8Array, rec: Uint32Array, parent: Uint32Array,
): void {
  const stack = { a: new Uint32Array(1024) };
  for (let i = n; i >= 2; i--) {
    const w = vertex[i];
    let s = i;
    let orphan = true;
    for (let k = firstRetainer[w - 1], end = firstRetainer[w]; k < end; k++) {
      if ((slots[k >>> 3] & (1 << (k & 7))) === 0) continue;
      orphan = false;
      const pv = pre[retainerNode[k] + 1];
      if (pv <= i) {
        // not linked (or w itself): its own answer
        if (pv < s) s = pv;
        continue;
      }
      // linked: the smallest semidominator on its path, once compressed to a root's child
      const v2 = pv * STRIDE;
      if (rec[v2 + ANC] > i) compress(v2, i, rec, stack);
      const su = rec[v2 + BEST];
      if (su < s) s = su;
    }
    if (orphan) s = 1; // the root's
    const i2 = i * STRIDE;
    rec[i2 + ANC] = parent[i]; // link
    rec[i2 + BEST] = s;
    vertex[i] = s;
  }
}

/**
 * SEMI-NCA's second pass, in preorder: the immediate dominator of i is the nearest ancestor of its
 * DFS parent, in the dominator tree built so far, numbered at most semi(i). `semi` is `vertex` as
 * semidominators left it; `parent` becomes the immediate dominators (by preorder).
 */
function immediateDominators(n: number, semi: Uint32Array, parent: Uint32Array): void {
  parent[1] = 1;
  for (let i = 2; i <= n; i++) {
    const s = semi[i];
    let x = parent[i];
    while (x > s) x = parent[x];
    parent[i] = x;
  }
}

/**
 * Retained sizes and the dominated-nodes index laid out in memory the tree no longer needs:
 * retained sizes and firstDominated in its scratch buffer, `dominated` in `order`, which is free
 * once the retained sizes are summed (see fillDominated).
 */
export function carveTreeSizes(tree: DominatorTree): (DominatedNodes & { retainedSize: Float64Array }) | null {
  const n = tree.dominator.length;
  const { spare, order } = tree;
  if (!spare || spare.records.byteLength < n * 8 || spare.records.byteOffset % 8 !== 0 || spare.parents.length < n + 1 || order.length < n - 1) return null;
  return {
    retainedSize: new Float64Array(spare.records.buffer, spare.records.byteOffset, n),
    firstDominated: spare.parents.subarray(0, n + 1),
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

/**
 * Iterative DFS over essential edges from `root` (whose parent is numbered `rootParent`); numbers
 * vertices from n+1, returns the new n. The stack holds (number, next edge, end edge) triples.
 * Visits are checked in a bitset (a megabyte for millions of nodes, so it stays in cache) rather
 * than in `pre`, a miss per edge.
 */
function dfs(
  root: number, rootParent: number, n: number, firstEdge: Uint32Array, edgeTo: Uint32Array, essential: Uint8Array,
  parent: Uint32Array, vertex: Uint32Array, pre: Uint32Array, seen: Uint8Array, stack: { a: Uint32Array },
): number {
  seen[root >>> 3] |= 1 << (root & 7);
  n++;
  pre[root] = n;
  vertex[n] = root;
  parent[n] = rootParent;
  let st = stack.a;
  st[0] = n;
  st[1] = firstEdge[root - 1];
  st[2] = firstEdge[root];
  let sp = 0; // index of the top triple
  while (sp >= 0) {
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
    n++;
    pre[w] = n;
    vertex[n] = w;
    parent[n] = st[sp];
    sp += 3;
    if (sp + 3 > st.length) st = grow(stack);
    st[sp] = n;
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

/**
 * LT's eval path compression from v2 = (linked vertex) * STRIDE whose ancestor is linked too
 * (numbered after i); the stack grows on demand.
 */
function compress(v2: number, i: number, rec: Uint32Array, stack: { a: Uint32Array }): void {
  let st = stack.a;
  let sp = 0;
  let x2 = v2;
  while (rec[x2 + ANC] > i) {
    if (sp === st.length) st = grow(stack);
    st[sp++] = x2;
    x2 = rec[x2 + ANC] * STRIDE;
  }
  while (sp > 0) {
    const w2 = st[--sp];
    const a2 = rec[w2 + ANC] * STRIDE;
    const b = rec[a2 + BEST];
    if (b < rec[w2 + BEST]) rec[w2 + BEST] = b;
    rec[w2 + ANC] = rec[a2 + ANC];
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
