// Force graph of one suspect's leak chain and dominator subtree (the seed's "引力图"):
// suspect and chain nodes blue, other objects purple, the chain root drawn largest, node size by
// retained size; clicking a node expands/collapses its children, hovering shows its Reference List.
import type { ChainNode, Suspect, TreeNode } from '../../diagnosis/index.js';
import { fitChart, initChart, type ECharts } from './charts.js';
import { formatBytes } from './format.js';
import { edgeLabel, referenceList } from './reference.js';

export const COLORS = { suspect: '#1d4ed8', chain: '#3b82f6', normal: '#a855f7' };

export interface GraphNode {
  key: string;
  data: ChainNode;
  parent: GraphNode | null;
  children: GraphNode[];
  /** Children the heap has beyond those in the report (TreeNode.childCount). */
  childCount: number;
  onChain: boolean;
}

/** The suspect's tree with its chain merged in (a chain hop missing from the tree hangs under the previous hop). */
export function buildGraphModel(s: Suspect): { root: GraphNode; byKey: Map<string, GraphNode> } {
  const byKey = new Map<string, GraphNode>();
  const add = (data: ChainNode, parent: GraphNode | null, childCount: number): GraphNode => {
    const n: GraphNode = { key: String(data.id), data, parent, children: [], childCount, onChain: false };
    byKey.set(n.key, n);
    parent?.children.push(n);
    return n;
  };
  const walk = (t: TreeNode, parent: GraphNode | null): GraphNode => {
    const n = add(t, parent, t.childCount ?? t.children?.length ?? 0);
    for (const c of t.children ?? []) if (!byKey.has(String(c.id))) walk(c, n);
    return n;
  };
  const rootData = s.tree ?? s.chain[0] ?? { id: s.id, type: s.type, name: s.name, selfSize: s.selfSize, retainedSize: s.retainedSize, edge: '', edgeType: '', isSuspect: true };
  const root = 'children' in rootData ? walk(rootData as TreeNode, null) : add(rootData, null, 0);
  root.onChain = true;
  let prev = root;
  for (const hop of s.chain ?? []) {
    if (String(hop.id) === root.key) continue;
    const n = byKey.get(String(hop.id)) ?? add(hop, prev, 0);
    n.onChain = true;
    prev = n;
  }
  return { root, byKey };
}

/** Root-to-node path. */
function pathTo(n: GraphNode): GraphNode[] {
  const path: GraphNode[] = [];
  for (let c: GraphNode | null = n; c; c = c.parent) path.push(c);
  return path.reverse();
}

export interface LeakGraphOptions {
  /** Called when a node is hovered (its reference list from the chain root). */
  onHover?: (node: GraphNode, lines: string[]) => void;
  /** Called when a node is clicked (after expand/collapse). */
  onSelect?: (node: GraphNode, lines: string[]) => void;
}

export interface LeakGraphHandle {
  chart: ECharts;
  model: { root: GraphNode; byKey: Map<string, GraphNode> };
  /** Toggle a node's children; returns the new visible node count. */
  toggle(key: string): number;
  visibleCount(): number;
  /** Resize to the element and zoom so every node is in view. */
  fit(): void;
  dispose(): void;
}

