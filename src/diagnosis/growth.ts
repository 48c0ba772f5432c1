// What keeps growing across 3+ snapshots of one process. Two views, merged by owner:
// - collections (Array/Map/Set/object-as-map, `_events` listener arrays) alive in every snapshot
//   whose entry count and retained size grow at every step;
// - objects allocated after the first snapshot and still alive, grouped by their nearest
//   dominator that already existed in the first snapshot (the owner that accumulates them).
// Growth must happen at every step: warm-up that stops, caches that plateau or turn over, are noise.
// Earlier snapshots are what their bases kept (base.ts); only the last is a whole analysis.
import { edgeBetween, edgeLabel, edgeTypeName, isPlumbing, rawName, retainerEdge, retainerPath, type HeapAnalysis, type PathStep } from '../engine/index.js';
import type { GrowthFinding, GrowthKind } from './types.js';
import { collectionCounter, collectionInfo, type CollectionInfo } from './collections.js';
import { chainNode, ownerName, referenceList, type Hop } from './describe.js';
import { samePlace } from './ids.js';
import { idOrder, ordinalOf, presentIn, snapshotBase, type NewByOwner, type SnapshotBase } from './base.js';
import { snapshotInfo } from './diagnose.js';
import { leakKeys } from './keys.js';
import { recogniseCause } from './causes/index.js';
import { joinHops, locationsOf } from './diagnose.js';
import { leakChain, pathFromRoots } from './suspects.js';
import { runtimeOwner } from './runtime.js';

export interface GrowthOptions {
  /** Ignore owners that gained less than this many bytes first → last (default 1024). */
  minGrowthBytes?: number;
  /** At most this many findings (default 10). */
  top?: number;
  /**
   * Ids were reset between some of the snapshots (checkIds): match collections by their retainer
   * path from the GC roots (`places`), and skip the new-objects view (which needs ids).
   */
  idsReset?: boolean;
}

/** What growth needs of the last snapshot beyond its analysis (diff.ts makes them once). */
export interface LastSnapshot {
  analysis: HeapAnalysis;
  /** Per ordinal: 1 when the node's id is in the first snapshot. */
  inFirst: Uint8Array;
}

/** With ids reset, the largest collections this many are matched by path (a walk from the roots each). */
const PATH_MATCHED = 2000;

interface Candidate {
  /** Ordinal in each snapshot. */
  nodes: number[];
  kind: GrowthKind;
  counts: number[];
  sizes: number[];
  collection?: CollectionInfo | null;
  /** For new-object groups: the largest new child, to name the owner by its edge. */
  via?: number;
  byPath?: boolean;
}

const strictlyGrowing = (xs: number[]) => xs.every((x, i) => i === 0 || x > xs[i - 1]);

/** Ordinals of the same object as the last snapshot's `node` in every snapshot, or null when it is missing from one. */
function sameObject(earlier: SnapshotBase[], last: LastSnapshot, node: number): number[] | null {
  const out: number[] = [];
  const id = last.analysis.graph.nodeId[node];
  for (const b of earlier) {
    const n = ordinalOf(b.byId, id);
    if (n < 0) return null;
    out.push(n);
  }
  out.push(node);
  return out;
}

/** A collection of the last snapshot to find at the same retainer path in the earlier ones. */
export interface PathCandidate {
  node: number;
  info: CollectionInfo;
  steps: PathStep[];
}

/** Per earlier snapshot and PathCandidate: the object at the same place, its entry count and retained size. */
export interface PlaceMatch {
  node: Int32Array;
  count: Uint32Array;
  size: Float64Array;
}

/** Collections of the last snapshot with at least two entries, outside the engine's plumbing. */
function lastCollections(last: HeapAnalysis): { n: number; info: CollectionInfo }[] {
  const g = last.graph;
  const found: { n: number; info: CollectionInfo }[] = [];
  const count = collectionCounter(g);
  for (let n = 0; n < g.nodeCount; n++) {
    if (count(n) < 2 || isPlumbing(last, n)) continue;
    found.push({ n, info: collectionInfo(last, n, false)! });
  }
  return found;
}

/** With ids reset: the largest collections of the last snapshot, with their paths from the roots. */
export function pathCandidates(last: HeapAnalysis): PathCandidate[] {
  const found = lastCollections(last);
  if (found.length > PATH_MATCHED) {
    found.sort((x, y) => last.retainedSize[y.n] - last.retainedSize[x.n]);
    found.length = PATH_MATCHED;
  }
  return found.map(({ n, info }) => ({ node: n, info, steps: retainerPath(last, n) }));
}

