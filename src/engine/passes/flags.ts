// DevTools' "page object" flag: everything reachable (through non-weak edges) from the root's
// shortcut edges (the user's global objects) and from "(Document DOM trees)". Dominators ignore
// edges from non-page objects into page objects, so debugger/engine references don't steal them.
import type { HeapGraph } from '../graph.js';

export const PAGE_OBJECT = 4;

/** The graph arrays the pass reads: all typed arrays, so a worker can share them. */
export type FlagsGraph = Pick<HeapGraph, 'nodeCount' | 'firstEdge' | 'edgeType' | 'edgeTo' | 'nodeType' | 'nodeName' | 'types'>;

export function computeFlags(g: HeapGraph): Uint8Array {
  return computeFlagsInto(g, g.strings.indexOf('(Document DOM trees)'), new Uint8Array(g.nodeCount));
}

/**
 * `domTrees`: string index of "(Document DOM trees)" or -1; `flags` is zeroed, then filled.
 * `scratch`: optional memory for the stack (nodeCount words).
 */
export function computeFlagsInto(g: FlagsGraph, domTrees: number, flags: Uint8Array, scratch?: Uint32Array): Uint8Array {
  const { nodeCount, firstEdge, edgeType, edgeTo, types } = g;
  flags.fill(0);
  const stack = scratch && scratch.length >= nodeCount ? scratch : new Uint32Array(nodeCount);
  let sp = 0;
  for (let e = firstEdge[0]; e < firstEdge[1]; e++) {
    const t = edgeType[e];
    const to = edgeTo[e];
    if (t === types.edgeElement) {
      if (!(g.nodeType[to] === types.nodeSynthetic && g.nodeName[to] === domTrees && domTrees >= 0)) continue;
    } else if (t !== types.edgeShortcut) continue;
    stack[sp++] = to;
    flags[to] |= PAGE_OBJECT;
  }
  const weak = types.edgeWeak;
  while (sp > 0) {
    const n = stack[--sp];
    const end = firstEdge[n + 1];
    for (let e = firstEdge[n]; e < end; e++) {
      const c = edgeTo[e];
      if (flags[c] & PAGE_OBJECT) continue;
      if (edgeType[e] === weak) continue;
      stack[sp++] = c;
      flags[c] |= PAGE_OBJECT;
    }
  }
  return flags;
}
