// ECharts with only the pieces the viewer draws, so the inlined bundle stays small.
import * as echarts from 'echarts/core';
import { BarChart, GraphChart, LineChart, PieChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkPointComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

// MarkPoint: the detector chart pins its decisions (warming, watching, growing, leak) on the line.
echarts.use([BarChart, GraphChart, LineChart, PieChart, GridComponent, LegendComponent, MarkPointComponent, TooltipComponent, CanvasRenderer]);

export { echarts };
export type ECharts = echarts.ECharts;

/**
 * init() that works on elements without a layout yet (detached, or in a hidden dashboard tab):
 * falls back to the CSS size, and later resizes only when the element really has a size.
 */
export function initChart(el: HTMLElement, fallback: { width: number; height: number }): ECharts {
  const sized = el.clientWidth > 0 && el.clientHeight > 0;
  return echarts.init(el, undefined, sized ? { renderer: 'canvas' } : { renderer: 'canvas', ...fallback });
}

/** Resize to the element's current size, skipping while it is hidden (0 x 0). */
export function fitChart(chart: ECharts): void {
  const el = chart.getDom();
  if (el.clientWidth > 0 && el.clientHeight > 0) chart.resize({ width: 'auto', height: 'auto' });
}

/** The ECharts instance drawn in `el` (tests and the dashboard use it to inspect charts). */
export function getChart(el: Element | null): ECharts | undefined {
  return el ? echarts.getInstanceByDom(el as HTMLElement) : undefined;
}
