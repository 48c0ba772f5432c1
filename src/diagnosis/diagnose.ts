// One snapshot's diagnosis: the suspects (big holders refined to the specific object, plus big
// collections whose many small entries no single node dominates), each with path, chain, subtree,
// reference lists, keys, source locations and a named cause.
import { formatPath, largestNodes, nodeInfo, retainerPath, summarize, type HeapAnalysis, type SnapshotCensus } from '../engine/index.js';
import type { ChainNode, HeapReport, LargeObject, SnapshotInfo, SourceLocation, Suspect } from './types.js';
import { chainNode, ownerName, referenceList, type Hop } from './describe.js';
import { collectionInfo } from './collections.js';
import { leakKeys } from './keys.js';
import { recogniseCause } from './causes/index.js';
import { runtimeOwner } from './runtime.js';
import { findBigCollections, findSuspectNodes, leakChain, pathFromRoots, suspectTree, type SuspectOptions } from './suspects.js';

export interface DiagnoseOptions extends SuspectOptions {
  /** File name to record in the report. */
  file?: string;
  /** How many classes of the summary to keep (default 50). */
  classes?: number;
  /**
   * Suspects holding less than this share of the heap are left out (default 0.01), except the
   * largest one: a few hundred KB of Node's own module table is not a leak worth a reader's time.
   */
  minShare?: number;
  /** How many of the largest objects to list, each with its retainer path (default 0: none). */
  largest?: number;
}

export function snapshotInfo(a: SnapshotCensus, file?: string): SnapshotInfo {
  return { ...(file ? { file } : {}), nodeCount: a.graph.nodeCount, edgeCount: a.graph.edgeCount, totalSize: a.totalSize };
}

/** `heapscope analyze`'s report: statistics, summary classes, largest objects and the suspects of one snapshot. */
export function diagnose(a: HeapAnalysis, opts: DiagnoseOptions = {}): HeapReport {
  // the suspects first: the analysis worker may still be summing the Summary's retained sizes
  const suspects = findSuspects(a, opts);
  const report: HeapReport = {
    version: 1,
    kind: 'analyze',
    generatedAt: new Date().toISOString(),
    snapshot: snapshotInfo(a, opts.file),
    statistics: a.statistics,
    classes: summarize(a, opts.classes ?? 50),
    suspects,
  };
  if (opts.largest) report.largest = largestObjects(a, opts.largest);
  return report;
}

/** The `n` objects with the largest retained size, each with its retainer path as text. */
export function largestObjects(a: HeapAnalysis, n: number): LargeObject[] {
  return largestNodes(a, n).map((i) => ({ ...nodeInfo(a, i), path: formatPath(a, retainerPath(a, i)) }));
}

/** True when `node` lies in the dominator subtree of any of `roots`. */
function dominatedByAny(a: HeapAnalysis, node: number, roots: Set<number>): boolean {
  for (let n = node, guard = 0; guard < 100_000; guard++) {
    if (roots.has(n)) return true;
    const d = a.dominator[n];
    if (d === n) return false;
    n = d;
  }
  return false;
}

/** Top suspects of one analysed snapshot, largest first. */
export function findSuspects(a: HeapAnalysis, opts: DiagnoseOptions = {}): Suspect[] {
  const top = opts.top ?? 5;
  // extra candidates stand in for those that turn out to be Node's or heapscope's own
  const nodes = findSuspectNodes(a, { ...opts, top: top * 3 });
  const rank = new Map<number, number>(nodes.map((n) => [n, a.retainedSize[n]]));
  const entries = new Map<number, number>();
  const floor = nodes.length >= top * 3 ? a.retainedSize[nodes[nodes.length - 1]] : 0;
  const taken = new Set(nodes);
  for (const [n, size] of findBigCollections(a, opts)) {
    if (size <= floor || taken.has(n)) continue;
    // a collection below a suspect is already reported through it; one above replaces nothing
    if (dominatedByAny(a, n, taken)) continue;
    rank.set(n, size);
    entries.set(n, size);
  }
  const minSize = (opts.minShare ?? 0.01) * a.totalSize;
  const out: Suspect[] = [];
  for (const n of [...rank.keys()].sort((x, y) => rank.get(y)! - rank.get(x)!)) {
    if (out.length >= top || (out.length > 0 && rank.get(n)! < minSize)) break;
    const path = pathFromRoots(a, n);
    // Node's bootstrap state and heapscope's own agent are nobody's leak
    if (runtimeOwner(a, n, path, leakChain(a, n, opts))) continue;
    out.push(buildSuspect(a, n, opts, entries.get(n), path));
  }
  return out;
}

export function locationsOf(nodes: { location?: SourceLocation }[]): SourceLocation[] {
  const out: SourceLocation[] = [];
  const seen = new Set<string>();
  for (const n of nodes) {
    const l = n.location;
    if (!l) continue;
    const key = `${l.scriptId}:${l.line}:${l.column}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(l);
  }
  // the user's code first: Node's own (`setTimeout node:timers:139`) is where, not why
  const node = (l: SourceLocation) => (l.script?.startsWith('node:') ? 1 : 0);
  return out.sort((x, y) => node(x) - node(y));
}

/** Everything the report says about one suspect. */
export function buildSuspect(a: HeapAnalysis, node: number, opts: DiagnoseOptions = {}, entriesSize?: number, pathHops = pathFromRoots(a, node)): Suspect {
  const g = a.graph;
  const chainHops = leakChain(a, node, opts);
  const path = pathHops.map((h) => chainNode(a, h, h.node === node));
  const chain = chainHops.map((h, i) => chainNode(a, h, i === 0));
  const info = collectionInfo(a, node);
  const suspect: Suspect = {
    id: g.nodeId[node],
    type: chain[0].type,
    name: chain[0].name,
    selfSize: g.selfSize[node],
    retainedSize: a.retainedSize[node],
    share: a.totalSize > 0 ? a.retainedSize[node] / a.totalSize : 0,
    distance: a.distance[node],
    owner: ownerName(a, pathHops),
    path,
    chain,
    tree: suspectTree(a, node, new Set(chainHops.map((h) => h.node))),
    referenceList: referenceList(chain),
    pathReferenceList: referenceList(path),
    keys: leakKeys(path, chain),
    locations: locationsOf([...path, ...chain]),
    cause: recogniseCause({ a, node, hops: joinHops(pathHops, chainHops), at: pathHops.length - 1, collection: info }),
  };
  if (info) suspect.collection = { ...info, ...(entriesSize !== undefined ? { entriesSize } : {}) };
  if (suspect.cause?.owner) suspect.owner = suspect.cause.owner; // the user's words over the path's
  if (suspect.cause?.keys) suspect.keys = [...new Set([...suspect.cause.keys, ...suspect.keys])].slice(0, 12);
  if (suspect.cause?.location) suspect.locations = locationsOf([suspect.cause, ...suspect.locations.map((location) => ({ location }))]);
  return suspect;
}

/** The retainer path from the GC roots to `node`, as the report draws it (last node = `node`). */
export function pathToNode(a: HeapAnalysis, node: number): ChainNode[] {
  return pathFromRoots(a, node).map((hop) => chainNode(a, hop, hop.node === node));
}

/** Path then chain, the shared node once. */
export function joinHops(path: Hop[], chain: Hop[]): Hop[] {
  return [...path, ...chain.slice(1)];
}
