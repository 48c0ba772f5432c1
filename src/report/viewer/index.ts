// Browser entry of the report viewer, bundled to dist/report/viewer.js as the global
// `HeapscopeViewer` (self-contained HTML reports inline it; the dashboard serves it).
import './viewer.css';
import type { HeapReport } from '../../diagnosis/index.js';
import { mountCpuProfile } from './cpu/view.js';
import type { CpuProfile } from './cpu/model.js';
import { mountReport } from './report.js';

export { mountReport, type ReportOptions, type ReportHandle } from './report.js';
export { mountCpuProfile, type CpuViewHandle } from './cpu/view.js';
export { buildCpuModel, type CpuProfile, type CpuModel, type FlameFrame } from './cpu/model.js';
export { mountFlameGraph } from './cpu/flame.js';
export { mountLeakGraph, buildGraphModel, graphNodePosition } from './leak-graph.js';
export { createTable } from './table.js';
export { referenceList } from './reference.js';
export { getChart, echarts, type ECharts } from './charts.js';
export { formatBytes, formatDeltaBytes } from './format.js';
export { h, append } from './dom.js';
export { httpSource, subsetSource, type ExploreSource } from './explore-source.js';

/** Payload the HTML files embed in `<script type="application/json" id="heapscope-data">`. */
export interface EmbeddedPayload {
  kind: 'heap' | 'cpu';
  title?: string;
  data: unknown;
}

/** Mount the embedded payload into `#heapscope-root` (what the self-contained HTML files call). */
export function boot(): unknown {
  const data = document.getElementById('heapscope-data');
  const host = document.getElementById('heapscope-root');
  if (!data || !host) return undefined;
  try {
    const p = JSON.parse(data.textContent ?? '') as EmbeddedPayload;
    const handle = p.kind === 'cpu' ? mountCpuProfile(host, p.data as CpuProfile, { title: p.title }) : mountReport(host, p.data as HeapReport, { title: p.title });
    (window as unknown as { heapscope?: unknown }).heapscope = handle;
    return handle;
  } catch (err) {
    console.error(err);
    host.className = 'hs-error';
    host.textContent = `Could not show this report: ${err instanceof Error ? err.message : String(err)}`;
    return undefined;
  }
}
