// Turning heap nodes into what a developer reads: chain nodes, the seed's reference-list notation,
// closure source locations and short owner names such as `Socket → _events → connect`.
import { edgeTarget, isPlumbing, locationIndex, nodeTypeName as typeName, rawName, retainerEdge, type HeapAnalysis, type HeapGraph } from '../engine/index.js';
import type { ChainNode, SourceLocation } from './types.js';

/** One hop: a node and the edge label (already in `[0]` / `name` form) that led to it. */
export interface Hop {
  node: number;
  edge: string;
  edgeType: string;
}

const GENERIC = new Set(['Object', 'Array', 'Map', 'Set', '', '(anonymous)', 'system / Context', 'EventHandlers']);

/** Node name as the seed prints it; single line, bounded. */
export function displayName(g: HeapGraph, node: number): string {
  let name = rawName(g, node).replace(/\s+/g, ' ');
  if (!name) name = g.nodeType[node] === g.types.nodeClosure ? '(anonymous)' : '(no name)';
  return name.length > 80 ? `${name.slice(0, 77)}...` : name;
}

/** Source location of a closure (1-based), with its script's name when the snapshot links it. */
export function closureLocation(g: HeapGraph, node: number): SourceLocation | undefined {
  if (g.nodeType[node] !== g.types.nodeClosure) return undefined;
  const li = locationIndex(g, node);
  if (li < 0) return undefined;
  const loc: SourceLocation = {
    scriptId: g.locationScript[li],
    line: g.locationLine[li] + 1,
    column: g.locationColumn[li] + 1,
  };
  const fn = rawName(g, node);
  if (fn) loc.functionName = fn;
  // closure -> shared (SharedFunctionInfo) -> script_or_debug_info (Script, named by its URL)
  const shared = edgeTarget(g, node, 'shared');
  const script = shared >= 0 ? edgeTarget(g, shared, 'script_or_debug_info') : -1;
  const scriptName = script >= 0 ? rawName(g, script) : '';
  if (scriptName && !scriptName.startsWith('system /')) loc.script = scriptName;
  return loc;
}

export function formatLocation(loc: SourceLocation | undefined, short = true): string {
  if (!loc) return '';
  const script = loc.script ? (short ? loc.script.replace(/^.*[\\/]/, '') : loc.script) : `script ${loc.scriptId}`;
  return `${script}:${loc.line}`;
}

export function chainNode(a: HeapAnalysis, hop: Hop, isSuspect = false): ChainNode {
  const g = a.graph;
  const n = hop.node;
  const out: ChainNode = {
    id: g.nodeId[n],
    type: typeName(g, n),
    name: displayName(g, n),
    selfSize: g.selfSize[n],
    retainedSize: a.retainedSize[n],
    edge: hop.edge,
    edgeType: hop.edgeType,
    isSuspect,
  };
  const loc = closureLocation(g, n);
  if (loc) out.location = loc;
  return out;
}

/** `[object] (Route::@122187) ' stack`, `---> [object] (Array::@124261) ' [0]`, ..., one line per hop. */
export function referenceList(nodes: ChainNode[]): string[] {
  return nodes.map((n, i) => {
    const next = nodes[i + 1];
    const head = `[${n.type}] (${n.name}::@${n.id})${next ? ` ' ${next.edge}` : ''}`;
    return i === 0 ? head : `---> ${head}`;
  });
}

/**
 * A closure whose context is `ctx`, to name the scope by: the one on the path, else the named one
 * defined first in the source, else any. (A scope's closures all share it, and the order the heap
 * lists them in changes from run to run: the demo's scope was named after replaceThing in one run
 * and fibonacci in the next.)
 */