/** Each candidate at the same place in `other` (an earlier snapshot's whole analysis). */
export function matchPlaces(last: HeapAnalysis, candidates: PathCandidate[], other: HeapAnalysis): PlaceMatch {
  const out: PlaceMatch = { node: new Int32Array(candidates.length), count: new Uint32Array(candidates.length), size: new Float64Array(candidates.length) };
  for (const [i, c] of candidates.entries()) {
    const n = samePlace(last, c.node, other, c.steps);
    out.node[i] = n;
    if (n < 0) continue;
    out.count[i] = collectionInfo(other, n, false)?.count ?? 0;
    out.size[i] = other.retainedSize[n];
  }
  return out;
}

function collectionCandidates(earlier: SnapshotBase[], last: LastSnapshot, places?: { candidates: PathCandidate[]; matches: PlaceMatch[] }): Candidate[] {
  const a = last.analysis;
  const g = a.graph;
  const out: Candidate[] = [];
  const keep = (n: number, info: CollectionInfo, nodes: number[], counts: number[], sizes: number[], byPath: boolean) => {
    if (!strictlyGrowing(counts) || !strictlyGrowing(sizes)) return;
    const isListeners = g.nodeType[n] === g.types.nodeObject && rawName(g, n) === 'Array' && viaEvents(a, n);
    out.push({ nodes, kind: isListeners ? 'listeners' : 'collection', counts, sizes, collection: info, byPath });
  };
  if (places) {
    for (const [i, { node, info }] of places.candidates.entries()) {
      if (places.matches.some((m) => m.node[i] < 0)) continue;
      const nodes = [...places.matches.map((m) => m.node[i]), node];
      const counts = [...places.matches.map((m) => m.count[i]), info.count];
      const sizes = [...places.matches.map((m) => m.size[i]), a.retainedSize[node]];
      keep(node, info, nodes, counts, sizes, true);
    }
    return out;
  }
  // (no object per collection of the last snapshot: a million of them made 80 MB of heap)
  const count = earlier.length + 1;
  const at = new Int32Array(count);
  const countOf = collectionCounter(g);
  const prev = earlier.length - 1;
  for (let n = 0; n < g.nodeCount; n++) {
    const lastCount = countOf(n);
    if (lastCount < 2) continue;
    let growing = true;
    for (let i = 0; i < earlier.length && growing; i++) {
      const m = ordinalOf(earlier[i].byId, g.nodeId[n]);
      at[i] = m;
      growing = m >= 0 && (i === 0 || (countAt(earlier, i, at) > countAt(earlier, i - 1, at) && sizeAt(earlier, i, at) > sizeAt(earlier, i - 1, at)));
    }
    // (the last step too, before the costlier tests: keep() checks it again)
    if (!growing || lastCount <= countAt(earlier, prev, at) || a.retainedSize[n] <= sizeAt(earlier, prev, at) || isPlumbing(a, n)) continue;
    const info = collectionInfo(a, n, false)!;
    at[count - 1] = n;
    const nodes = [...at];
    const counts = nodes.map((m, i) => (i === count - 1 ? info.count : earlier[i].collectionCount![m]));
    const sizes = nodes.map((m, i) => (i === count - 1 ? a.retainedSize[m] : earlier[i].retainedSize![m]));
    keep(n, info, nodes, counts, sizes, false);
  }
  return out;
}

const countAt = (earlier: SnapshotBase[], i: number, at: Int32Array) => earlier[i].collectionCount![at[i]];
const sizeAt = (earlier: SnapshotBase[], i: number, at: Int32Array) => earlier[i].retainedSize![at[i]];

/** True when an `_events` object holds this array (an emitter's listener list). */
function viaEvents(a: HeapAnalysis, node: number): boolean {
  const g = a.graph;
  for (let r = g.firstRetainer[node]; r < g.firstRetainer[node + 1]; r++) {
    const holder = g.retainerNode[r];
    for (let k = g.firstRetainer[holder]; k < g.firstRetainer[holder + 1]; k++) {
      const e = retainerEdge(g, holder, k);
      if (g.edgeType[e] === g.types.edgeProperty && g.strings.get(g.edgeNameOrIndex[e]) === '_events') return true;
    }
  }
  return false;
}

