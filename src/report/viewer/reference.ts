// The seed's Reference List notation: `[object] (Route::@122187) ' stack` then `---> [object] ...`.
import type { ChainNode } from '../../diagnosis/index.js';

/** An edge name as DevTools prints it: element and hidden edges as `[0]`. */
export function edgeLabel(edge: string, edgeType: string): string {
  if (!edge) return '';
  if ((edgeType === 'element' || edgeType === 'hidden') && !edge.startsWith('[')) return `[${edge}]`;
  return edge;
}

/** `[type] (name::@id)` for one object. */
export function nodeLabel(n: Pick<ChainNode, 'type' | 'name' | 'id'>): string {
  return `[${n.type}] (${n.name}::@${n.id})`;
}

/**
 * One line per hop: each line names an object and the edge it follows to the next hop, as in
 * the seed. `nodes[i].edge` is the edge from nodes[i-1] to nodes[i].
 */
export function referenceList(nodes: readonly Pick<ChainNode, 'type' | 'name' | 'id' | 'edge' | 'edgeType'>[]): string[] {
  return nodes.map((n, i) => {
    const next = nodes[i + 1];
    const via = next ? edgeLabel(next.edge, next.edgeType) : '';
    return `${i ? '---> ' : ''}${nodeLabel(n)}${via ? ` ' ${via}` : ''}`;
  });
}

/** Join two reference lists where `a` ends at the object `b` starts with (the joint appears once). */
export function joinReferenceLists(a: readonly string[], b: readonly string[]): string[] {
  if (!a.length) return b.slice();
  if (!b.length) return a.slice();
  const head = a.slice(0, -1);
  const first = b[0].startsWith('---> ') ? b[0] : `---> ${b[0]}`;
  return [...head, head.length ? first : first.slice(5), ...b.slice(1)];
}
