// The "snapshot" header of a .heapsnapshot: its meta (the field layout of nodes, edges and
// locations), the counts, and the typed arrays sized from them; and the layout types the stores
// and records share with the parser.
import { HeapSnapshotError } from '../../shared/index.js';
import type { HeapGraph, Sizes, SnapshotMeta } from '../graph.js';
import { sharedArena } from '../memory.js';
import type { StringTable } from '../strings.js';

/** Node field slots we understand; anything else in meta.node_fields is read and dropped. */
export const enum NF {
  Type,
  Name,
  Id,
  SelfSize,
  EdgeCount,
  TraceNodeId,
  Detachedness,
  Other,
}

const NODE_FIELD_SLOTS: Record<string, NF> = {
  type: NF.Type,
  name: NF.Name,
  id: NF.Id,
  self_size: NF.SelfSize,
  edge_count: NF.EdgeCount,
  trace_node_id: NF.TraceNodeId,
  detachedness: NF.Detachedness,
};

/** What the parser hands over: raw arrays, validated against each other. */
export interface ParsedSnapshot {
  meta: SnapshotMeta;
  header: Record<string, unknown>;
  nodeCount: number;
  edgeCount: number;
  nodeFieldCount: number;
  edgeFieldCount: number;
  nodeType: Uint8Array;
  nodeName: Uint32Array;
  nodeId: Uint32Array;
  selfSize: Sizes;
  traceNodeId: Uint32Array | null;
  detachedness: Uint8Array | null;
  firstEdge: Uint32Array;
  edgeType: Uint8Array;
  edgeNameOrIndex: Uint32Array;
  edgeTo: Uint32Array;
  locations: Uint32Array;
  strings: StringTable;
  /** The locations by node, when the two-core parse built them ahead (see buildLocationIndex). */
  locationIndex?: LocationIndex;
}

/** Locations by node, sorted by node (stably: a node's first location first). */
export type LocationIndex = Pick<HeapGraph, 'locationNode' | 'locationScript' | 'locationLine' | 'locationColumn'>;

export interface ParserOptions {
  /** Allocate node and edge arrays in SharedArrayBuffers (for parse workers). */
  shared?: boolean;
  /** Numeric sections to skip with a native scan for their ']' (another thread parses them). */
  fastSkip?: ReadonlySet<string>;
  /** Called when a section's value starts (offset of its first byte, e.g. '['). */
  onSectionStart?: (key: string, open: number) => void;
  /**
   * 64-bit self sizes. Without it they are 32-bit (half the memory), and a size of 4 GB or more
   * stops the parse with WIDE_SIZES for the caller to read the input again with this set.
   */
  wideSizes?: boolean;
  /** Total input size when known: "strings" (V8 writes it last) reserves what is left of it. */
  totalBytes?: number;
  /** Called when a fast-skipped section ends (offset of its closing ']'). */
  onSectionEnd?: (key: string, open: number, close: number) => void;
}

/** Typed arrays a parse worker writes into (views over SharedArrayBuffers). */
export type ParseTargets = Pick<
  HeapGraph,
  'nodeType' | 'nodeName' | 'nodeId' | 'selfSize' | 'traceNodeId' | 'detachedness' | 'firstEdge' | 'edgeType' | 'edgeNameOrIndex' | 'edgeTo'
> & {
  /**
   * The largest node name [0] and edge name or index [1] written so far, by every writer on every
   * thread (see raiseNameMax in store.ts): the check that names point into "strings" then needs
   * no second pass over the arrays unless one is out of range.
   */
  nameMax: BigInt64Array;
};

/** Field layout an edge parser needs (also used by the backward parser). */
export interface EdgeLayout {
  efc: number;
  nfc: number;
  nodeCount: number;
  edgeCount: number;
  typeOffset: number;
  nameOffset: number;
  toOffset: number;
  typeCount: number;
}

/** The header, checked: the counts and where each field sits in a node's and an edge's record. */
export interface Header {
  meta: SnapshotMeta;
  header: Record<string, unknown>;
  nodeCount: number;
  edgeCount: number;
  nfc: number;
  efc: number;
  nodeSlots: NF[];
  edgeTypeOff: number;
  edgeNameOff: number;
  edgeToOff: number;
  locFields: number;
  nodeTypeCount: number;
  edgeTypeCount: number;
}

