// Suspected leak points of one snapshot (the seed's rule): start from what retains the most,
// reached from the GC roots; look through engine plumbing (roots, native contexts, the global
// object, scopes) and descend while one child holds most of its parent, so the suspect is the most
// specific object that still holds the memory. Then the leak chain below it and a bounded subtree.
import { domChildren, edgeBetween, edgeLabel, edgeTypeName, isPlumbing, largestChild, nameIndexes, nodesNamed, retainerPath, topChildren, type HeapAnalysis } from '../engine/index.js';
import type { TreeNode } from './types.js';
import { chainNode, type Hop } from './describe.js';
import { collectionInfo } from './collections.js';

export interface SuspectOptions {
  /** How many suspects (default 5). */
  top?: number;
  /** A plumbing node is looked through when one child holds at least this share of it. */
  plumbingRatio?: number;
  /** A user object is refined to its child when that child holds at least this share of it. */
  objectRatio?: number;
  /** Leak chain continues while the next node holds at least this share of the previous one. */
  chainRatio?: number;
  /** Maximum chain length in nodes. */
  chainDepth?: number;
  /** Collections with at least this many entries are also ranked by the size of their entries. */
  collectionMinEntries?: number;
  /** A holder splits into its children when the second largest holds at least this share of it. */
  splitRatio?: number;
}

const DEFAULTS = {
  top: 5,
  plumbingRatio: 0.5,
  objectRatio: 0.8,
  chainRatio: 0.5,
  chainDepth: 16,
  collectionMinEntries: 1000,
  splitRatio: 0.2,
};

/** Max-heap of node ordinals by retained size. */
class RetainedHeap {
  private items: number[] = [];
  constructor(private readonly size: Float64Array) {}
  get length(): number {
    return this.items.length;
  }
  peek(): number {
    return this.items[0];
  }
  push(n: number): void {
    const it = this.items;
    it.push(n);
    let i = it.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.size[it[p]] >= this.size[it[i]]) break;
      [it[p], it[i]] = [it[i], it[p]];
      i = p;
    }
  }
  pop(): number {
    const it = this.items;
    const top = it[0];
    const last = it.pop()!;
    if (it.length) {
      it[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < it.length && this.size[it[l]] > this.size[it[m]]) m = l;
        if (r < it.length && this.size[it[r]] > this.size[it[m]]) m = r;
        if (m === i) break;
        [it[m], it[i]] = [it[i], it[m]];
        i = m;
      }
    }
    return top;
  }
}

/** Label of the edge a reader would follow from `from` to its dominated child `to`. */
function hopLabel(a: HeapAnalysis, from: number, to: number): { edge: string; edgeType: string } {
  const e = edgeBetween(a.graph, from, to);
  if (e < 0) return { edge: '…', edgeType: 'dominated' };
  return { edge: edgeLabel(a.graph, e), edgeType: edgeTypeName(a.graph, e) };
}

/**
 * True when stepping from `node` to `child` enters a self-similar chain (the same edge name shows
 * up again a few steps below: linked lists, closure context chains). The head is the answer then.
 */
function entersRepetition(a: HeapAnalysis, node: number, child: number): boolean {
  const first = hopLabel(a, node, child);
  if (first.edgeType === 'element' || first.edgeType === 'dominated') return false;
  let cur = child;
  for (let step = 0; step < 10; step++) {
    const next = largestChild(a, cur);
    if (next < 0 || a.retainedSize[next] < a.retainedSize[cur] * 0.5) return false;
    if (hopLabel(a, cur, next).edge === first.edge) return true;
    cur = next;
  }
  return false;
}

/**
 * Two or more children that each hold a good part of `node` and none most of it: independent
 * holdings (a handler's scope with a growing array and a growing listener list), each its own
 * suspect rather than one for their common holder.
 */
function splits(a: HeapAnalysis, node: number, share: number): boolean {
  const [first, second] = topChildren(a, node, 3).filter((c) => c !== node);
  return second !== undefined && a.retainedSize[second] >= a.retainedSize[node] * share && a.retainedSize[first] < a.retainedSize[node] * 0.8;
}

