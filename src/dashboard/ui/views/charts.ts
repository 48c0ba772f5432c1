// The process page's live charts: memory, CPU and event loop, and the leak detector's input.
import { echarts, type ECharts } from '../../../report/viewer/index.js';
import type { Sample } from '../../messages.js';
import { formatBytes } from '../format.js';
import { live } from '../state.js';
import { drawDetector } from './findings.js';

let charts: { mem: ECharts; cpu: ECharts; det: ECharts } | undefined;

/** Draws into the process page's chart boxes (call after they are in the document). */
export function mountCharts(): void {
  disposeCharts();
  const box = (id: string): HTMLElement => document.getElementById(id)!;
  charts = { mem: echarts.init(box('chart-mem')), cpu: echarts.init(box('chart-cpu')), det: echarts.init(box('chart-det')) };
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

function draw(c: NonNullable<typeof charts>, samples: Sample[]): void {
  const line = (name: string, pick: (s: Sample) => number, yAxisIndex = 0) => ({ name, type: 'line', showSymbol: false, yAxisIndex, data: samples.map((s) => [s.t, pick(s)]) });
  const base = { animation: false, tooltip: { trigger: 'axis' }, legend: { top: 0 }, grid: { left: 60, right: 50, top: 30, bottom: 24 }, xAxis: { type: 'time', splitNumber: 4, axisLabel: { hideOverlap: true, formatter: '{HH}:{mm}:{ss}' } } };
  c.mem.setOption({
    ...base,
    tooltip: { trigger: 'axis', valueFormatter: (v: number) => formatBytes(v) },
    yAxis: { type: 'value', axisLabel: { formatter: (v: number) => formatBytes(v) } },
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
  drawDetector(c.det, samples, document.getElementById('det-reason'));
}
