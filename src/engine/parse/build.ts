// Turns parsed arrays into a HeapGraph: resolves type ids, builds the retainer index (reverse CSR)
// unless told not to (analyzeSnapshot builds it on a second core), and the node-ordered location index.
import { resolveTypeIds, type HeapGraph } from '../graph.js';
import type { ParsedSnapshot } from './parser.js';
import type { ProgressFn } from '../types.js';
import { buildRetainers } from '../passes/retainers.js';

export function buildGraph(p: ParsedSnapshot, onProgress?: ProgressFn, withRetainers = true): HeapGraph {
  onProgress?.({ phase: 'indexing', ratio: 0 });
  const nodeTypeNames = (p.meta.node_types[p.meta.node_fields.indexOf('type')] as string[]).slice();
  const edgeTypeNames = (p.meta.edge_types[p.meta.edge_fields.indexOf('type')] as string[]).slice();
  const none = new Uint32Array(0);
  const { firstRetainer, retainerNode } = withRetainers
    ? buildRetainers(p.nodeCount, p.firstEdge, p.edgeTo)
    : { firstRetainer: none, retainerNode: none };

  // Locations: [object_index (a node field offset), script_id, line, column] by meta.location_fields.
  const lf = p.meta.location_fields ?? ['object_index', 'script_id', 'line', 'column'];
  const lfc = lf.length;
  const oi = lf.indexOf('object_index');
  const si = lf.indexOf('script_id');
  const li = lf.indexOf('line');
  const ci = lf.indexOf('column');
  const count = lfc > 0 && oi >= 0 ? p.locations.length / lfc : 0;
  const locs = p.locations;
  const nfc = p.nodeFieldCount;
  const locationNode = new Uint32Array(count);
  for (let k = 0, at = oi; k < count; k++, at += lfc) locationNode[k] = locs[at] / nfc;
  // V8 writes locations in node order already; sort only when it didn't.
  let sorted = true;
  for (let k = 1; k < count && sorted; k++) if (locationNode[k] < locationNode[k - 1]) sorted = false;
  const order = new Uint32Array(count);
  for (let k = 0; k < count; k++) order[k] = k;
  if (!sorted) {
    const node = locationNode.slice();
    order.sort((x, y) => node[x] - node[y]);
    for (let k = 0; k < count; k++) locationNode[k] = node[order[k]];
  }
  const locationScript = new Uint32Array(count);
  const locationLine = new Uint32Array(count);
  const locationColumn = new Uint32Array(count);
  for (let k = 0; k < count; k++) {
    const base = order[k] * lfc;
    locationScript[k] = si >= 0 ? locs[base + si] : 0;
    locationLine[k] = li >= 0 ? locs[base + li] : 0;
    locationColumn[k] = ci >= 0 ? locs[base + ci] : 0;
  }
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
    locationNode,
    locationScript,
    locationLine,
    locationColumn,
    extraNativeBytes: typeof extra === 'number' ? extra : 0,
    types: resolveTypeIds(nodeTypeNames, edgeTypeNames),
  };
  onProgress?.({ phase: 'indexing', ratio: 1 });
  return g;
}
