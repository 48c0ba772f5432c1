// DevTools' "page object" flag: everything reachable (through non-weak edges) from the root's
// shortcut edges (the user's global objects) and from "(Document DOM trees)". Dominators ignore
// edges from non-page objects into page objects, so debugger/engine references don't steal them.
import type { HeapGraph } from '../graph.js';

export const PAGE_OBJECT = 4;

export function computeFlags(g: HeapGraph): Uint8Array {
  const { nodeCount, firstEdge, edgeType, edgeTo, types } = g;
  const flags = new Uint8Array(nodeCount);
  const stack = new Uint32Array(nodeCount);
  let sp = 0;
  const domTrees = g.strings.indexOf('(Document DOM trees)');
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
