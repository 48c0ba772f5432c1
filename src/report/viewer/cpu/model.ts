// V8 .cpuprofile → per-function self/total time and a flame graph layout. Pure (no DOM) so Node
// code and tests can use it too.
// (shared/errors.js, not its index: the browser bundle takes no node: modules)
import { CpuProfileError } from '../../../shared/errors.js';

export interface CallFrame {
  functionName: string;
  scriptId: string | number;
  url: string;
  /** 0-based, as V8 records it. */
  lineNumber: number;
  columnNumber: number;
}

export interface CpuProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
  parent?: number;
}

/** The JSON `node --cpu-prof`, the inspector's Profiler.stop and DevTools write. */
export interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface FunctionStats {
  key: string;
  name: string;
  url: string;
  /** 1-based line/column for display; 0 when unknown. */
  line: number;
  column: number;
  /** Microseconds. */
  self: number;
  total: number;
}

/** One rectangle of the flame graph: `start`/`total` in µs from the profile start, `depth` from the root. */
export interface FlameFrame {
  id: number;
  name: string;
  url: string;
  line: number;
  column: number;
  depth: number;
  start: number;
  total: number;
  self: number;
  parent: number;
}

export interface CpuModel {
  /** Sampled time, µs (without the pseudo-frames' time when they are hidden). */
  duration: number;
  /** Time in V8's pseudo-frames, µs, whether shown or not: `(idle)`, `(program)`, `(garbage collector)`. */
  pseudo: Record<string, number>;
  /** Whether the pseudo-frames are in `functions` and `frames`. */
  pseudoShown: boolean;
  sampleCount: number;
  functions: FunctionStats[];
  /** Frames in depth-first order (parents before children); frames[0] is the root. */
  frames: FlameFrame[];
  maxDepth: number;
}

export { CpuProfileError };

/**
 * V8's pseudo-frames: time the thread was idle, in native code outside JS, or collecting garbage.
 * An idle service spends most of a profile in `(idle)`, which hides the app's own code.
 */
const PSEUDO_FRAMES = new Set(['(idle)', '(program)', '(garbage collector)']);

const isPseudo = (cf: CallFrame) => !cf.url && PSEUDO_FRAMES.has(cf.functionName);

export interface CpuModelOptions {
  /** Keep `(idle)`, `(program)` and `(garbage collector)` in the graph and table (default false). */
  showPseudo?: boolean;
}

export function displayName(cf: CallFrame): string {
  return cf.functionName || (cf.url ? '(anonymous)' : '(program)');
}

