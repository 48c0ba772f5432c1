// Retainer paths: the shortest chain of non-weak references from the root to a node, found by a
// BFS backwards over the retainer index (stops as soon as the root is met).
import type { HeapAnalysis, PathStep } from '../types.js';
import { edgeName } from '../graph.js';
import { nodeDisplayName, nodeTypeName } from './nodes.js';
import { NO_DISTANCE, BASE_SYSTEM_DISTANCE } from '../passes/index.js';
import { retainerEdge } from '../passes/index.js';

export function retainerPath(a: HeapAnalysis, target: number): PathStep[] {
  const g = a.graph;
  if (target < 0 || target >= g.nodeCount) return [];
  const edges = pathByDistance(a, target) ?? pathByBfs(a, target);
  if (!edges) return [{ node: target, edgeName: '', edgeType: '' }];
  const steps: PathStep[] = [{ node: 0, edgeName: '', edgeType: '' }];
  for (let i = edges.length - 1; i >= 0; i--) {
    const e = edges[i];
    steps.push({ node: g.edgeTo[e], edgeName: edgeName(g, e), edgeType: g.edgeTypeNames[g.edgeType[e]] });
  }
  return steps;
}

/**
 * Follows distances downhill: each hop takes a non-weak retainer one step closer to the roots, so
 * the path is a shortest one and goes through user roots (the global object) when the node is
 * reachable from them, as DevTools' Retainers view does. Returns the edges, target's first.
 */
function pathByDistance(a: HeapAnalysis, target: number): number[] | null {
  const g = a.graph;
  const { firstRetainer, retainerNode, edgeType, types } = g;
  const dist = a.distance;
  if (dist[target] === NO_DISTANCE) return null;
  const edges: number[] = [];
  let n = target;
  while (n !== 0) {
    const want = dist[n] - 1;
    let pick = -1;
    let from = -1;
    for (let k = firstRetainer[n]; k < firstRetainer[n + 1]; k++) {
      const r = retainerNode[k];
      if (dist[r] !== want && !(r === 0 && (dist[n] === 1 || dist[n] === BASE_SYSTEM_DISTANCE + 1))) continue;
      const e = retainerEdge(g, n, k);
      if (edgeType[e] === types.edgeWeak) continue;
      pick = e;
      from = r;
      if (r === 0 || edgeType[e] !== types.edgeShortcut) break;
    }
    if (pick < 0 || edges.length > 10000) return null;
    edges.push(pick);
    n = from;
  }
  return edges;
}

/** Backward BFS over non-weak retainers, for nodes without a distance. */
function pathByBfs(a: HeapAnalysis, target: number): number[] | null {
  const g = a.graph;
  const { nodeCount, firstRetainer, retainerNode, edgeType, types } = g;
  // via[n] = 1 + the edge from n through which n reaches the target
  const via = new Uint32Array(nodeCount);
  const queue = new Uint32Array(nodeCount);
  let head = 0;
  let tail = 0;
  queue[tail++] = target;
  via[target] = 0xffffffff;
  while (head < tail) {
    const n = queue[head++];
    for (let k = firstRetainer[n]; k < firstRetainer[n + 1]; k++) {
      const r = retainerNode[k];
      if (via[r] !== 0) continue;
      const e = retainerEdge(g, n, k);
      if (edgeType[e] === types.edgeWeak) continue;
      via[r] = e + 1;
      if (r === 0) {
        const edges: number[] = [];
        let x = 0;
        while (x !== target) {
          const edge = via[x] - 1;
          edges.push(edge);
          x = g.edgeTo[edge];
        }
        return edges.reverse();
      }
      queue[tail++] = r;
    }
  }
  return null;
}

/** One hop as the seed writes it: `[object] (Route::@122187)`. */
export function formatNode(a: HeapAnalysis, node: number): string {
  const g = a.graph;
  let name = nodeDisplayName(g, node);
  if (name.length > 80) name = name.slice(0, 77) + '...';
  return `[${nodeTypeName(g, node)}] (${name}::@${g.nodeId[node]})`;
}

/** Edge label as the seed writes it: property names bare, elements as `[0]`. */
export function formatEdge(type: string, name: string): string {
  return type === 'element' || type === 'hidden' ? `[${name}]` : name;
}

/** `[type] (name::@id) ' edge\n---> [type] (name::@id) ...`, skipping the synthetic root. */
export function formatPath(a: HeapAnalysis, steps: PathStep[]): string {
  const lines: string[] = [];
  const s = steps.length > 1 && steps[0].node === 0 ? steps.slice(1) : steps;
  for (let i = 0; i < s.length; i++) {
    const next = s[i + 1];
    const edge = next ? ` ' ${formatEdge(next.edgeType, next.edgeName)}` : '';
    lines.push(`${i === 0 ? '' : '---> '}${formatNode(a, s[i].node)}${edge}`);
  }
  return lines.join('\n');
}
