// "Heap Status": object/edge counts, total size and DevTools' Statistics as a pie chart.
import type { Statistics } from '../../engine/index.js';
import type { HeapReport, SnapshotInfo } from '../../diagnosis/index.js';
import { fitChart, initChart, type ECharts } from './charts.js';
import { h, onResize, section } from './dom.js';
import { formatBytes, formatCount } from './format.js';

/** DevTools' Statistics categories; the "other" slices are what the named ones leave. */
function statisticsSlices(s: Statistics): { name: string; value: number }[] {
  const v = s.v8heap;
  const otherJs = Math.max(0, v.total - v.code - v.strings - v.jsArrays - v.system);
  const otherNative = Math.max(0, s.native.total - s.native.typedArrays);
  return [
    { name: 'Code', value: v.code },
    { name: 'Strings', value: v.strings },
    { name: 'JS arrays', value: v.jsArrays },
    { name: 'Typed arrays', value: s.native.typedArrays },
    { name: 'System objects', value: v.system },
    { name: 'Other JS objects', value: otherJs },
    { name: 'Other non-JS objects', value: otherNative },
  ];
}

const PALETTE = ['#f59e0b', '#10b981', '#3b82f6', '#ef4444', '#64748b', '#a855f7', '#14b8a6'];

export function renderHeapStatus(report: HeapReport): { el: HTMLElement; charts: ECharts[]; dispose(): void } {
  const snap = report.snapshot;
  const el = section('heap-status', 'Heap Status');
  const stats = h('div', { class: 'hs-stats' },
    stat('Total size', formatBytes(report.statistics?.total ?? snap.totalSize)),
    stat('Objects (nodes)', formatCount(snap.nodeCount)),
    stat('References (edges)', formatCount(snap.edgeCount)),
    stat('Classes', formatCount(report.classes?.length ?? 0)),
    stat((report.suspects?.length ?? 0) === 1 ? 'Suspect' : 'Suspects', formatCount(report.suspects?.length ?? 0)),
  );
  el.append(stats);
  if (snap.file) el.append(h('div', { class: 'hs-muted hs-file' }, `${snap.file} · ${new Date(report.generatedAt).toLocaleString()}`));
  const charts: ECharts[] = [];
  const cleanups: (() => void)[] = [];
  const row = h('div', { class: 'hs-chart-row' });
  el.append(row);
  if (report.statistics) {
    const slices = statisticsSlices(report.statistics);
    const chartEl = h('div', { class: 'hs-chart hs-stat-chart', 'data-chart': 'statistics' });
    const table = h('table', { class: 'hs-mini' },
      h('tbody', null, ...slices.map((sl, i) => h('tr', null, h('td', null, swatch(PALETTE[i]), sl.name), h('td', { class: 'hs-right' }, formatBytes(sl.value))))),
    );
    row.append(chartEl, table);
    const chart = initChart(chartEl, { width: 420, height: 260 });
    chart.setOption({
      color: PALETTE,
      tooltip: { trigger: 'item', formatter: (p: { name: string; value: number; percent: number }) => `${p.name}: ${formatBytes(p.value)} (${p.percent} %)` },
      series: [{ type: 'pie', radius: ['45%', '80%'], center: ['50%', '50%'], label: { show: false }, emphasis: { label: { show: true, formatter: '{d} %', fontSize: 14, fontWeight: 'bold' } }, data: slices.filter((s) => s.value > 0) }],
    });
    charts.push(chart);
    cleanups.push(onResize(chartEl, () => fitChart(chart)));
  }
  if (report.snapshots && report.snapshots.length > 1) {
    const chartEl = h('div', { class: 'hs-chart', 'data-chart': 'snapshots' });
    row.append(chartEl);
    const chart = initChart(chartEl, { width: 420, height: 260 });
    chart.setOption({
      tooltip: { trigger: 'axis', valueFormatter: (v: number) => formatBytes(v) },
      grid: { left: 70, right: 16, top: 30, bottom: 30 },
      xAxis: { type: 'category', data: report.snapshots.map((_s: SnapshotInfo, i) => `#${i + 1}`) },
      yAxis: { type: 'value', axisLabel: { formatter: (v: number) => formatBytes(v) } },
      series: [{ type: 'bar', name: 'Heap size', data: report.snapshots.map((s) => s.totalSize), itemStyle: { color: '#3b82f6' } }],
    });
    charts.push(chart);
    cleanups.push(onResize(chartEl, () => fitChart(chart)));
  }
  return { el, charts, dispose: () => (cleanups.forEach((f) => f()), charts.forEach((c) => c.dispose())) };
}

function stat(label: string, value: string): HTMLElement {
  return h('div', { class: 'hs-stat' }, h('div', { class: 'hs-stat-value' }, value), h('div', { class: 'hs-stat-label' }, label));
}

function swatch(color: string): HTMLElement {
  const s = h('span', { class: 'hs-dot' });
  s.style.background = color;
  return s;
}
