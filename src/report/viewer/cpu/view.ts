// CPU profile view: totals, flame graph and the top functions by self and total time.
import { h } from '../dom.js';
import { formatCount, formatMicros, formatPercent } from '../format.js';
import { createTable, type TableHandle } from '../table.js';
import { mountFlameGraph, type FlameHandle } from './flame.js';
import { buildCpuModel, type CpuModel, type CpuProfile, type FunctionStats } from './model.js';

export interface CpuViewHandle {
  model: CpuModel;
  flame: FlameHandle;
  table: TableHandle<FunctionStats>;
  destroy(): void;
}

export function mountCpuProfile(el: HTMLElement, profile: CpuProfile, opts: { title?: string; showPseudo?: boolean } = {}): CpuViewHandle {
  const model = buildCpuModel(profile, { showPseudo: opts.showPseudo });
  const fns = model.functions.filter((f) => !(f.name === '(root)' && !f.url));
  const dur = Math.max(model.duration, 1);
  const flame = mountFlameGraph(model);
  const table = createTable<FunctionStats>({
    rows: fns,
    maxHeight: 420,
    filterText: (f) => `${f.name} ${f.url}`,
    filterPlaceholder: 'Filter functions or files',
    sort: { key: 'self', dir: 'desc' },
    columns: [
      { key: 'self', title: 'Self time', value: (f) => f.self, render: (f) => `${formatMicros(f.self)}  ${formatPercent(f.self / dur)}`, align: 'right', width: '130px' },
      { key: 'total', title: 'Total time', value: (f) => f.total, render: (f) => `${formatMicros(f.total)}  ${formatPercent(f.total / dur)}`, align: 'right', width: '130px' },
      { key: 'name', title: 'Function', value: (f) => f.name, width: 'minmax(160px, 1.2fr)', firstSort: 'asc' },
      { key: 'url', title: 'Source', value: (f) => f.url, render: (f) => (f.url ? `${f.url}:${f.line}:${f.column}` : '—'), width: 'minmax(220px, 2fr)', firstSort: 'asc' },
    ],
  });
  table.el.classList.add('hs-functions');
  // idle, native and GC time: hidden by default so the app's own code fills the graph
  const aside = Object.entries(model.pseudo).filter(([, t]) => t > 0);
  const toggle = h('input', { type: 'checkbox', class: 'hs-pseudo-toggle' }) as HTMLInputElement;
  toggle.checked = model.pseudoShown;
  const pseudoLabel = aside.length
    ? h('label', { class: 'hs-muted hs-pseudo' }, toggle, ` show ${aside.map(([name, t]) => `${name} ${formatMicros(t)}`).join(', ')}`)
    : null;
  const view = h('div', { class: 'hs-viewer hs-cpu' },
    h('header', { class: 'hs-header' }, h('h1', null, opts.title ?? 'CPU profile'), h('span', { class: 'hs-muted' }, `${formatMicros(model.duration)}${model.pseudoShown ? '' : ' of activity'} · ${formatCount(model.sampleCount)} samples · ${formatCount(profile.nodes.length)} call-tree nodes`), pseudoLabel),
    h('section', { class: 'hs-section', 'data-section': 'flame' }, h('h2', { class: 'hs-h2' }, 'Flame graph'), flame.el),
    h('section', { class: 'hs-section', 'data-section': 'functions' }, h('h2', { class: 'hs-h2' }, 'Top functions'), table.el),
  );
  el.replaceChildren(view);
  const handle: CpuViewHandle = {
    model,
    flame,
    table,
    destroy() {
      flame.dispose();
      view.remove();
    },
  };
  toggle.addEventListener('change', () => {
    handle.destroy();
    Object.assign(handle, mountCpuProfile(el, profile, { ...opts, showPseudo: toggle.checked }));
  });
  return handle;
}
