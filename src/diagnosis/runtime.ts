// Memory the user did not write: Node's own bootstrap state (the builtin module map, internal error
// codes, primordials, bindings) and heapscope's agent. Either can be the largest holder of a small
// healthy service's heap; neither is ever a suspect or a growth finding.
import { heapFacts, rawName, topChildren, type HeapAnalysis } from '../engine/index.js';
import type { Hop } from './describe.js';
import { isNonStandardGlobal } from './causes/globals.js';

/** node: Node's bootstrap state; heapscope: its agent; code: a function's own source and code. */
export type RuntimeOwner = 'node' | 'heapscope' | 'code';

/** Node's own holders above this size are shown anyway: a leak inside Node's objects is real. */
const NODE_STATE_MAX = 4 * 1024 * 1024;
/** Objects the ownership walk may mark as heapscope's (the agent holds a few thousand). */
const OWNED_BUDGET = 200_000;

interface RuntimeFacts {
  /** Nodes every retainer of which is heapscope's (the agent, its closures, contexts, state). */
  heapscope: Uint8Array | undefined;
  /** Script ids of heapscope's own files. */
  heapscopeScripts: Set<number>;
  /** Script ids of Node's internals (`node:...`). */
  nodeScripts: Set<number>;
  /** Script ids that have a name (the rest are evals and natives). */
  namedScripts: Set<number>;
}

const cache = new WeakMap<HeapAnalysis, RuntimeFacts>();

function scriptNames(a: HeapAnalysis): Map<number, string> {
  const g = a.graph;
  const names = new Map<number, string>();
  const tries = new Map<number, number>(); // a closure's shared info may hold debug info, not its script
  for (let i = 0; i < g.locationNode.length; i++) {
    const id = g.locationScript[i];
    if (names.has(id)) continue;
    const n = g.locationNode[i];
    if (g.nodeType[n] !== g.types.nodeClosure) continue;
    const k = tries.get(id) ?? 0;
    if (k >= 8) continue;
    tries.set(id, k + 1);
    const name = scriptOf(a, n);
    if (name) names.set(id, name);
  }
  return names;
}

/** closure -> shared -> script_or_debug_info, named by its URL. */
function scriptOf(a: HeapAnalysis, closure: number): string {
  const shared = target(a, closure, 'shared');
  const script = shared >= 0 ? target(a, shared, 'script_or_debug_info') : -1;
  const name = script >= 0 ? rawName(a.graph, script) : '';
  return name.startsWith('system /') ? '' : name;
}

function target(a: HeapAnalysis, node: number, name: string): number {
  const g = a.graph;
  for (let e = g.firstEdge[node]; e < g.firstEdge[node + 1]; e++) {
    if (g.edgeType[e] !== g.types.edgeWeak && g.strings.get(g.edgeNameOrIndex[e]) === name) return g.edgeTo[e];
  }
  return -1;
}

/** The objects the global objects hold under heapscope's own symbols (`Symbol.for('heapscope.…')`). */
function agentHolders(a: HeapAnalysis): number[] {
  const g = a.graph;
  const out: number[] = [];
  for (const gl of heapFacts(a).globals) {
    for (let e = g.firstEdge[gl]; e < g.firstEdge[gl + 1]; e++) {
      if (g.edgeType[e] === g.types.edgeWeak || g.edgeType[e] === g.types.edgeElement || g.edgeType[e] === g.types.edgeHidden) continue;
      if (g.strings.get(g.edgeNameOrIndex[e]).startsWith('<symbol heapscope.')) out.push(g.edgeTo[e]);
    }
  }
  return out;
}

