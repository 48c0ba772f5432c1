// Reverse CSR of the edge list: for each node, which edges (and from which nodes) point at it.
// Two passes over the edges, no per-node allocation (as DevTools' buildRetainers).
export function buildRetainers(nodeCount: number, firstEdge: Uint32Array, edgeTo: Uint32Array) {
  const edgeCount = edgeTo.length;
  const firstRetainer = new Uint32Array(nodeCount + 1);
  const retainerNode = new Uint32Array(edgeCount);
  const retainerEdge = new Uint32Array(edgeCount);
  for (let e = 0; e < edgeCount; e++) firstRetainer[edgeTo[e] + 1]++;
  for (let i = 0; i < nodeCount; i++) firstRetainer[i + 1] += firstRetainer[i];
  // Fill using a moving cursor per target; retainers end up ordered by source node, like DevTools.
  const cursor = firstRetainer.slice(0, nodeCount);
  for (let src = 0; src < nodeCount; src++) {
    const end = firstEdge[src + 1];
    for (let e = firstEdge[src]; e < end; e++) {
      const slot = cursor[edgeTo[e]]++;
      retainerNode[slot] = src;
      retainerEdge[slot] = e;
    }
  }
  return { firstRetainer, retainerNode, retainerEdge };
}
