// DevTools' propagateDOMState: embedder (native) objects carry a detachedness state; attached
// spreads to native children first, then detached to the rest, and detached native nodes are
// renamed "Detached <name>". Node's own embedder objects (BindingData, ModuleWrap, ...) use it too.
// Rewrites g.nodeName (and appends strings) exactly as DevTools does, so names and classes agree.
import type { HeapGraph } from '../graph.js';

const ATTACHED = 1;
const DETACHED = 2;

export function propagateDomState(g: HeapGraph): void {
  const det = g.detachedness;
  if (!det) return;
  const { nodeCount, nodeType, nodeName, firstEdge, edgeType, edgeTo, strings, types } = g;
  const native = types.nodeNative;
  const visited = new Uint8Array(nodeCount);
  const attached: number[] = [];
  const detached: number[] = [];
  const renamed = new Map<number, number>();
  const process = (n: number, state: number) => {
    if (visited[n]) return;
    visited[n] = 1;
    if (nodeType[n] !== native) return; // state does not travel through JavaScript objects
    det[n] = state;
    if (state === ATTACHED) attached.push(n);
    else if (state === DETACHED) {
      const old = nodeName[n];
      let s = renamed.get(old);
      if (s === undefined) {
        s = strings.push('Detached ' + strings.get(old)) - 1;
        renamed.set(old, s);
      }
      nodeName[n] = s;
      detached.push(n);
    }
  };
  const spread = (n: number, state: number) => {
    for (let e = firstEdge[n]; e < firstEdge[n + 1]; e++) {
      const t = edgeType[e];
      if (t === types.edgeHidden || t === types.edgeWeak) continue;
      process(edgeTo[e], state);
    }
  };
  for (let n = 0; n < nodeCount; n++) {
    const s = det[n] & 3;
    if (s !== 0) process(n, s);
  }
  while (attached.length) spread(attached.pop()!, ATTACHED);
  while (detached.length) {
    const n = detached.pop()!;
    if ((det[n] & 3) === ATTACHED) continue;
    spread(n, DETACHED);
  }
}
