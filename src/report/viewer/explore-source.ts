// Where the drill-down view gets its rows: the dashboard's server (any object of the snapshot), or
// the bounded subset an offline HTML report carries (exploreSubset in engine/query/explore.ts).
import type { ExploreEdge, ExploreNode, ExploreSubset, Page } from '../../engine/index.js';

export type { ExploreEdge, ExploreNode, ExploreSubset, Page };

/** One object found by id, with its first retainers and references and its path from the roots. */
export interface FoundNode {
  node: ExploreNode;
  retainers: Page<ExploreEdge>;
  edges: Page<ExploreEdge>;
  path: ExploreEdge[];
}

export interface ExploreSource {
  instances(className: string, offset: number, limit: number): Promise<Page<ExploreNode>>;
  retainers(id: number, offset: number, limit: number): Promise<Page<ExploreEdge>>;
  edges(id: number, offset: number, limit: number): Promise<Page<ExploreEdge>>;
  /** The GC roots' level of Containment (the synthetic root's references). */
  roots(offset: number, limit: number): Promise<Page<ExploreEdge>>;
  node(id: number): Promise<FoundNode>;
  /** Set for a file's subset: lists may be cut short, and only some objects are in. */
  offline?: boolean;
}

class NotInSubset extends Error {}

const MISSING = 'not in this offline report: open the snapshot in the heapscope dashboard (or DevTools) for every object';

/** A source over an offline report's subset: only what it carries, never more than its first page. */
export function subsetSource(s: ExploreSubset): ExploreSource {
  const cut = <T>(p: Page<T> | undefined, offset: number): Promise<Page<T>> => {
    if (!p) return Promise.reject(new NotInSubset(MISSING));
    return Promise.resolve(offset === 0 ? p : { total: p.total, offset, items: [] });
  };
  const nodes = new Map<number, ExploreNode>();
  for (const p of Object.values(s.classes)) for (const n of p.items) nodes.set(n.id, n);
  for (const p of [...Object.values(s.retainers), ...Object.values(s.edges), s.roots]) for (const e of p.items) nodes.set(e.node.id, e.node);
  return {
    offline: true,
    instances: (name, offset) => cut(s.classes[name], offset),
    retainers: (id, offset) => cut(s.retainers[id], offset),
    edges: (id, offset) => cut(s.edges[id], offset),
    roots: (offset) => cut(s.roots, offset),
    node: (id) => {
      const node = nodes.get(id);
      if (!node) return Promise.reject(new NotInSubset(`@${id} is ${MISSING}`));
      const empty = { total: 0, offset: 0, items: [] };
      return Promise.resolve({ node, retainers: s.retainers[id] ?? empty, edges: s.edges[id] ?? empty, path: [] });
    },
  };
}

/** A source asking a dashboard's explore routes (src/dashboard/explore/routes.ts) about report `reportId`. */
export function httpSource(reportId: string, get: <T>(path: string) => Promise<T>): ExploreSource {
  const base = `/api/reports/${encodeURIComponent(reportId)}/explore`;
  const page = (offset: number, limit: number): string => `offset=${offset}&limit=${limit}`;
  return {
    instances: (name, offset, limit) => get(`${base}/instances?class=${encodeURIComponent(name)}&${page(offset, limit)}`),
    retainers: (id, offset, limit) => get(`${base}/nodes/${id}/retainers?${page(offset, limit)}`),
    edges: (id, offset, limit) => get(`${base}/nodes/${id}/edges?${page(offset, limit)}`),
    roots: (offset, limit) => get(`${base}/roots?${page(offset, limit)}`),
    node: (id) => get(`${base}/nodes/${id}`),
  };
}