function contextOwner(g: HeapGraph, ctx: number, hint: number): number {
  if (hint >= 0 && g.nodeType[hint] === g.types.nodeClosure) return hint;
  let anon = -1;
  let best = -1;
  let bestAt = -1; // best's location index (-1: none)
  for (let r = g.firstRetainer[ctx]; r < g.firstRetainer[ctx + 1]; r++) {
    const from = g.retainerNode[r];
    if (g.nodeType[from] !== g.types.nodeClosure) continue;
    if (g.strings.get(g.edgeNameOrIndex[retainerEdge(g, ctx, r)]) !== 'context') continue;
    if (!rawName(g, from)) {
      if (anon < 0) anon = from;
      continue;
    }
    const at = locationIndex(g, from);
    if (best < 0 || (at >= 0 && (bestAt < 0 || sourceOrder(g, at, bestAt) < 0))) {
      best = from;
      bestAt = at;
    }
  }
  return best >= 0 ? best : anon;
}

/** Compares two locations (indexes into the graph's location arrays) by script, line, column. */
function sourceOrder(g: HeapGraph, x: number, y: number): number {
  return g.locationScript[x] - g.locationScript[y] || g.locationLine[x] - g.locationLine[y] || g.locationColumn[x] - g.locationColumn[y];
}

/** `context of arrayLeak (app.js:12)` for a scope, the class name for a recognisable object. */
function anchorLabel(a: HeapAnalysis, node: number, prev: number): string | null {
  const g = a.graph;
  const name = rawName(g, node);
  if (name === 'system / Context') {
    const fn = contextOwner(g, node, prev);
    if (fn < 0) return 'closure context';
    const loc = closureLocation(g, fn);
    return `context of ${displayName(g, fn)}${loc ? ` (${formatLocation(loc)})` : ''}`;
  }
  if (isPlumbing(a, node)) return rawName(g, node) === 'global' || name.startsWith('Window') ? 'global' : null;
  if (g.nodeType[node] === g.types.nodeClosure) {
    const loc = closureLocation(g, node);
    return `${displayName(g, node)}${loc ? ` (${formatLocation(loc)})` : ''}`;
  }
  if (g.nodeType[node] === g.types.nodeObject && !GENERIC.has(name)) return name;
  return null;
}

/** V8's name for every bound function (`f.bind(x)`): no name a user wrote. */
const BOUND = 'native_bind';

/** A closure the user did not write: a bound function, or one of Node's own (`node:` scripts). */
function runtimeClosure(g: HeapGraph, node: number): boolean {
  if (g.nodeType[node] !== g.types.nodeClosure) return false;
  if (rawName(g, node) === BOUND) return true;
  return closureLocation(g, node)?.script?.startsWith('node:') ?? false;
}

/** `bound checkConnections (_http_server:…)`: a bound function named by the function it binds. */
function boundLabel(g: HeapGraph, node: number): string {
  const target = edgeTarget(g, node, 'bound_function');
  if (target < 0 || g.nodeType[target] !== g.types.nodeClosure) return 'bound function';
  const loc = closureLocation(g, target);
  return `bound ${displayName(g, target)}${loc ? ` (${formatLocation(loc)})` : ''}`;
}

/** A Node-internal scope: its closures are Node's (the scope of `queueMicrotask` in task_queues). */
function runtimeContext(g: HeapGraph, ctx: number, hint: number): boolean {
  const fn = contextOwner(g, ctx, hint);
  return fn >= 0 && runtimeClosure(g, fn);
}

const isGlobalObject = (g: HeapGraph, n: number) => g.nodeType[n] === g.types.nodeObject && /^global\b|^Window\b/.test(rawName(g, n));

/**
 * The global a scope serves as an accessor's: Node defines some globals (`process`, ...) as a
 * getter whose scope holds the value, so `global.process` is `get process` → context → `_process`.
 */
function globalAccessorOf(g: HeapGraph, ctx: number): string | null {
  for (let r = g.firstRetainer[ctx]; r < g.firstRetainer[ctx + 1]; r++) {
    const fn = g.retainerNode[r];
    if (g.nodeType[fn] !== g.types.nodeClosure || g.strings.get(g.edgeNameOrIndex[retainerEdge(g, ctx, r)]) !== 'context') continue;
    for (let k = g.firstRetainer[fn]; k < g.firstRetainer[fn + 1]; k++) {
      const e = retainerEdge(g, fn, k);
      if (g.edgeType[e] !== g.types.edgeProperty || !isGlobalObject(g, g.retainerNode[k])) continue;
      const name = g.strings.get(g.edgeNameOrIndex[e]);
      if (name.startsWith('get ')) return name.slice(4);
    }
  }
  return null;
}

