// #/ : every process at a glance: live or gone, heap now, its heap over the last hour (the floor
// per minute as a sparkline) and how fast that floor grows; sortable, fastest growth first.
import { echarts, formatDeltaBytes, h, type ECharts } from '../../../report/viewer/index.js';
import type { OverviewEntry, ProcessView } from '../../messages.js';
import { growthPerMinute, type TrendPoint } from '../../trend.js';
import { api } from '../api.js';
import { duration, formatBytes } from '../format.js';
import { isOpen, onLeave, page } from '../router.js';
import { processes, setOverview, trends } from '../state.js';
import { processLabel } from './nav.js';
import { removeProcesses } from './remove.js';

type SortKey = 'growth' | 'heap' | 'rss' | 'cpu' | 'name';
/** `desc`: the first click sorts largest first; `num`: right-aligned. */
const COLUMNS: { key?: SortKey; title: string; desc?: boolean; num?: boolean }[] = [
  { key: 'name', title: 'Process' },
  { title: 'Status' },
  { key: 'heap', title: 'Heap used', desc: true, num: true },
  { title: 'Heap, last hour' },
  { key: 'growth', title: 'Growth', desc: true, num: true },
  { key: 'rss', title: 'RSS', desc: true, num: true },
  { key: 'cpu', title: 'CPU', desc: true, num: true },
  { title: '' },
];

let sort: { key: SortKey; dir: 1 | -1 } = { key: 'growth', dir: -1 };
const sparks = new Map<string, ECharts>();
/** Growth this small (bytes per minute) is noise: drawn neutral, not as growth. */
const FLAT_BPM = 64 * 1024;

const growthOf = (p: ProcessView): number | undefined => growthPerMinute(trends.get(p.id) ?? []);
const name = (p: ProcessView): string => `${p.project} ${p.hostname} ${String(p.pid).padStart(8, '0')} ${p.thread}`;

function value(p: ProcessView, key: SortKey): number | string | undefined {
  switch (key) {
    case 'growth':
      return growthOf(p);
    case 'heap':
      return p.last?.heapUsed;
    case 'rss':
      return p.last?.rss;
    case 'cpu':
      return p.live ? p.last?.cpu : undefined;
    case 'name':
      return name(p);
  }
}

/** Sorted by the chosen column; processes without a value (no trend yet, gone) go last either way. */
function sorted(list: ProcessView[]): ProcessView[] {
  return list.sort((a, b) => {
    const x = value(a, sort.key);
    const y = value(b, sort.key);
    if (x === undefined || y === undefined) return x === y ? name(a).localeCompare(name(b)) : x === undefined ? 1 : -1;
    const c = typeof x === 'string' ? x.localeCompare(String(y)) : x - (y as number);
    return c * sort.dir || name(a).localeCompare(name(b));
  });
}

const growthText = (g: number | undefined): string => (g === undefined ? '—' : `${formatDeltaBytes(Math.round(g))}/min`);
const growthClass = (g: number | undefined): string => (g === undefined || Math.abs(g) < FLAT_BPM ? 'flat' : g > 0 ? 'up' : 'down');

function header(): HTMLElement {
  return h(
    'thead',
    {},
    h(
      'tr',
      {},
      ...COLUMNS.map((c) => {
        if (!c.key) return h('th', {}, c.title);
        const key = c.key;
        const active = sort.key === key;
        return h(
          'th',
          {
            class: `sortable${active ? ' active' : ''}${c.num ? ' num' : ''}`,
            'data-sort': key,
            'aria-sort': active ? (sort.dir < 0 ? 'descending' : 'ascending') : 'none',
            onclick: () => {
              sort = active ? { key, dir: sort.dir < 0 ? 1 : -1 } : { key, dir: c.desc ? -1 : 1 };
              showHome();
            },
          },
          c.title,
          active ? (sort.dir < 0 ? ' ▼' : ' ▲') : '',
        );
      }),
    ),
  );
}

function row(p: ProcessView): HTMLElement {
  const g = growthOf(p);
  const status = p.live ? `up ${duration(Date.now() - p.startTime)}` : `gone ${duration(Date.now() - p.lastSeen)} ago`;
  const remove = p.live
    ? null
    : h('button', { class: 'small', 'data-remove': p.id, title: 'Remove this process and its history', onclick: () => void removeProcesses([p]).catch((e: Error) => alert(e.message)) }, 'Remove');
  return h(
    'tr',
    { 'data-process-id': p.id, 'data-live': String(p.live), 'data-growth': g === undefined ? '' : String(Math.round(g)) },
    h('td', {}, h('span', { class: `dot${p.live ? ' live' : ''}` }), ' ', h('a', { href: `#/p/${p.id}` }, p.project), h('div', { class: 'muted' }, `${p.hostname} · ${processLabel(p)}`)),
    h('td', { class: 'muted' }, status),
    h('td', { class: 'num', 'data-col': 'heap' }, p.last ? formatBytes(p.last.heapUsed) : '—'),
    h('td', {}, h('div', { class: 'spark', 'data-spark': p.id })),
    h('td', { class: `num growth ${growthClass(g)}`, 'data-col': 'growth' }, growthText(g)),
    h('td', { class: 'num', 'data-col': 'rss' }, p.last ? formatBytes(p.last.rss) : '—'),
    h('td', { class: 'num', 'data-col': 'cpu' }, p.live && p.last ? `${p.last.cpu.toFixed(1)} %` : '—'),
    h('td', {}, remove),
  );
}