/**
 * Refine a big holder to the most specific node still holding most of it. Returns the suspect,
 * or `split`: a node whose children are independent holdings to refine each on their own.
 */
function refine(a: HeapAnalysis, holder: number, o: typeof DEFAULTS): { node: number } | { split: number } {
  let node = holder;
  let lastUser = -1;
  for (let depth = 0; depth < 64; depth++) {
    const best = largestChild(a, node);
    const ratio = best < 0 ? 0 : a.retainedSize[best] / (a.retainedSize[node] || 1);
    if (isPlumbing(a, node)) {
      const split = splits(a, node, o.splitRatio);
      if (ratio >= o.plumbingRatio && !split) {
        node = best;
        continue;
      }
      if (lastUser < 0 && !split) return { split: holder }; // nothing of the user's yet: each child on its own
      if (split) return { split: node };
      return { node: lastUser };
    }
    lastUser = node;
    if (ratio >= o.objectRatio && !entersRepetition(a, node, best)) {
      node = best;
      continue;
    }
    // a closure or collection is one thing to fix, whatever it holds
    if (a.graph.nodeType[node] !== a.graph.types.nodeClosure && !collectionInfo(a, node, false) && splits(a, node, o.splitRatio)) return { split: node };
    return { node };
  }
  return { node: lastUser };
}

/** Ordinals of the top suspects, largest retained size first. */
export function findSuspectNodes(a: HeapAnalysis, opts: SuspectOptions = {}): number[] {
  const o = { ...DEFAULTS, ...opts };
  const size = a.retainedSize;
  const found: number[] = [];
  const seen = new Set<number>();
  const queue = new RetainedHeap(size);
  for (const c of domChildren(a, 0)) queue.push(c);
  let budget = 200_000;
  while (queue.length && budget-- > 0) {
    // stop once nothing left can beat the smallest suspect we keep
    if (found.length >= o.top && size[queue.peek()] <= size[found[found.length - 1]]) break;
    const holder = queue.pop();
    if (size[holder] <= 0) break;
    const r = refine(a, holder, o);
    if ('split' in r) {
      for (let i = a.firstDominated[r.split]; i < a.firstDominated[r.split + 1]; i++) if (a.dominated[i] !== r.split) queue.push(a.dominated[i]);
      continue;
    }
    const s = r.node;
    if (seen.has(s)) continue;
    seen.add(s);
    found.push(s);
    found.sort((x, y) => size[y] - size[x]);
  }
  return found.slice(0, o.top);
}

/**
 * Collections with many entries whose entries are shared (so no single node dominates them):
 * ranked by the summed retained size of their entries. Returns [ordinal, entriesSize] pairs.
 */
export function findBigCollections(a: HeapAnalysis, opts: SuspectOptions = {}): [number, number][] {
  const o = { ...DEFAULTS, ...opts };
  const g = a.graph;
  const out: [number, number][] = [];
  let seen: Uint32Array | undefined; // shared by entriesSize: one bitset, not a Set per collection
  for (const n of collectionCandidates(g, o.collectionMinEntries)) {
    if (g.nodeType[n] !== g.types.nodeObject) continue;
    const info = collectionInfo(a, n, false);
    if (!info || info.count < o.collectionMinEntries) continue;
    seen ??= new Uint32Array((g.nodeCount + 31) >>> 5);
    out.push([n, entriesSize(a, n, seen)]);
  }
  return out.sort((x, y) => y[1] - x[1]);
}

/**
 * Cheap pre-filter, ascending: arrays and object-maps carry their entries as edges (at least
 * `min` of them), Map/Set one table. Edge counts are checked a block at a time: the block's
 * total bounds each of its nodes, and few blocks hold a node with that many edges.
 */
