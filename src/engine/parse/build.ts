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
  const { firstRetainer, retainerNode, retainerEdge } = withRetainers
    ? buildRetainers(p.nodeCount, p.firstEdge, p.edgeTo)
    : { firstRetainer: none, retainerNode: none, retainerEdge: none };

  // Locations: [object_index (a node field offset), script_id, line, column] by meta.location_fields.
  const lf = p.meta.location_fields ?? ['object_index', 'script_id', 'line', 'column'];
  const lfc = lf.length;
  const oi = lf.indexOf('object_index');
  const si = lf.indexOf('script_id');
  const li = lf.indexOf('line');
  const ci = lf.indexOf('column');
  const count = lfc > 0 && oi >= 0 ? p.locations.length / lfc : 0;
  const order = new Uint32Array(count);
  for (let k = 0; k < count; k++) order[k] = k;
  const nodeOf = (k: number) => p.locations[k * lfc + oi] / p.nodeFieldCount;
  // V8 writes locations in node order already; sort only when it didn't.
  let sorted = true;
  for (let k = 1; k < count && sorted; k++) if (nodeOf(k) < nodeOf(k - 1)) sorted = false;
  if (!sorted) order.sort((a, b) => nodeOf(a) - nodeOf(b));
  const locationNode = new Uint32Array(count);
  const locationScript = new Uint32Array(count);
  const locationLine = new Uint32Array(count);
  const locationColumn = new Uint32Array(count);
  for (let k = 0; k < count; k++) {
    const base = order[k] * lfc;
    locationNode[k] = p.locations[base + oi] / p.nodeFieldCount;
    locationScript[k] = si >= 0 ? p.locations[base + si] : 0;
    locationLine[k] = li >= 0 ? p.locations[base + li] : 0;
    locationColumn[k] = ci >= 0 ? p.locations[base + ci] : 0;
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
    traceNodeId: p.traceNodeId && p.traceNodeId.some((v) => v !== 0) ? p.traceNodeId : null,
    detachedness: p.detachedness,
    firstEdge: p.firstEdge,
    edgeType: p.edgeType,
    edgeNameOrIndex: p.edgeNameOrIndex,
    edgeTo: p.edgeTo,
    firstRetainer,
    retainerNode,
    retainerEdge,
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