/**
 * New objects (ids absent from the first snapshot: `inFirst` 0) per old owner: the nearest
 * dominator that existed in the first snapshot. Returns owner id -> {count, size, via (largest new child)}.
 */
export function newByOwner(a: HeapAnalysis, inFirst: Uint8Array): NewByOwner {
  const g = a.graph;
  const owner = new Int32Array(g.nodeCount).fill(-1);
  const top = new Int32Array(g.nodeCount).fill(-1); // topmost new node under the owner
  const out: NewByOwner = new Map();
  // dominator tree in BFS order, so each node's dominator is done before it
  const queue = new Uint32Array(g.nodeCount);
  let head = 0;
  let tail = 0;
  queue[tail++] = 0;
  owner[0] = 0;
  while (head < tail) {
    const n = queue[head++];
    for (let i = a.firstDominated[n]; i < a.firstDominated[n + 1]; i++) {
      const c = a.dominated[i];
      if (c === n) continue;
      if (inFirst[c]) {
        owner[c] = c;
      } else {
        owner[c] = owner[n];
        top[c] = top[n] >= 0 ? top[n] : c;
        const key = g.nodeId[owner[c]];
        const cur = out.get(key);
        if (cur) {
          cur.count++;
          cur.size += g.selfSize[c];
          if (top[c] === c && a.retainedSize[c] > a.retainedSize[cur.via]) cur.via = c;
        } else out.set(key, { node: owner[c], count: 1, size: g.selfSize[c], via: top[c] });
      }
      queue[tail++] = c;
    }
  }
  return out;
}

function newObjectCandidates(earlier: SnapshotBase[], last: LastSnapshot): Candidate[] {
  const lastMap = newByOwner(last.analysis, last.inFirst);
  const per = [...earlier.map((b, i) => (i === 0 ? null : b.newByOwner!)), lastMap];
  const out: Candidate[] = [];
  for (const [id, found] of lastMap) {
    const nodes = sameObject(earlier, last, found.node);
    if (!nodes) continue;
    const counts = per.map((m) => (m ? m.get(id)?.count ?? 0 : 0));
    const sizes = nodes.map((n, i) => (i === nodes.length - 1 ? last.analysis.retainedSize[n] : earlier[i].retainedSize![n]));
    if (!strictlyGrowing(counts) || !strictlyGrowing(sizes)) continue;
    out.push({ nodes, kind: 'new-objects', counts, sizes, via: found.via });
  }
  return out;
}

/** Findings ranked by bytes gained between the first and last snapshot (whole analyses). */
export function findGrowth(analyses: HeapAnalysis[], opts: GrowthOptions = {}): GrowthFinding[] {
  if (analyses.length < 3) return [];
  const first = idOrder(analyses[0].graph);
  const earlier = analyses.slice(0, -1).map((a, i) => {
    const byId = i === 0 ? first : idOrder(a.graph);
    const base = snapshotBase(a, snapshotInfo(a), { growth: true, byId, keepAnalysis: true });
    if (i > 0 && !opts.idsReset) base.newByOwner = newByOwner(a, presentIn(byId, first));
    return base;
  });
  const a = analyses[analyses.length - 1];
  const last: LastSnapshot = { analysis: a, inFirst: presentIn(idOrder(a.graph), first) };
  let places: { candidates: PathCandidate[]; matches: PlaceMatch[] } | undefined;
  if (opts.idsReset) {
    const candidates = pathCandidates(a);
    places = { candidates, matches: analyses.slice(0, -1).map((o) => matchPlaces(a, candidates, o)) };
  }
  return growthFindings(earlier, last, opts, places);
}

/**
 * Growth from earlier snapshots' bases (made with `growth`, and past the first with newByOwner
 * unless ids were reset) and the last snapshot; with ids reset, from `places` instead.
 */