function collectionCandidates(g: HeapAnalysis['graph'], min: number): number[] {
  const { nodeCount, firstEdge } = g;
  const out: number[] = [];
  const BLOCK = 64;
  for (let i = 0; i < nodeCount; i += BLOCK) {
    const end = Math.min(i + BLOCK, nodeCount);
    if (firstEdge[end] - firstEdge[i] < min) continue;
    for (let n = i; n < end; n++) if (firstEdge[n + 1] - firstEdge[n] >= min) out.push(n);
  }
  const { map, set } = nameIndexes(g);
  const tables = nodesNamed(g, [...map, ...set]);
  if (tables.length === 0) return out;
  // merge the two ascending lists, once each
  const all: number[] = [];
  let i = 0;
  let j = 0;
  while (i < out.length || j < tables.length) {
    const x = j >= tables.length || (i < out.length && out[i] <= tables[j]) ? out[i++] : tables[j++];
    if (all.length === 0 || all[all.length - 1] !== x) all.push(x);
  }
  return all;
}

/**
 * Summed retained size of a collection's distinct entry targets (plus its own backing store).
 * `seen` is a bitset over nodes, all clear on entry and left clear, so that a caller measuring
 * many collections can share one.
 */
export function entriesSize(a: HeapAnalysis, node: number, seen: Uint32Array = new Uint32Array((a.graph.nodeCount + 31) >>> 5)): number {
  const g = a.graph;
  const { firstEdge, edgeTo, edgeType, edgeNameOrIndex, strings } = g;
  const weak = g.types.edgeWeak;
  const { dominator, retainedSize } = a;
  let total = retainedSize[node];
  const visit = (from: number, clear: boolean) => {
    for (let e = firstEdge[from]; e < firstEdge[from + 1]; e++) {
      const t = edgeTo[e];
      const bit = 1 << (t & 31);
      if (clear) {
        seen[t >>> 5] &= ~bit;
        continue;
      }
      if (dominator[t] === from || edgeType[e] === weak || seen[t >>> 5] & bit) continue;
      seen[t >>> 5] |= bit;
      if (dominator[t] !== node) total += retainedSize[t];
    }
  };
  const table = strings.get(g.nodeName[node]) === 'Map' || strings.get(g.nodeName[node]) === 'Set';
  for (const clear of [false, true]) {
    visit(node, clear);
    if (table) for (let e = firstEdge[node]; e < firstEdge[node + 1]; e++) if (strings.get(edgeNameOrIndex[e]) === 'table') visit(edgeTo[e], clear);
  }
  return total;
}

/** Path from the GC roots to `node` as hops (the synthetic root itself left out). */
export function pathFromRoots(a: HeapAnalysis, node: number): Hop[] {
  const steps = retainerPath(a, node);
  const hops: Hop[] = [];
  for (const s of steps) {
    if (s.node === 0 && hops.length === 0) continue;
    const numeric = s.edgeType === 'element' || s.edgeType === 'hidden';
    const edge = hops.length === 0 ? '' : numeric && !s.edgeName.startsWith('[') ? `[${s.edgeName}]` : s.edgeName;
    hops.push({ node: s.node, edge, edgeType: hops.length === 0 ? '' : s.edgeType });
  }
  if (hops.length === 0 || hops[hops.length - 1].node !== node) hops.push({ node, edge: '', edgeType: '' });
  return hops;
}

/**
 * Leak chain: from the suspect, follow the dominated child retaining the most while it holds
 * most of its parent. Indirect dominator links are expanded into the real edges between.
 */
export function leakChain(a: HeapAnalysis, suspect: number, opts: SuspectOptions = {}): Hop[] {
  const o = { ...DEFAULTS, ...opts };
  const hops: Hop[] = [{ node: suspect, edge: '', edgeType: '' }];
  let cur = suspect;
  while (hops.length < o.chainDepth) {
    const next = largestChild(a, cur);
    if (next < 0 || a.retainedSize[next] < a.retainedSize[cur] * o.chainRatio) break;
    const between = edgeBetween(a.graph, cur, next);
    if (between >= 0) {
      hops.push({ node: next, edge: edgeLabel(a.graph, between), edgeType: edgeTypeName(a.graph, between) });
    } else {
      const via = shortPath(a, cur, next);
      if (via) hops.push(...via);
      else hops.push({ node: next, edge: '…', edgeType: 'dominated' });
    }
    cur = next;
  }
  return hops.slice(0, o.chainDepth);
}