export function buildCpuModel(profile: CpuProfile, opts: CpuModelOptions = {}): CpuModel {
  const showPseudo = opts.showPseudo ?? false;
  if (!profile || !Array.isArray(profile.nodes) || profile.nodes.length === 0) {
    throw new CpuProfileError('Not a V8 CPU profile: expected a .cpuprofile JSON object with a non-empty "nodes" array.');
  }
  const byId = new Map<number, CpuProfileNode>();
  for (const n of profile.nodes) {
    if (typeof n?.id !== 'number' || !n.callFrame) throw new CpuProfileError('Not a V8 CPU profile: a node lacks "id" or "callFrame".');
    byId.set(n.id, n);
  }
  const children = new Map<number, number[]>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    for (const c of n.children ?? []) {
      parent.set(c, n.id);
      (children.get(n.id) ?? children.set(n.id, []).get(n.id)!).push(c);
    }
  }
  for (const n of profile.nodes) {
    if (n.parent !== undefined && !parent.has(n.id)) {
      parent.set(n.id, n.parent);
      (children.get(n.parent) ?? children.set(n.parent, []).get(n.parent)!).push(n.id);
    }
  }
  const root = profile.nodes.find((n) => !parent.has(n.id))!;
  const pseudo: Record<string, number> = {};
  // a pseudo-frame's time is counted aside and, when hidden, left out of every total
  const keep = (id: number, d: number): number => {
    const cf = byId.get(id)?.callFrame;
    if (!cf || !isPseudo(cf)) return d;
    pseudo[cf.functionName] = (pseudo[cf.functionName] ?? 0) + d;
    return showPseudo ? d : 0;
  };

  // Self time per node: each sample lasts until the next one (the last until endTime).
  const self = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let sampleCount = 0;
  if (samples.length && deltas.length === samples.length) {
    const ts = new Float64Array(samples.length);
    let t = profile.startTime;
    for (let i = 0; i < samples.length; i++) ts[i] = t += deltas[i];
    for (let i = 0; i < samples.length; i++) {
      const end = i + 1 < samples.length ? ts[i + 1] : Math.max(profile.endTime, ts[i]);
      const d = keep(samples[i], Math.max(0, end - ts[i]));
      self.set(samples[i], (self.get(samples[i]) ?? 0) + d);
    }
    sampleCount = samples.length;
  } else {
    // Older profiles carry only hit counts: spread the wall time evenly over the hits.
    const hits = profile.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0);
    const per = hits ? Math.max(0, profile.endTime - profile.startTime) / hits : 0;
    for (const n of profile.nodes) if (n.hitCount) self.set(n.id, keep(n.id, n.hitCount * per));
    sampleCount = hits;
  }

  // Totals, function aggregates (recursion counted once per stack) and flame frames in one DFS.
  const total = new Map<number, number>();
  const order: number[] = [];
  const stack: number[] = [root.id];
  const seen = new Set<number>();
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id)) continue; // malformed cycles
    seen.add(id);
    order.push(id);
    for (const c of children.get(id) ?? []) if (byId.has(c)) stack.push(c);
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const id = order[i];
    let t = self.get(id) ?? 0;
    for (const c of children.get(id) ?? []) t += total.get(c) ?? 0;
    total.set(id, t);
  }

  const fnKey = (cf: CallFrame) => `${displayName(cf)}\u0000${cf.url}\u0000${cf.lineNumber}\u0000${cf.columnNumber}`;
  const fns = new Map<string, FunctionStats>();
  const active = new Map<string, number>();
  const frames: FlameFrame[] = [];
  let maxDepth = 0;
  const visit = (id: number, depth: number, start: number, parentFrame: number) => {
    const n = byId.get(id)!;
    const cf = n.callFrame;
    const key = fnKey(cf);
    let fs = fns.get(key);
    if (!fs) fns.set(key, (fs = { key, name: displayName(cf), url: cf.url, line: cf.lineNumber >= 0 ? cf.lineNumber + 1 : 0, column: cf.columnNumber >= 0 ? cf.columnNumber + 1 : 0, self: 0, total: 0 }));
    const t = total.get(id) ?? 0;
    fs.self += self.get(id) ?? 0;
    const depthOfFn = active.get(key) ?? 0;
    if (depthOfFn === 0) fs.total += t;
    active.set(key, depthOfFn + 1);
    const frameIndex = frames.length;
    if (t > 0) {
      frames.push({ id, name: fs.name, url: cf.url, line: fs.line, column: fs.column, depth, start, total: t, self: self.get(id) ?? 0, parent: parentFrame });
      if (depth > maxDepth) maxDepth = depth;
    }
    // Widest child first, like most flame graphs; children tile the parent's span left to right.
    const kids = (children.get(id) ?? []).filter((c) => byId.has(c) && (total.get(c) ?? 0) > 0).sort((a, b) => total.get(b)! - total.get(a)!);
    let x = start;
    for (const c of kids) {
      visit(c, depth + 1, x, frameIndex);
      x += total.get(c)!;
    }
    active.set(key, depthOfFn);
  };
  // Iterative would avoid deep recursion; real profiles stay well under the stack limit (V8 caps stack depth it samples).
  visit(root.id, 0, 0, -1);
  if (!frames.length) frames.push({ id: root.id, name: displayName(root.callFrame), url: '', line: 0, column: 0, depth: 0, start: 0, total: 0, self: 0, parent: -1 });

  const functions = [...fns.values()].filter((f) => f.total > 0 || f.self > 0);
  return { duration: total.get(root.id) ?? 0, pseudo, pseudoShown: showPseudo, sampleCount, functions, frames, maxDepth };
}