function runtimeFacts(a: HeapAnalysis): RuntimeFacts {
  const hit = cache.get(a);
  if (hit) return hit;
  const g = a.graph;
  const names = scriptNames(a);
  const nodeScripts = new Set<number>();
  for (const [id, name] of names) if (name.startsWith('node:')) nodeScripts.add(id);
  const holders = agentHolders(a);
  // heapscope's files: the folder of the scripts of the closures its global holder keeps (getters)
  const dirs = new Set<string>();
  for (const h of holders) {
    for (let e = g.firstEdge[h]; e < g.firstEdge[h + 1]; e++) {
      const t = g.edgeTo[e];
      if (g.nodeType[t] !== g.types.nodeClosure) continue;
      const s = scriptOf(a, t);
      if (s && !s.startsWith('node:')) dirs.add(s.replace(/[^\\/]*$/, ''));
    }
  }
  const heapscopeScripts = new Set<number>();
  for (const [id, name] of names) for (const d of dirs) if (name.startsWith(d)) heapscopeScripts.add(id);
  const facts: RuntimeFacts = {
    heapscope: holders.length ? ownedBy(a, holders, heapscopeScripts) : undefined,
    heapscopeScripts,
    nodeScripts,
    namedScripts: new Set(names.keys()),
  };
  cache.set(a, facts);
  return facts;
}

/**
 * Nodes owned by heapscope: its global holders and closures, then (to a fixpoint) every node all
 * of whose strong retainers are owned. What the agent shares with the app (Node's module exports,
 * the user's objects) has other retainers and stays the app's.
 */
function ownedBy(a: HeapAnalysis, holders: number[], scripts: Set<number>): Uint8Array {
  const g = a.graph;
  const owned = new Uint8Array(g.nodeCount);
  const queue: number[] = [];
  const add = (n: number) => {
    if (owned[n] || n === 0 || g.nodeType[n] === g.types.nodeSynthetic) return;
    owned[n] = 1;
    queue.push(n);
  };
  for (const h of holders) add(h);
  for (let i = 0; i < g.locationNode.length; i++) {
    if (scripts.has(g.locationScript[i]) && g.nodeType[g.locationNode[i]] === g.types.nodeClosure) add(g.locationNode[i]);
  }
  const allRetainersOwned = (t: number) => {
    for (let r = g.firstRetainer[t]; r < g.firstRetainer[t + 1]; r++) if (!owned[g.retainerNode[r]]) return false;
    return true;
  };
  for (let head = 0; head < queue.length && queue.length < OWNED_BUDGET; head++) {
    const n = queue[head];
    for (let e = g.firstEdge[n]; e < g.firstEdge[n + 1]; e++) {
      const t = g.edgeTo[e];
      if (!owned[t] && g.edgeType[e] !== g.types.edgeWeak && allRetainersOwned(t)) add(t);
    }
  }
  return owned;
}

/** True when heapscope owns `node` or an object that dominates it. */
function heapscopeOwns(a: HeapAnalysis, facts: RuntimeFacts, node: number): boolean {
  const owned = facts.heapscope;
  if (!owned) return false;
  for (let n = node, guard = 0; guard < 100_000; guard++) {
    if (owned[n]) return true;
    const d = a.dominator[n];
    if (d === n || n === 0) return false;
    n = d;
  }
  return false;
}

/**
 * Is anything on these hops the user's: a closure from a script that is neither Node's nor
 * heapscope's, or a global property that is not a builtin?
 */
function userEvidence(a: HeapAnalysis, facts: RuntimeFacts, hops: Hop[]): boolean {
  const g = a.graph;
  const globals = heapFacts(a).globals;
  for (let i = 0; i < hops.length; i++) {
    const n = hops[i].node;
    if (g.nodeType[n] === g.types.nodeClosure) {
      const li = locIndex(a, n);
      const script = li >= 0 ? g.locationScript[li] : -1;
      if (script >= 0 && facts.namedScripts.has(script) && !facts.nodeScripts.has(script) && !facts.heapscopeScripts.has(script)) return true;
    }
    const prev = i > 0 ? hops[i - 1].node : -1;
    if (prev >= 0 && globals.has(prev) && hops[i].edgeType === 'property') {
      const name = hops[i].edge.replace(/^[gs]et /, ''); // accessors are listed as `get X`
      if (isNonStandardGlobal(name)) return true;
    }
  }
  return false;
}

