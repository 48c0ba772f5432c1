// mountReport: compose the heap report sections into a host element.
import type { ChainNode, HeapReport } from '../../diagnosis/index.js';
import { fitChart, type ECharts } from './charts.js';
import { renderComparison, renderGrowth } from './comparison.js';
import { h } from './dom.js';
import { renderHeapStatus } from './heap-status.js';
import type { LeakGraphHandle } from './leak-graph.js';
import { renderMemoryLeak } from './memory-leak.js';
import { renderSummary } from './summary.js';
import type { TableHandle } from './table.js';
import type { ClassSummary } from '../../engine/index.js';
import { renderExplorer, type ExplorerHandle } from './explore.js';
import { subsetSource, type ExploreSource, type ExploreSubset } from './explore-source.js';

export interface ReportOptions {
  /** Heading; defaults to "Heap report". */
  title?: string;
  /** Hide the header (the dashboard has its own). */
  header?: boolean;
  /** Retainer path of any object id (the dashboard asks its server; files use the suspect's path). */
  retainers?: (id: number) => Promise<ChainNode[] | string[]>;
  /** Sections to show, in order; default all that have data. */
  sections?: Array<'heap-status' | 'memory-leak' | 'summary' | 'comparison' | 'growth' | 'explore'>;
  /** Drill-down rows (the dashboard's server); default: the subset an offline report carries. */
  explore?: ExploreSource;
}

export interface ReportHandle {
  el: HTMLElement;
  graphs: LeakGraphHandle[];
  charts: ECharts[];
  summary?: TableHandle<ClassSummary>;
  /** The drill-down view, when the report can drill down. */
  explorer?: ExplorerHandle;
  destroy(): void;
}

const SECTION_TITLES: Record<string, string> = {
  'heap-status': 'Heap Status',
  'memory-leak': 'Memory Leak',
  summary: 'Summary',
  comparison: 'Comparison',
  growth: 'Growth',
  explore: 'Explore',
};

export function mountReport(el: HTMLElement, report: HeapReport, opts: ReportOptions = {}): ReportHandle {
  checkReport(report);
  const want = opts.sections ?? ['heap-status', 'memory-leak', 'summary', 'comparison', 'growth', 'explore'];
  // drill-down: rows of Summary and Comparison open their class in the Explore section
  const subset = (report as HeapReport & { explore?: ExploreSubset }).explore;
  const source = opts.explore ?? (subset ? subsetSource(subset) : undefined);
  const explorer = source && want.includes('explore') ? renderExplorer(source) : undefined;
  const open = explorer ? (r: { name: string }) => void explorer.showClass(r.name) : undefined;
  const root = h('div', { class: 'hs-viewer hs-report' });
  const disposers: (() => void)[] = [];
  const handle: ReportHandle = { el: root, graphs: [], charts: [], destroy: () => (disposers.forEach((d) => d()), root.remove()) };
  const parts: HTMLElement[] = [];
  for (const id of want) {
    if (id === 'heap-status') {
      const s = renderHeapStatus(report);
      handle.charts.push(...s.charts);
      disposers.push(s.dispose);
      parts.push(s.el);
    } else if (id === 'memory-leak') {
      const m = renderMemoryLeak(report.suspects ?? [], { retainers: opts.retainers });
      handle.graphs.push(...m.graphs);
      disposers.push(m.dispose);
      parts.push(m.el);
    } else if (id === 'summary' && report.classes) {
      const s = renderSummary(report.classes, report.statistics?.total ?? report.snapshot.totalSize, open);
      handle.summary = s.table;
      parts.push(s.el);
    } else if (id === 'comparison' && report.comparison) {
      parts.push(renderComparison(report.comparison, report.snapshots, open).el);
    } else if (id === 'growth' && report.growth) {
      parts.push(renderGrowth(report.growth, report.idReset));
    } else if (id === 'explore' && explorer) {
      handle.explorer = explorer;
      parts.push(explorer.el);
    }
  }
  if (opts.header !== false) {
    const nav = h('nav', { class: 'hs-nav' }, ...parts.map((p) => h('button', { type: 'button', class: 'hs-navlink', onclick: () => p.scrollIntoView({ behavior: 'smooth', block: 'start' }) }, SECTION_TITLES[p.dataset.section ?? ''] ?? '')));
    const title = opts.title ?? 'Heap report';
    const sub = report.kind === 'diff' ? `comparison of ${report.snapshots?.length ?? 2} snapshots` : report.snapshot.file ?? 'heap snapshot';
    // a title that already says what the subtitle would ("Comparison of 2 snapshots") stands alone
    const echo = title.toLowerCase().includes(sub.toLowerCase());
    root.append(h('header', { class: 'hs-header' }, h('h1', null, title), echo ? null : h('span', { class: 'hs-muted' }, sub), h('span', { class: 'hs-spacer-x' }), nav));
  }
  root.append(...parts);
  el.replaceChildren(root);
  // Charts were initialised before the root was attached: size them now that it has a layout.
  for (const c of handle.charts) fitChart(c);
  for (const g of handle.graphs) g.fit();
  return handle;
}

/** Comparison and growth alone (the dashboard's "compare two snapshots" page). */
function checkReport(r: HeapReport): void {
  if (!r || typeof r !== 'object' || !r.snapshot || !Array.isArray(r.suspects)) {
    throw new Error('Not a heapscope report: expected the JSON of `heapscope analyze --json` (with "snapshot" and "suspects").');
  }
}