function drawSpark(chart: ECharts, series: TrendPoint[], cls: string): void {
  const color = cls === 'up' ? '#dc2626' : '#2563eb';
  chart.setOption({
    animation: false,
    grid: { left: 1, right: 1, top: 2, bottom: 2 },
    xAxis: { type: 'time', show: false },
    yAxis: { type: 'value', show: false, scale: true },
    series: [{ type: 'line', showSymbol: series.length === 1, symbolSize: 3, data: series, lineStyle: { width: 1.5, color }, areaStyle: { color, opacity: 0.12 } }],
  });
}

function disposeSparks(): void {
  for (const c of sparks.values()) c.dispose();
  sparks.clear();
}

function showHome(): void {
  const main = document.getElementById('main')!;
  disposeSparks();
  if (processes.size === 0) {
    main.replaceChildren(
      h('div', { class: 'card', id: 'overview', 'data-empty': 'true' }, h('h2', {}, 'No processes yet'), h('p', { class: 'muted' }, 'Waiting for processes. Add ', h('code', {}, "require('heapscope')('my-service')"), ' to an app, or run ', h('code', {}, 'heapscope run -- node app.js'), '.')),
    );
    return;
  }
  const list = sorted([...processes.values()]);
  const live = list.filter((p) => p.live).length;
  const gone = list.filter((p) => !p.live);
  const removeGone = gone.length
    ? h('button', { 'data-remove-gone': '', onclick: () => void removeProcesses(gone).catch((e: Error) => alert(e.message)) }, `Remove ${gone.length} gone process${gone.length === 1 ? '' : 'es'}`)
    : null;
  main.replaceChildren(
    h(
      'div',
      { class: 'card', id: 'overview' },
      h('div', { class: 'actions' }, h('h2', {}, 'Processes'), h('span', { class: 'muted' }, `${live} live, ${gone.length} gone`), h('span', { class: 'spacer' }), removeGone),
      live === 0 ? h('p', { class: 'muted', 'data-none-live': '' }, 'No process is connected now. Gone processes stay listed with their history until you remove them.') : null,
      h('table', { class: 'hist overview' }, header(), h('tbody', {}, ...list.map(row))),
      h('p', { class: 'muted note' }, 'Heap, last hour: the lowest heap used in each minute (a leak raises it). Growth: its trend per minute, after 2 minutes of data.'),
    ),
  );
  for (const p of list) {
    const box = main.querySelector<HTMLElement>(`[data-spark="${CSS.escape(p.id)}"]`);
    const series = trends.get(p.id);
    if (!box || !series?.length) continue;
    const chart = echarts.init(box);
    sparks.set(p.id, chart);
    drawSpark(chart, series, growthClass(growthOf(p)));
  }
}

let pending = new Set<string>();
/** A process's row follows its live samples (drawn once per frame; the order stays until a re-sort). */
export function updateHomeRow(processId: string): void {
  if (!isOpen('')) return;
  if (pending.size === 0) requestAnimationFrame(flush);
  pending.add(processId);
}

function flush(): void {
  const ids = pending;
  pending = new Set();
  if (!isOpen('')) return;
  for (const id of ids) {
    const p = processes.get(id);
    const tr = document.querySelector<HTMLElement>(`#overview tr[data-process-id="${CSS.escape(id)}"]`);
    if (!p || !tr) continue;
    const fresh = row(p);
    for (const col of ['heap', 'growth', 'rss', 'cpu']) {
      const old = tr.querySelector(`[data-col="${col}"]`);
      const now = fresh.querySelector(`[data-col="${col}"]`);
      if (old && now) old.replaceWith(now);
    }
    tr.setAttribute('data-growth', fresh.getAttribute('data-growth') ?? '');
    const series = trends.get(id);
    const box = tr.querySelector<HTMLElement>('[data-spark]');
    if (!series?.length || !box) continue;
    let chart = sparks.get(id);
    if (!chart) sparks.set(id, (chart = echarts.init(box)));
    drawSpark(chart, series, growthClass(growthOf(p)));
  }
}

/** Loads the server's trends (each connection), then redraws the home page if it is open. */
export function loadOverview(): void {
  api<OverviewEntry[]>('/api/overview')
    .then((entries) => {
      setOverview(entries);
      if (isOpen('')) showHome();
    })
    .catch(() => undefined);
}

page('', showHome);
onLeave(disposeSparks);
