// The process page's live charts: memory, CPU and event loop, heap spaces, garbage collection
// (pause and count per kind), and the leak detector's input.
import { echarts, h, type ECharts } from '../../../report/viewer/index.js';
import type { GcKind } from '../../../protocol/index.js';
import type { Sample } from '../../messages.js';
import { formatBytes, seconds } from '../format.js';
import { live } from '../state.js';
import { drawDetector } from './findings.js';

type Charts = Record<'mem' | 'cpu' | 'spaces' | 'gcPause' | 'gcCount' | 'det', ECharts>;
let charts: Charts | undefined;

const GC_KINDS: readonly GcKind[] = ['minor', 'major', 'incremental', 'weakcb', 'other'];
const GC_LABEL: Record<GcKind, string> = { minor: 'minor', major: 'major', incremental: 'incremental', weakcb: 'weak callbacks', other: 'other' };
const GC_COLOR: Record<GcKind, string> = { minor: '#60a5fa', major: '#dc2626', incremental: '#f59e0b', weakcb: '#8b5cf6', other: '#94a3b8' };
const pauseText = (ms: number): string => (ms < 10 ? `${ms.toFixed(1)} ms` : seconds(ms));

/** GC bars per chart: samples are summed into at most this many time buckets. */
const GC_BARS = 90;

/** Draws into the process page's chart boxes (call after they are in the document). */
export function mountCharts(): void {
  disposeCharts();
  const init = (id: string): ECharts => echarts.init(document.getElementById(id)!);
  charts = { mem: init('chart-mem'), cpu: init('chart-cpu'), spaces: init('chart-spaces'), gcPause: init('chart-gc-pause'), gcCount: init('chart-gc-count'), det: init('chart-det') };
}

export function disposeCharts(): void {
  if (!charts) return;
  for (const c of Object.values(charts)) c.dispose();
  charts = undefined;
}

export function resizeCharts(): void {
  if (charts) for (const c of Object.values(charts)) c.resize();
}

let drawPending = false;
/** Redraws on the next frame (samples arrive every second per process; one draw per frame). */
export function drawCharts(): void {
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(() => {
    drawPending = false;
    if (charts) draw(charts, live.samples);
  });
}

const timeAxis = { type: 'time', splitNumber: 4, axisLabel: { hideOverlap: true, formatter: '{HH}:{mm}:{ss}' } };
const base = { animation: false, tooltip: { trigger: 'axis' }, legend: { top: 0, type: 'scroll' }, grid: { left: 60, right: 50, top: 30, bottom: 24 }, xAxis: timeAxis };
const bytesAxis = { type: 'value', axisLabel: { formatter: (v: number) => formatBytes(v) } };

function draw(c: Charts, samples: Sample[]): void {
  const line = (name: string, pick: (s: Sample) => number, yAxisIndex = 0) => ({ name, type: 'line', showSymbol: false, yAxisIndex, data: samples.map((s) => [s.t, pick(s)]) });
  c.mem.setOption({
    ...base,
    tooltip: { trigger: 'axis', valueFormatter: (v: number) => formatBytes(v) },
    yAxis: bytesAxis,
    series: [line('rss', (s) => s.rss), line('heapTotal', (s) => s.heapTotal), line('heapUsed', (s) => s.heapUsed), line('external', (s) => s.external)],
  });
  c.cpu.setOption({
    ...base,
    yAxis: [
      { type: 'value', name: 'CPU %', min: 0 },
      { type: 'value', name: 'delay ms', min: 0 },
    ],
    series: [line('CPU %', (s) => +s.cpu.toFixed(2)), line('loop p50 ms', (s) => s.elP50, 1), line('loop p99 ms', (s) => s.elP99, 1)],
  });
  drawSpaces(c.spaces, samples);
  drawGc(c.gcPause, c.gcCount, samples);
  drawDetector(c.det, samples, document.getElementById('det-reason'));
}

/** A space whose peak stays under this share of the heap is drawn inside "other". */
const SMALL_SPACE = 0.03;

