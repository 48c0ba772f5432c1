// Hand-written heap snapshots for edge cases: describe nodes and edges by key, get V8's JSON
// format (same meta as node 20's V8 writes) back, ready for the engine and the oracle.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type EdgeSpec = [type: string, nameOrIndex: string | number, to: string];
export interface NodeSpec {
  key: string;
  type: string;
  name: string;
  id: number;
  size?: number;
  /** V8's detachedness field: 0 unknown, 1 attached, 2 detached (embedder/native nodes). */
  detachedness?: number;
  edges?: EdgeSpec[];
}

const NODE_TYPES = ['hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native', 'synthetic', 'concatenated string', 'sliced string', 'symbol', 'bigint', 'object shape', 'wasm object'];
const EDGE_TYPES = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'];
const NODE_FIELDS = ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'];

/** Serialize nodes (the first one is the snapshot root) to the .heapsnapshot JSON shape. */
export function buildSnapshot(specs: NodeSpec[]): Record<string, unknown> {
  const strings: string[] = [''];
  const stringIndex = new Map<string, number>([['', 0]]);
  const str = (s: string) => {
    let i = stringIndex.get(s);
    if (i === undefined) {
      i = strings.length;
      strings.push(s);
      stringIndex.set(s, i);
    }
    return i;
  };
  const ordinal = new Map(specs.map((n, i) => [n.key, i]));
  const nodes: number[] = [];
  const edges: number[] = [];
  for (const n of specs) {
    const t = NODE_TYPES.indexOf(n.type);
    if (t < 0) throw new Error(`unknown node type ${n.type}`);
    nodes.push(t, str(n.name), n.id, n.size ?? 0, n.edges?.length ?? 0, 0, n.detachedness ?? 0);
    for (const [type, name, to] of n.edges ?? []) {
      const et = EDGE_TYPES.indexOf(type);
      const target = ordinal.get(to);
      if (et < 0 || target === undefined) throw new Error(`bad edge ${type} ${name} -> ${to}`);
      const numeric = type === 'element' || type === 'hidden';
      edges.push(et, numeric ? Number(name) : str(String(name)), target * NODE_FIELDS.length);
    }
  }
  return {
    snapshot: {
      meta: {
        node_fields: NODE_FIELDS,
        node_types: [NODE_TYPES, 'string', 'number', 'number', 'number', 'number', 'number'],
        edge_fields: ['type', 'name_or_index', 'to_node'],
        edge_types: [EDGE_TYPES, 'string_or_number', 'node'],
        trace_function_info_fields: ['function_id', 'name', 'script_name', 'script_id', 'line', 'column'],
        trace_node_fields: ['id', 'function_info_index', 'count', 'size', 'children'],
        sample_fields: ['timestamp_us', 'last_assigned_id'],
        location_fields: ['object_index', 'script_id', 'line', 'column'],
      },
      node_count: specs.length,
      edge_count: edges.length / 3,
      trace_function_count: 0,
    },
    nodes,
    edges,
    trace_function_infos: [],
    trace_tree: [],
    samples: [],
    locations: [],
    strings,
  };
}

/**
 * A JS-heap-shaped graph: synthetic root (id 1) -> (GC roots) (id 3) -> (Strong roots) (id 5), and a
 * root shortcut to the `global` object (id 7, the user root). `globalEdges` hang off the global,
 * `strongEdges` off (Strong roots) (system-only retention), `rootEdges` are extra root edges.
 */
export function jsHeap(opts: { globalEdges?: EdgeSpec[]; strongEdges?: EdgeSpec[]; rootEdges?: EdgeSpec[]; nodes: NodeSpec[] }): NodeSpec[] {
  return [
    { key: 'root', type: 'synthetic', name: '', id: 1, edges: [['element', 1, 'gcroots'], ['shortcut', 2, 'global'], ...(opts.rootEdges ?? [])] },
    { key: 'gcroots', type: 'synthetic', name: '(GC roots)', id: 3, edges: [['element', 1, 'strong']] },
    { key: 'strong', type: 'synthetic', name: '(Strong roots)', id: 5, edges: [['internal', 'global_handle', 'global'], ...(opts.strongEdges ?? [])] },
    { key: 'global', type: 'object', name: 'global', id: 7, size: 40, edges: opts.globalEdges ?? [] },
    ...opts.nodes,
  ];
}

export function writeSnapshot(dir: string, name: string, specs: NodeSpec[]): string {
  const file = join(dir, `${name}.heapsnapshot`);
  writeFileSync(file, JSON.stringify(buildSnapshot(specs)));
  return file;
}

/** DevTools' WeakMap ephemeron edge name (the same name is used from the table and from the key). */
export function ephemeronEdge(index: number, key: NodeSpec | [string, number], value: NodeSpec | [string, number], tableId: number): string {
  const [kn, ki] = Array.isArray(key) ? key : [key.name, key.id];
  const [vn, vi] = Array.isArray(value) ? value : [value.name, value.id];
  return `${index} / part of key (${kn} @${ki}) -> value (${vn} @${vi}) pair in WeakMap (table @${tableId})`;
}
