// What keeps growing across 3+ snapshots of one process. Two views, merged by owner:
// - collections (Array/Map/Set/object-as-map, `_events` listener arrays) alive in every snapshot
//   whose entry count and retained size grow at every step;
// - objects allocated after the first snapshot and still alive, grouped by their nearest
//   dominator that already existed in the first snapshot (the owner that accumulates them).
// Growth must happen at every step: warm-up that stops, caches that plateau or turn over, are noise.
import { nodeById } from '../engine/index.js';
import { retainerEdge } from '../engine/index.js';
import type { HeapAnalysis } from '../engine/index.js';
import type { GrowthFinding, GrowthKind } from './types.js';
import { collectionInfo, type CollectionInfo } from './collections.js';
import { chainNode, ownerName, referenceList, type Hop } from './describe.js';
import { edgeBetween, edgeLabel, edgeTypeName, isPlumbing, rawName } from '../engine/index.js';
import { IdSet, samePlace } from './ids.js';
import { retainerPath } from '../engine/index.js';
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
  /** Id sets of the analyses, when already built. */
  ids?: IdSet[];
  /**
   * Ids were reset between some of the snapshots (checkIds): match collections by their retainer
   * path from the GC roots, and skip the new-objects view (which needs ids).
   */
  idsReset?: boolean;
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

/** Ordinals of the same object in every snapshot, or null when it is missing from one. */
function sameObject(analyses: HeapAnalysis[], id: number): number[] | null {
  const out: number[] = [];
  for (const a of analyses) {
    const n = nodeById(a, id);
    if (n < 0) return null;
    out.push(n);
  }
  return out;
}

/** Ordinals of the object at the same retainer path in every snapshot, or null. */
function samePath(analyses: HeapAnalysis[], node: number): number[] | null {
  const last = analyses[analyses.length - 1];
  const steps = retainerPath(last, node);
  const out: number[] = [];
  for (const a of analyses) {
    const n = a === last ? node : samePlace(last, node, a, steps);
    if (n < 0) return null;
    out.push(n);
  }
  return out;
}

function collectionCandidates(analyses: HeapAnalysis[], byPath: boolean): Candidate[] {
  const last = analyses[analyses.length - 1];
  const g = last.graph;
  const found: { n: number; info: CollectionInfo }[] = [];
  for (let n = 0; n < g.nodeCount; n++) {
    if (g.nodeType[n] !== g.types.nodeObject || isPlumbing(last, n)) continue;
    const info = collectionInfo(last, n, false);
    if (!info || info.count < 2) continue;
    found.push({ n, info });
  }
  if (byPath && found.length > PATH_MATCHED) {
    found.sort((x, y) => last.retainedSize[y.n] - last.retainedSize[x.n]);
    found.length = PATH_MATCHED;
  }
  const out: Candidate[] = [];
  for (const { n, info } of found) {
    const nodes = byPath ? samePath(analyses, n) : sameObject(analyses, g.nodeId[n]);
    if (!nodes) continue;
    const counts = nodes.map((m, i) => (i === nodes.length - 1 ? info.count : collectionInfo(analyses[i], m, false)?.count ?? 0));
    const sizes = nodes.map((m, i) => analyses[i].retainedSize[m]);
    if (!strictlyGrowing(counts) || !strictlyGrowing(sizes)) continue;
    const isListeners = g.nodeType[n] === g.types.nodeObject && rawName(g, n) === 'Array' && viaEvents(last, n);
    out.push({ nodes, kind: isListeners ? 'listeners' : 'collection', counts, sizes, collection: info, byPath });
  }
  return out;
}

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
 * New objects (ids absent from the first snapshot) per old owner: the nearest dominator that
 * existed in the first snapshot. Returns owner id -> {count, size, via (largest new child)}.
 */
function newByOwner(a: HeapAnalysis, firstIds: IdSet): Map<number, { count: number; size: number; via: number }> {
  const g = a.graph;
  const owner = new Int32Array(g.nodeCount).fill(-1);
  const top = new Int32Array(g.nodeCount).fill(-1); // topmost new node under the owner
  const out = new Map<number, { count: number; size: number; via: number }>();
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
      if (firstIds.has(g.nodeId[c])) {
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
        } else out.set(key, { count: 1, size: g.selfSize[c], via: top[c] });
      }
      queue[tail++] = c;
    }
  }
  return out;
}

function newObjectCandidates(analyses: HeapAnalysis[], firstIds: IdSet): Candidate[] {
  const per = analyses.map((a, i) => (i === 0 ? null : newByOwner(a, firstIds)));
  const lastMap = per[per.length - 1]!;
  const out: Candidate[] = [];
  for (const [id, last] of lastMap) {
    const nodes = sameObject(analyses, id);
    if (!nodes) continue;
    const counts = per.map((m) => (m ? m.get(id)?.count ?? 0 : 0));
    const sizes = nodes.map((n, i) => analyses[i].retainedSize[n]);
    if (!strictlyGrowing(counts) || !strictlyGrowing(sizes)) continue;
    out.push({ nodes, kind: 'new-objects', counts, sizes, via: last.via });
  }
  return out;
}

/** Findings ranked by bytes gained between the first and last snapshot. */
export function findGrowth(analyses: HeapAnalysis[], opts: GrowthOptions = {}): GrowthFinding[] {
  if (analyses.length < 3) return [];
  const minGrowth = opts.minGrowthBytes ?? 1024;
  const firstIds = opts.idsReset ? undefined : opts.ids?.[0] ?? new IdSet(analyses[0].graph);
  const last = analyses[analyses.length - 1];
  const byOwner = new Map<number, Candidate>();
  if (firstIds) for (const c of newObjectCandidates(analyses, firstIds)) byOwner.set(c.nodes[c.nodes.length - 1], c);
  // collections win over the generic view of the same owner: they count entries
  for (const c of collectionCandidates(analyses, opts.idsReset === true)) byOwner.set(c.nodes[c.nodes.length - 1], c);
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
    if (!mine(c)) out.push(describeGrowth(analyses, c));
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

function describeGrowth(analyses: HeapAnalysis[], c: Candidate): GrowthFinding {
  const a = analyses[analyses.length - 1];
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