export function mountLeakGraph(el: HTMLElement, suspect: Suspect, opts: LeakGraphOptions = {}): LeakGraphHandle {
  const model = buildGraphModel(suspect);
  const { root, byKey } = model;
  const expanded = new Set<GraphNode>();
  // Open the chain so the leak path is visible at once; the rest is a click away.
  for (const n of byKey.values()) if (n.onChain && n.children.length && n.children.some((c) => c.onChain)) expanded.add(n);
  expanded.add(root);

  const rootSize = Math.max(root.data.retainedSize, 1);
  const chart = initChart(el, { width: 1000, height: 440 });

  function visible(): GraphNode[] {
    const out: GraphNode[] = [];
    const stack = [root];
    while (stack.length) {
      const n = stack.pop()!;
      out.push(n);
      if (expanded.has(n)) for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
    }
    return out;
  }

  function render() {
    const nodes = visible();
    el.dataset.nodeCount = String(nodes.length);
    chart.setOption({
      tooltip: {
        confine: true,
        formatter: (p: { dataType?: string; data?: { id?: string; value?: string } }) => {
          if (p.dataType === 'edge') return escapeHtml(String(p.data?.value ?? ''));
          const n = byKey.get(String(p.data?.id));
          if (!n) return '';
          const d = n.data;
          const loc = d.location ? `<br>${escapeHtml(`${d.location.script ?? `script ${d.location.scriptId}`}:${d.location.line}`)}` : '';
          const more = n.children.length ? `<br><i>${expanded.has(n) ? 'click to collapse' : `click to expand ${n.children.length} children`}</i>` : '';
          return `<b>${escapeHtml(d.name)}</b> [${escapeHtml(d.type)}] @${d.id}<br>retained ${formatBytes(d.retainedSize)} · self ${formatBytes(d.selfSize)}${loc}${more}`;
        },
      },
      series: [
        {
          type: 'graph',
          layout: 'force',
          // A settled layout (no animation) keeps nodes where the user expects to click them.
          force: { repulsion: 160, edgeLength: [40, 110], gravity: 0.08, layoutAnimation: false, friction: 0.2 },
          roam: true,
          draggable: true,
          animation: false,
          edgeSymbol: ['none', 'arrow'],
          edgeSymbolSize: 6,
          lineStyle: { color: '#94a3b8', width: 1.2, opacity: 0.9 },
          emphasis: { focus: 'adjacency', lineStyle: { width: 2.5 } },
          // Labels run right of their node and may lie over a neighbour: silent labels let the
          // pointer reach the node underneath, so hover and click always mean the node drawn there.
          label: { position: 'right', fontSize: 11, color: '#1e293b', silent: true },
          edgeLabel: { show: false, fontSize: 10, color: '#475569', formatter: (p: { data?: { value?: string } }) => String(p.data?.value ?? '') },
          data: nodes.map((n) => {
            const isRoot = n === root;
            const size = isRoot ? 58 : 12 + 34 * Math.sqrt(Math.min(1, n.data.retainedSize / rootSize));
            const collapsed = n.children.length > 0 && !expanded.has(n);
            return {
              id: n.key,
              name: truncate(n.data.name || `(${n.data.type})`, 28),
              value: n.data.retainedSize,
              symbolSize: size,
              itemStyle: {
                color: n.data.isSuspect || isRoot ? COLORS.suspect : n.onChain ? COLORS.chain : COLORS.normal,
                borderColor: collapsed ? '#0f172a' : '#fff',
                borderWidth: collapsed ? 2 : 1,
                borderType: collapsed ? 'dashed' : 'solid',
              },
              label: { show: isRoot || n.onChain },
            };
          }),
          links: nodes.filter((n) => n.parent).map((n) => ({ source: n.parent!.key, target: n.key, value: edgeText(n) })),
        },
      ],
    });
  }

  // Force layouts do not fit themselves to the canvas: centre and zoom onto the settled nodes.
  function fitView() {
    const data = seriesData(chart);
    if (!data || !data.count()) return;
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (let i = 0; i < data.count(); i++) {
      const p = data.getItemLayout(i);
      if (!p) continue;
      x0 = Math.min(x0, p[0]); x1 = Math.max(x1, p[0]);
      y0 = Math.min(y0, p[1]); y1 = Math.max(y1, p[1]);
    }
    if (!Number.isFinite(x0)) return;
    const w = chart.getWidth() || 1000;
    const hgt = chart.getHeight() || 440;
    // Leave room for the largest symbol and the labels on the right.
    const zoom = Math.min(1.6, (w - 200) / Math.max(x1 - x0, 1), (hgt - 80) / Math.max(y1 - y0, 1));
    chart.setOption({ series: [{ center: [(x0 + x1) / 2 + 40 / zoom, (y0 + y1) / 2], zoom: Math.max(0.2, zoom) }] });
  }

  function linesFor(n: GraphNode): string[] {
    return referenceList(pathTo(n).map((g) => g.data));
  }

  chart.on('click', (p) => {
    if (p.dataType !== 'node') return;
    const n = byKey.get(String((p.data as { id?: string })?.id));
    if (!n) return;
    handle.toggle(n.key);
    opts.onSelect?.(n, linesFor(n));
  });
  chart.on('mouseover', (p) => {
    if (p.dataType !== 'node') return;
    const n = byKey.get(String((p.data as { id?: string })?.id));
    if (n) opts.onHover?.(n, linesFor(n));
  });

  const handle: LeakGraphHandle = {
    chart,
    model,
    toggle(key) {
      const n = byKey.get(key);
      if (n && n.children.length) {
        if (expanded.has(n)) expanded.delete(n);
        else expanded.add(n);
        render();
        fitView();
      }
      return visible().length;
    },
    visibleCount: () => visible().length,
    fit() {
      fitChart(chart);
      fitView();
    },
    dispose: () => chart.dispose(),
  };
  render();
  fitView();
  return handle;
}

function edgeText(n: GraphNode): string {
  return edgeLabel(n.data.edge, n.data.edgeType);
}

function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * Screen position (relative to the chart's DOM element) of a drawn graph node, so tests and the
 * dashboard can point at it. Returns null when the node is not drawn.
 */
export function graphNodePosition(chart: ECharts, key: string): { x: number; y: number } | null {
  const data = seriesData(chart);
  if (!data) return null;
  for (let i = 0; i < data.count(); i++) {
    if (data.getId(i) !== key) continue;
    const el = data.getItemGraphicEl(i);
    if (!el) return null;
    const [x, y] = el.transformCoordToGlobal(0, 0);
    return { x, y };
  }
  return null;
}

function seriesData(chart: ECharts): SeriesData | undefined {
  // ECharts exposes no public "where is node X" query; its series data is the stable way in.
  const model = (chart as unknown as { getModel(): { getSeriesByIndex(i: number): { getData(): SeriesData } | undefined } | undefined }).getModel();
  return model?.getSeriesByIndex(0)?.getData();
}

interface SeriesData {
  count(): number;
  getItemLayout(i: number): number[] | undefined;
  getId(i: number): string;
  getItemGraphicEl(i: number): { transformCoordToGlobal(x: number, y: number): number[] } | undefined;
}