/**
 * What the user's code calls `node`, when something of Node's holds it on the path: a variable of
 * a scope in the user's scripts (`context of handleRequest (app.js:12) → server`), else a property
 * of the global object (`global → server`, a getter's included: `global → process`). Null when the
 * user's code names it nowhere.
 */
export function userHolder(g: HeapGraph, node: number): string | null {
  let global: string | null = null;
  for (let r = g.firstRetainer[node]; r < g.firstRetainer[node + 1]; r++) {
    const from = g.retainerNode[r];
    const e = retainerEdge(g, node, r);
    const type = g.edgeType[e];
    if (type === g.types.edgeContext && rawName(g, from) === 'system / Context') {
      const fn = contextOwner(g, from, -1);
      const loc = fn >= 0 ? closureLocation(g, fn) : undefined;
      if (loc?.script && !loc.script.startsWith('node:')) return `context of ${displayName(g, fn)} (${formatLocation(loc)}) → ${g.strings.get(g.edgeNameOrIndex[e])}`;
      if (global === null) {
        const name = globalAccessorOf(g, from);
        if (name !== null) global = `global → ${name}`;
      }
    } else if (type === g.types.edgeProperty && global === null && isGlobalObject(g, from)) {
      global = `global → ${g.strings.get(g.edgeNameOrIndex[e])}`;
    }
  }
  return global;
}

/**
 * Short owner path of the last hop: back from the target to the nearest recognisable anchor
 * (a named class instance, a closure's scope, the global object), e.g. `Socket → _events → connect`.
 * An anchor the user did not write (a bound function, a closure of Node's or its scope) gives way
 * to the user's own name for what it holds (userHolder): `context of handleRequest (app.js:12) →
 * server`, `global → process`.
 */
export function ownerName(a: HeapAnalysis, path: Hop[], maxHops = 5): string {
  const g = a.graph;
  const labels: string[] = [];
  /** The hop each label names. */
  const from: number[] = [];
  const push = (label: string, i: number) => {
    labels.push(label);
    from.push(i);
  };
  for (let i = path.length - 1; i >= 0 && labels.length <= maxHops; i--) {
    const hop = path[i];
    if (i < path.length - 1 || labels.length === 0) {
      // the anchor test applies to every node but the target itself (unless it is the only one)
      const prev = i > 0 ? path[i - 1].node : -1;
      const anchor = i < path.length - 1 ? anchorLabel(a, hop.node, prev) : null;
      if (anchor) {
        const runtime = runtimeClosure(g, hop.node) || (rawName(g, hop.node) === 'system / Context' && runtimeContext(g, hop.node, prev));
        const held = runtime ? userHolder(g, path[i + 1].node) : null;
        if (held) {
          while (from.length && from[from.length - 1] === i + 1) {
            labels.pop();
            from.pop();
          }
          push(held, i + 1);
        } else push(rawName(g, hop.node) === BOUND && g.nodeType[hop.node] === g.types.nodeClosure ? boundLabel(g, hop.node) : anchor, i);
        break;
      }
    }
    if (!hop.edge || g.nodeType[hop.node] === g.types.nodeSynthetic) {
      push(displayName(g, hop.node), i);
      break;
    }
    if (hop.edgeType !== 'internal' && hop.edgeType !== 'hidden') push(hop.edge, i);
    else if (i === path.length - 1) push(displayName(g, hop.node), i);
  }
  if (labels.length === 0) {
    const last = path[path.length - 1];
    return last ? displayName(g, last.node) : '';
  }
  return labels.reverse().join(' → ');
}