function locIndex(a: HeapAnalysis, node: number): number {
  const ln = a.graph.locationNode;
  let lo = 0;
  let hi = ln.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (ln[mid] === node) return mid;
    if (ln[mid] < node) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * True when a hop is plainly the runtime's: a closure of a `node:` script or of heapscope, or a
 * `<symbol node:…>` / `<symbol heapscope.…>` slot (Node's modules reached through the agent's
 * imports are Node's too).
 */
function nodeMarker(a: HeapAnalysis, facts: RuntimeFacts, hops: Hop[]): boolean {
  const g = a.graph;
  for (const h of hops) {
    if (h.edge.startsWith('<symbol node:') || h.edge.startsWith('<symbol heapscope.')) return true;
    if (g.nodeType[h.node] === g.types.nodeClosure) {
      const li = locIndex(a, h.node);
      if (li >= 0 && (facts.nodeScripts.has(g.locationScript[li]) || facts.heapscopeScripts.has(g.locationScript[li]))) return true;
    }
  }
  return false;
}

/**
 * Do the user's closures hold a good part (a quarter) of what `node` retains? Estimated down the
 * dominator tree from a sample of each node's children (its largest) (a timer list of Node's full of the user's
 * callbacks is the user's leak; `process` with one user listener among Node's own state is not).
 */
function userBelow(a: HeapAnalysis, facts: RuntimeFacts, node: number): boolean {
  let budget = 512;
  const share = (n: number, depth: number): number => {
    if (userEvidence(a, facts, [{ node: n, edge: '', edgeType: '' }])) return 1;
    const total = a.retainedSize[n];
    if (depth === 0 || total <= 0 || budget <= 0) return 0;
    let sampled = 0;
    let user = 0;
    // the largest children: the first 16 in the tree's order may be all the small ones (`process`
    // listed its `_events`, holding a user listener, before Node's `config`, 8 times its size)
    for (const c of topChildren(a, n, 16)) {
      if (budget <= 0) break;
      if (c === n) continue;
      budget--;
      sampled += a.retainedSize[c];
      user += a.retainedSize[c] * share(c, depth - 1);
    }
    // the unsampled children are taken to look like the sampled ones
    return sampled > 0 ? (user / sampled) * ((total - a.graph.selfSize[n]) / total) : 0;
  };
  return share(node, 5) >= 0.25;
}

/** Edges from a function to what is part of it (its prototype, scope, code), not data it holds. */
const STRUCTURAL = new Set(['prototype', 'context', 'previous', '__proto__', 'shared', 'map', 'code']);

/**
 * A closure of Node's own code (a builtin module's class or function), or its prototype or scope:
 * the path's last closure is Node's and only structural edges follow it.
 */
function nodeCode(a: HeapAnalysis, facts: RuntimeFacts, path: Hop[]): boolean {
  const g = a.graph;
  for (let i = path.length - 1; i >= 0; i--) {
    const n = path[i].node;
    if (g.nodeType[n] === g.types.nodeClosure) {
      const li = locIndex(a, n);
      return li >= 0 && facts.nodeScripts.has(g.locationScript[li]);
    }
    if (i === 0 || !STRUCTURAL.has(path[i].edge)) return false;
  }
  return false;
}

/**
 * Who owns a holder when the user does not: heapscope (its agent, whatever its size), loaded code
 * (a script's source), or Node: bootstrap state reached through Node's own code, with no user code
 * or user global on the way from the roots nor among what it holds, or a builtin module's own
 * function (however the user reached it: `require('http')` is not a leak), and in both cases
 * smaller than any leak worth a look.
 */
export function runtimeOwner(a: HeapAnalysis, node: number, path: Hop[], chain: Hop[]): RuntimeOwner | undefined {
  const facts = runtimeFacts(a);
  if (heapscopeOwns(a, facts, node)) return 'heapscope';
  if (a.retainedSize[node] > NODE_STATE_MAX) return undefined;
  const hops = [...path, ...chain.slice(1)];
  // a script's source, or a function holding it: loaded code, which does not grow
  if (hops.some((h) => h.edge === 'script_or_debug_info')) return 'code';
  if (nodeCode(a, facts, path)) return userEvidence(a, facts, chain) || userBelow(a, facts, node) ? undefined : 'node';
  if (userEvidence(a, facts, hops) || !nodeMarker(a, facts, hops)) return undefined;
  return userBelow(a, facts, node) ? undefined : 'node';
}