/** Reads and checks the "snapshot" value's JSON text (`offset`: where it starts, for errors). */
export function readHeader(text: string, offset: number): Header {
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new HeapSnapshotError('BAD_META', `"snapshot" header is not valid JSON: ${(e as Error).message}`, offset);
  }
  const meta = header.meta as SnapshotMeta | undefined;
  if (!meta || typeof meta !== 'object') throw new HeapSnapshotError('BAD_META', 'snapshot.meta is missing', offset);
  const nf = meta.node_fields;
  const ef = meta.edge_fields;
  if (!Array.isArray(nf) || !Array.isArray(ef)) throw new HeapSnapshotError('BAD_META', 'snapshot.meta.node_fields / edge_fields are missing', offset);
  for (const f of ['type', 'name', 'id', 'self_size', 'edge_count']) {
    if (!nf.includes(f)) throw new HeapSnapshotError('BAD_META', `snapshot.meta.node_fields lacks "${f}"`, offset);
  }
  for (const f of ['type', 'name_or_index', 'to_node']) {
    if (!ef.includes(f)) throw new HeapSnapshotError('BAD_META', `snapshot.meta.edge_fields lacks "${f}"`, offset);
  }
  const nt = meta.node_types?.[nf.indexOf('type')];
  const et = meta.edge_types?.[ef.indexOf('type')];
  if (!Array.isArray(nt) || !Array.isArray(et)) throw new HeapSnapshotError('BAD_META', 'snapshot.meta.node_types / edge_types are missing', offset);
  const nodeCount = header.node_count;
  const edgeCount = header.edge_count;
  if (!Number.isSafeInteger(nodeCount) || (nodeCount as number) < 1 || !Number.isSafeInteger(edgeCount) || (edgeCount as number) < 0) {
    throw new HeapSnapshotError('BAD_META', `snapshot.node_count / edge_count are missing or invalid (${String(nodeCount)}, ${String(edgeCount)})`, offset);
  }
  if ((nodeCount as number) >= 0xfffffff0 || (edgeCount as number) >= 0xfffffff0) {
    throw new HeapSnapshotError('TOO_LARGE', `snapshot has ${nodeCount} nodes / ${edgeCount} edges: more than 32-bit indexes can hold`, offset);
  }
  // Other counts V8 writes must be counts too (a negative one means a corrupt or hand-made file).
  for (const f of ['trace_function_count', 'extra_native_bytes'] as const) {
    const v = header[f];
    if (v !== undefined && (!Number.isSafeInteger(v) || (v as number) < 0)) {
      throw new HeapSnapshotError('BAD_META', `snapshot.${f} is ${JSON.stringify(v)}: must be a non-negative integer`, offset);
    }
  }
  return {
    meta,
    header,
    nodeCount: nodeCount as number,
    edgeCount: edgeCount as number,
    nfc: nf.length,
    efc: ef.length,
    nodeSlots: nf.map((f) => NODE_FIELD_SLOTS[f] ?? NF.Other),
    edgeTypeOff: ef.indexOf('type'),
    edgeNameOff: ef.indexOf('name_or_index'),
    edgeToOff: ef.indexOf('to_node'),
    locFields: Array.isArray(meta.location_fields) ? meta.location_fields.length : 4,
    nodeTypeCount: nt.length,
    edgeTypeCount: et.length,
  };
}

/** The arrays a parse fills, sized from the header. */
export function allocateTargets(h: Header, opts: Pick<ParserOptions, 'shared' | 'wideSizes'>, offset: number): ParseTargets {
  const n = h.nodeCount;
  const m = h.edgeCount;
  const nf = h.meta.node_fields;
  const shared = opts.shared === true;
  const wide = opts.wideSizes === true;
  const traces = nf.includes('trace_node_id');
  const det = nf.includes('detachedness');
  try {
    // shared: one buffer for all of them, in this order (see sharedArena: huge pages throughout),
    // but trace ids: nearly always all zero, and then dropped (their memory with them)
    const arena = shared ? sharedArena([n, n * 4, n * 4, n * (wide ? 8 : 4), det ? n : 0, (n + 1) * 4, m, m * 4, m * 4]) : null;
    let k = 0;
    const at = () => arena!.offsets[k++];
    const u8 = (len: number) => (arena ? new Uint8Array(arena.buffer, at(), len) : new Uint8Array(len));
    const u32 = (len: number) => (arena ? new Uint32Array(arena.buffer, at(), len) : new Uint32Array(len));
    const f64 = (len: number) => (arena ? new Float64Array(arena.buffer, at(), len) : new Float64Array(len));
    const none = () => (k++, null);
    // (in the arena's order)
    const nodeType = u8(n);
    const nodeName = u32(n);
    const nodeId = u32(n);
    const selfSize: Sizes = wide ? f64(n) : u32(n);
    const detachedness = det ? u8(n) : none();
    const traceNodeId = !traces ? null : shared ? new Uint32Array(new SharedArrayBuffer(n * 4)) : new Uint32Array(n);
    const nameMax = shared ? new BigInt64Array(new SharedArrayBuffer(16)) : new BigInt64Array(2);
    const firstEdge = u32(n + 1);
    const edgeType = u8(m);
    const edgeNameOrIndex = u32(m);
    const edgeTo = u32(m);
    return { nodeType, nodeName, nodeId, selfSize, detachedness, traceNodeId, nameMax, firstEdge, edgeType, edgeNameOrIndex, edgeTo };
  } catch (e) {
    throw new HeapSnapshotError('TOO_LARGE', `cannot allocate arrays for ${n} nodes / ${m} edges: ${(e as Error).message}`, offset);
  }
}