export function growthFindings(
  earlier: SnapshotBase[], lastSnap: LastSnapshot, opts: GrowthOptions = {}, places?: { candidates: PathCandidate[]; matches: PlaceMatch[] },
): GrowthFinding[] {
  if (earlier.length < 2) return [];
  const minGrowth = opts.minGrowthBytes ?? 1024;
  const last = lastSnap.analysis;
  const byOwner = new Map<number, Candidate>();
  if (!opts.idsReset) for (const c of newObjectCandidates(earlier, lastSnap)) byOwner.set(c.nodes[c.nodes.length - 1], c);
  // collections win over the generic view of the same owner: they count entries
  for (const c of collectionCandidates(earlier, lastSnap, opts.idsReset ? places : undefined)) byOwner.set(c.nodes[c.nodes.length - 1], c);
  // an owner whose growth is all inside a growing descendant is reported through the descendant
  const owners = new Set(byOwner.keys());
  const gain = (c: Candidate) => c.sizes[c.sizes.length - 1] - c.sizes[0];
  const kept: Candidate[] = [];
  for (const [node, c] of byOwner) {
    if (gain(c) < minGrowth || node === 0 || last.graph.nodeType[node] === last.graph.types.nodeSynthetic) continue;
    if (isPlumbing(last, node) && c.kind === 'new-objects' && c.via === undefined) continue;
    // covered by one growing descendant, or by several that together explain its growth (a
    // scope holding a growing array and a growing listener list is reported as those two)
    const below = [...owners].filter((o) => o !== node && dominates(last, node, o));
    const outermost = below.filter((o) => !below.some((p) => p !== o && dominates(last, p, o)));
    const explained = outermost.reduce((sum, o) => sum + Math.max(0, gain(byOwner.get(o)!)), 0);
    const covered = below.some((o) => gain(byOwner.get(o)!) >= gain(c) * 0.8) || explained >= gain(c) * 0.8;
    if (!covered) kept.push(c);
  }
  kept.sort((x, y) => gain(y) - gain(x));
  // heapscope's own work (its upload, its histograms) and Node's bootstrap state are no finding
  const mine = (c: Candidate) => {
    const n = c.nodes[c.nodes.length - 1];
    return runtimeOwner(last, n, pathFromRoots(last, n), leakChain(last, n)) !== undefined;
  };
  const out: GrowthFinding[] = [];
  for (const c of kept) {
    if (out.length >= (opts.top ?? 10)) break;
    if (!mine(c)) out.push(describeGrowth(last, c));
  }
  return out;
}

function dominates(a: HeapAnalysis, upper: number, lower: number): boolean {
  for (let n = lower, guard = 0; guard < 100_000; guard++) {
    const d = a.dominator[n];
    if (d === upper) return true;
    if (d === n) return false;
    n = d;
  }
  return false;
}

function describeGrowth(a: HeapAnalysis, c: Candidate): GrowthFinding {
  const g = a.graph;
  const node = c.nodes[c.nodes.length - 1];
  const pathHops: Hop[] = pathFromRoots(a, node);
  // name a generic owner by what it accumulates: `context of f → theThing`
  const ownerHops = [...pathHops];
  if (c.via !== undefined && c.via >= 0) {
    const e = edgeBetween(g, node, c.via);
    if (e >= 0) ownerHops.push({ node: c.via, edge: edgeLabel(g, e), edgeType: edgeTypeName(g, e) });
  }
  const chainHops = leakChain(a, node);
  const path = pathHops.map((h) => chainNode(a, h, h.node === node));
  const chain = chainHops.map((h, i) => chainNode(a, h, i === 0));
  const ownerPath = ownerHops.map((h) => chainNode(a, h, h.node === node));
  const info = c.collection ?? collectionInfo(a, node);
  const finding: GrowthFinding = {
    owner: ownerName(a, ownerHops),
    kind: c.kind,
    id: g.nodeId[node],
    type: path[path.length - 1].type,
    name: path[path.length - 1].name,
    counts: c.counts,
    sizes: c.sizes,
    growth: c.sizes[c.sizes.length - 1] - c.sizes[0],
    matchedBy: c.byPath ? 'path' : 'id',
    path,
    referenceList: referenceList(ownerPath),
    keys: leakKeys(ownerPath, chain),
    locations: locationsOf([...path, ...chain]),
    cause: recogniseCause({
      a,
      node,
      hops: joinHops(pathHops, chainHops),
      at: pathHops.length - 1,
      collection: info,
      growth: { counts: c.counts, sizes: c.sizes },
    }),
  };
  if (finding.cause?.owner) finding.owner = finding.cause.owner; // the user's words over the path's
  if (finding.cause?.keys) finding.keys = [...new Set([...finding.cause.keys, ...finding.keys])].slice(0, 12);
  if (finding.cause?.location) finding.locations = locationsOf([finding.cause, ...finding.locations.map((location) => ({ location }))]);
  return finding;
}