/** Used bytes per V8 heap space, stacked (their sum is heap used), biggest first; small ones as "other". */
function drawSpaces(chart: ECharts, samples: Sample[]): void {
  const peak = new Map<string, number>();
  let top = 0;
  for (const s of samples) {
    let sum = 0;
    for (const [name, used] of Object.entries(s.spaces ?? {})) {
      peak.set(name, Math.max(peak.get(name) ?? 0, used));
      sum += used;
    }
    top = Math.max(top, sum);
  }
  const names = [...peak.keys()].sort((a, b) => peak.get(b)! - peak.get(a)!);
  const shown = names.filter((n) => peak.get(n)! >= top * SMALL_SPACE);
  const small = names.filter((n) => !shown.includes(n));
  chart.getDom().setAttribute('data-spaces', names.join(' '));
  const series = shown.map((name) => ({ name: name.replace(/_space$/, ''), pick: (s: Sample) => s.spaces?.[name] ?? 0 }));
  if (small.length) series.push({ name: 'other', pick: (s) => small.reduce((n, k) => n + (s.spaces?.[k] ?? 0), 0) });
  chart.setOption(
    {
      ...base,
      tooltip: { trigger: 'axis', valueFormatter: (v: number) => formatBytes(v) },
      yAxis: bytesAxis,
      series: series.map(({ name, pick }) => ({
        name,
        type: 'line',
        stack: 'spaces',
        areaStyle: {},
        showSymbol: false,
        lineStyle: { width: 1 },
        data: samples.map((s) => [s.t, pick(s)]),
      })),
    },
    { notMerge: true },
  );
}

/** GC per kind: pause time (stacked bars) and count, samples summed into time buckets; totals below. */
function drawGc(pauseChart: ECharts, countChart: ECharts, samples: Sample[]): void {
  const first = samples[0]?.t ?? 0;
  const span = samples.length > 1 ? samples[samples.length - 1]!.t - first : 0;
  const width = Math.max(1000, Math.ceil(span / GC_BARS));
  const buckets = new Map<number, Partial<Record<GcKind, { count: number; pauseMs: number }>>>();
  const totals: Partial<Record<GcKind, { count: number; pauseMs: number }>> = {};
  for (const s of samples) {
    const at = first + Math.floor((s.t - first) / width) * width;
    const b = buckets.get(at) ?? {};
    buckets.set(at, b);
    for (const kind of GC_KINDS) {
      const g = s.gc?.[kind];
      if (!g) continue;
      const into = (b[kind] ??= { count: 0, pauseMs: 0 });
      into.count += g.count;
      into.pauseMs += g.pauseMs;
      const all = (totals[kind] ??= { count: 0, pauseMs: 0 });
      all.count += g.count;
      all.pauseMs += g.pauseMs;
    }
  }
  const kinds = GC_KINDS.filter((k) => totals[k]);
  const series = (pick: 'count' | 'pauseMs') =>
    kinds.map((kind) => ({
      name: GC_LABEL[kind],
      type: 'bar',
      stack: pick,
      barMaxWidth: 12,
      itemStyle: { color: GC_COLOR[kind] },
      data: [...buckets].map(([t, b]) => [t + width / 2, +(b[kind]?.[pick] ?? 0).toFixed(pick === 'count' ? 0 : 2)]),
    }));
  // The summary below is the legend (same colours); the captions say what a bar covers.
  const gc = { ...base, legend: { show: false }, grid: { left: 44, right: 10, top: 10, bottom: 24 } };
  pauseChart.setOption({ ...gc, tooltip: { trigger: 'axis', valueFormatter: (v: number) => `${v} ms` }, yAxis: { type: 'value', min: 0 }, series: series('pauseMs') }, { notMerge: true });
  countChart.setOption({ ...gc, yAxis: { type: 'value', min: 0, minInterval: 1 }, series: series('count') }, { notMerge: true });
  const per = width > 1000 ? `per ${seconds(width)}` : 'per second';
  const caption = (id: string, text: string): void => void (document.getElementById(id)!.textContent = text);
  caption('gc-pause-caption', `Pause, ms ${per}`);
  caption('gc-count-caption', `Collections ${per}`);
  const summary = document.getElementById('gc-summary');
  if (!summary) return;
  summary.setAttribute('data-kinds', kinds.join(' '));
  summary.replaceChildren(
    ...(kinds.length
      ? kinds.map((k) => h('span', { class: 'gc-kind', 'data-kind': k, 'data-count': String(totals[k]!.count), 'data-pause-ms': totals[k]!.pauseMs.toFixed(2) }, h('i', { style: `background:${GC_COLOR[k]}` }), `${GC_LABEL[k]}: ${totals[k]!.count} GCs, ${pauseText(totals[k]!.pauseMs)} paused`))
      : [h('span', { class: 'muted' }, 'No garbage collection reported in this window.')]),
  );
}
