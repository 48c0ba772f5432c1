// Turns parsed arrays into a HeapGraph: resolves type ids, builds the retainer index (reverse CSR)
// unless told not to (analyzeSnapshot builds it on a second core), and the node-ordered location
// index (unless the two-core parse built it while the worker read "edges").
import { resolveTypeIds, type HeapGraph } from '../graph.js';
import type { ParsedSnapshot, LocationIndex } from './meta.js';
import type { ProgressFn } from '../types.js';
import { buildRetainers } from '../passes/index.js';

export function buildGraph(p: ParsedSnapshot, onProgress?: ProgressFn, withRetainers = true): HeapGraph {
  onProgress?.({ phase: 'indexing', ratio: 0 });
  const nodeTypeNames = (p.meta.node_types[p.meta.node_fields.indexOf('type')] as string[]).slice();
  const edgeTypeNames = (p.meta.edge_types[p.meta.edge_fields.indexOf('type')] as string[]).slice();
  const none = new Uint32Array(0);
  const { firstRetainer, retainerNode } = withRetainers
    ? buildRetainers(p.nodeCount, p.firstEdge, p.edgeTo)
    : { firstRetainer: none, retainerNode: none };

  // in shared memory when the nodes are: the analysis worker reads them too
  const locations = p.locationIndex ?? buildLocationIndex(p, p.nodeType.buffer instanceof SharedArrayBuffer);
  const extra = p.header.extra_native_bytes;
  const g: HeapGraph = {
    meta: p.meta,
    nodeCount: p.nodeCount,
    edgeCount: p.edgeCount,
    nodeTypeNames,
    edgeTypeNames,
    nodeType: p.nodeType,
    nodeName: p.nodeName,
    nodeId: p.nodeId,
    selfSize: p.selfSize,
    traceNodeId: p.traceNodeId,
    detachedness: p.detachedness,
    firstEdge: p.firstEdge,
    edgeType: p.edgeType,
    edgeNameOrIndex: p.edgeNameOrIndex,
    edgeTo: p.edgeTo,
    firstRetainer,
    retainerNode,
    strings: p.strings,
    ...locations,
    extraNativeBytes: typeof extra === 'number' ? extra : 0,
    types: resolveTypeIds(nodeTypeNames, edgeTypeNames),
  };
  onProgress?.({ phase: 'indexing', ratio: 1 });
  return g;
}

/**
 * Locations ([object_index (a node field offset), script_id, line, column] by meta.location_fields)
 * by node. It costs tens of ms on big files, so the two-core parse runs it while the worker reads
 * "edges" (see PERFORMANCE.md). Each loop is a function of its own, which V8 optimises sooner than
 * a loop inside one big function that runs once.
 */
export function buildLocationIndex(p: Pick<ParsedSnapshot, 'meta' | 'locations' | 'nodeFieldCount'>, shared: boolean): LocationIndex {
  const lf = p.meta.location_fields ?? ['object_index', 'script_id', 'line', 'column'];
  const lfc = lf.length;
  const oi = lf.indexOf('object_index');
  const count = lfc > 0 && oi >= 0 ? Math.floor(p.locations.length / lfc) : 0;
  const u32 = shared ? (n: number) => new Uint32Array(new SharedArrayBuffer(n * 4)) : (n: number) => new Uint32Array(n);
  const locationNode = u32(count);
  const sorted = nodesOf(p.locations, oi, lfc, p.nodeFieldCount, locationNode);
  // V8 writes locations mostly in node order, not always (Node 20: 6% of the steps go back).
  const order = sorted ? null : stableOrder(locationNode);
  const field = (name: string, out: Uint32Array) => {
    const f = lf.indexOf(name);
    if (f >= 0) gather(p.locations, f, lfc, order, out);
    return out;
  };
  if (order) gather(p.locations, oi, lfc, order, locationNode, p.nodeFieldCount);
  return {
    locationNode,
    locationScript: field('script_id', u32(count)),
    locationLine: field('line', u32(count)),
    locationColumn: field('column', u32(count)),
  };
}

/** Each location's node into `out`; whether they came in node order. */
function nodesOf(locs: Uint32Array, at: number, lfc: number, nfc: number, out: Uint32Array): boolean {
  let sorted = true;
  let last = 0;
  for (let k = 0; k < out.length; k++, at += lfc) {
    const n = (locs[at] / nfc) >>> 0; // (as the Uint32Array stores it)
    if (n < last) sorted = false;
    out[k] = last = n;
  }
  return sorted;
}

/** Field `f` of each location, in `order` (or as they come), into `out`; divided by `div` (object_index). */
function gather(locs: Uint32Array, f: number, lfc: number, order: Uint32Array | null, out: Uint32Array, div = 1): void {
  if (order) for (let k = 0; k < out.length; k++) out[k] = locs[order[k] * lfc + f] / div;
  else for (let k = 0, at = f; k < out.length; k++, at += lfc) out[k] = locs[at] / div;
}

/**
 * Indexes 0..n-1 ordered by `keys`, equal keys in index order (a node's first location counts):
 * an LSD radix sort, 16 bits a pass (far faster than a comparison sort with a JS comparator: see
 * PERFORMANCE.md).
 */
export function stableOrder(keys: Uint32Array): Uint32Array {
  const n = keys.length;
  let order = new Uint32Array(n);
  let next = new Uint32Array(n);
  for (let k = 0; k < n; k++) order[k] = k;
  const start = new Uint32Array(0x10001);
  for (let shift = 0; shift < 32; shift += 16) {
    start.fill(0);
    for (let k = 0; k < n; k++) start[((keys[k] >>> shift) & 0xffff) + 1]++;
    if (start[1] === n) continue; // every key has 0 here: the order stands
    for (let b = 0; b < 0x10000; b++) start[b + 1] += start[b];
    for (let k = 0; k < n; k++) {
      const i = order[k];
      next[start[(keys[i] >>> shift) & 0xffff]++] = i;
    }
    [order, next] = [next, order];
  }
  return order;
}