/** Shortest non-weak path from `from` to `to` through nodes `from` dominates (small BFS). */
function shortPath(a: HeapAnalysis, from: number, to: number): Hop[] | null {
  const g = a.graph;
  const prev = new Map<number, number>(); // node -> edge that reached it
  let frontier = [from];
  prev.set(from, -1);
  for (let depth = 0; depth < 4 && frontier.length && prev.size < 5000; depth++) {
    const next: number[] = [];
    for (const n of frontier) {
      for (let e = g.firstEdge[n]; e < g.firstEdge[n + 1]; e++) {
        const t = g.edgeTo[e];
        if (g.edgeType[e] === g.types.edgeWeak || prev.has(t)) continue;
        prev.set(t, e);
        if (t === to) {
          const hops: Hop[] = [];
          for (let cur = t; cur !== from; ) {
            const edge = prev.get(cur)!;
            hops.push({ node: cur, edge: edgeLabel(g, edge), edgeType: edgeTypeName(g, edge) });
            // walk back: the edge's source is the node whose edge range contains it
            cur = sourceOf(g.firstEdge, edge, [from, ...prev.keys()]);
          }
          return hops.reverse();
        }
        next.push(t);
      }
    }
    frontier = next;
  }
  return null;
}

function sourceOf(firstEdge: Uint32Array, edge: number, candidates: Iterable<number>): number {
  for (const c of candidates) if (firstEdge[c] <= edge && edge < firstEdge[c + 1]) return c;
  return -1;
}

/**
 * Bounded dominator subtree for the force graph: chain nodes fully, every node's largest
 * `width` children, off-chain branches `offChainDepth` levels deep.
 */
export function suspectTree(a: HeapAnalysis, suspect: number, chain: Set<number>, width = 5, offChainDepth = 2): TreeNode {
  const build = (node: number, edge: { edge: string; edgeType: string }, depthLeft: number, guard: number): TreeNode => {
    const base = chainNode(a, { node, ...edge }, node === suspect);
    const picked = topChildren(a, node, width);
    const onChain = firstOnChain(a, node, chain);
    if (onChain >= 0 && !picked.includes(onChain)) picked.push(onChain);
    const children: TreeNode[] = [];
    if (guard < 64) {
      for (const c of picked) {
        const inChain = chain.has(c) && chain.has(node);
        const left = inChain ? offChainDepth : depthLeft - 1;
        if (!inChain && depthLeft <= 0) continue;
        children.push(build(c, hopLabel(a, node, c), left, guard + 1));
      }
    }
    return { ...base, children, childCount: a.firstDominated[node + 1] - a.firstDominated[node] };
  };
  return build(suspect, { edge: '', edgeType: '' }, offChainDepth, 0);
}

/**
 * The first child of domChildren(a, node) that is on the chain, or -1. Looks the (few) chain
 * nodes up instead of the children: a node may dominate a million array elements.
 */
function firstOnChain(a: HeapAnalysis, node: number, chain: Set<number>): number {
  const rs = a.retainedSize;
  let best = -1;
  let tie = false;
  for (const m of chain) {
    if (m === 0 || a.dominator[m] !== node) continue; // not in node's dominated list
    if (best < 0 || rs[m] > rs[best]) {
      best = m;
      tie = false;
    } else if (rs[m] === rs[best]) tie = true;
  }
  if (tie) {
    // equal sizes keep the dominated list's order
    for (let i = a.firstDominated[node]; i < a.firstDominated[node + 1]; i++) {
      const c = a.dominated[i];
      if (rs[c] === rs[best] && chain.has(c)) return c;
    }
  }
  return best;
}
