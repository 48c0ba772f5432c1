// "Comparison" (DevTools' view between two snapshots) and "Growth" (what kept growing over 3+).
import { GROWTH_AFTER_RESET } from '../messages.js';
import type { Comparison, ComparisonRow, GrowthFinding, IdReset, SnapshotInfo } from '../../diagnosis/index.js';
import { h, section } from './dom.js';
import { formatBytes, formatCount, formatDeltaBytes, formatDeltaCount } from './format.js';
import { locText } from './memory-leak.js';
import { createTable, type TableHandle } from './table.js';

/** `onOpen`: a row was clicked (drill-down into the class's instances in the newer snapshot). */
export function renderComparison(c: Comparison, snapshots?: SnapshotInfo[], onOpen?: (r: ComparisonRow) => void): { el: HTMLElement; table: TableHandle<ComparisonRow> } {
  const el = section('comparison', 'Comparison');
  const name = (i: number) => `#${i + 1}${snapshots?.[i]?.file ? ` (${basename(snapshots[i].file!)})` : ''}`;
  if (c.idReset) {
    el.append(h('p', { class: 'hs-muted' }, `Snapshot ${name(c.target)} against ${name(c.base)}, per class only.`));
    el.append(h('div', { class: 'hs-warning hs-id-reset', role: 'alert' }, c.idReset.message));
  } else {
    el.append(h('p', { class: 'hs-muted' }, `Snapshot ${name(c.target)} against ${name(c.base)}, objects matched by id.`));
  }
  const sign = (n: number) => (n > 0 ? 'hs-pos' : n < 0 ? 'hs-neg' : '');
  // null: unknowable (ids reset); sorts last
  const num = (n: number | null) => n ?? Number.NEGATIVE_INFINITY;
  const unknown = (n: number | null, show: (n: number) => string) => (n === null ? h('span', { class: 'hs-muted', title: 'unknown: object ids were reset' }, '?') : show(n));
  const table = createTable<ComparisonRow>({
    rows: c.rows,
    maxHeight: 400,
    filterText: (r) => r.name,
    filterPlaceholder: 'Filter classes',
    sort: { key: 'sizeDelta', dir: 'desc' },
    onRowClick: onOpen,
    pinned: c.totals ? { name: 'Total', ...c.totals } : undefined,
    columns: [
      { key: 'name', title: 'Constructor', value: (r) => r.name, width: 'minmax(200px, 3fr)', firstSort: 'asc' },
      { key: 'newCount', title: '# New', value: (r) => num(r.newCount), render: (r) => unknown(r.newCount, formatCount), align: 'right', width: '90px' },
      { key: 'deletedCount', title: '# Deleted', value: (r) => num(r.deletedCount), render: (r) => unknown(r.deletedCount, formatCount), align: 'right', width: '90px' },
      { key: 'deltaCount', title: '# Delta', value: (r) => r.deltaCount, render: (r) => h('span', { class: sign(r.deltaCount) }, formatDeltaCount(r.deltaCount)), align: 'right', width: '90px' },
      { key: 'allocSize', title: 'Alloc. size', value: (r) => num(r.allocSize), render: (r) => unknown(r.allocSize, formatBytes), align: 'right', width: '100px' },
      { key: 'freedSize', title: 'Freed size', value: (r) => num(r.freedSize), render: (r) => unknown(r.freedSize, formatBytes), align: 'right', width: '100px' },
      { key: 'sizeDelta', title: 'Size delta', value: (r) => r.sizeDelta, render: (r) => h('span', { class: sign(r.sizeDelta) }, formatDeltaBytes(r.sizeDelta)), align: 'right', width: '110px' },
    ],
  });
  table.el.classList.add('hs-comparison');
  el.append(table.el);
  return { el, table };
}

export function renderGrowth(findings: GrowthFinding[], idReset?: IdReset): HTMLElement {
  const el = section('growth', 'Growth across snapshots');
  if (idReset) el.append(h('div', { class: 'hs-warning hs-id-reset', role: 'alert' }, GROWTH_AFTER_RESET));
  if (!findings.length) {
    el.append(h('p', { class: 'hs-muted' }, 'Nothing kept growing across the snapshots.'));
    return el;
  }
  findings.forEach((f, i) => {
    const card = h('div', { class: 'hs-card hs-growth', 'data-kind': f.kind });
    card.append(
      h('div', { class: 'hs-card-head' },
        h('span', { class: 'hs-rank' }, `#${i + 1}`),
        h('code', { class: 'hs-owner-path' }, f.owner),
        h('span', { class: 'hs-spacer-x' }),
        h('span', { class: 'hs-size' }, `${formatDeltaBytes(f.growth)} · ${f.kind}`),
      ),
    );
    if (f.cause) card.append(h('div', { class: 'hs-cause', 'data-kind': f.cause.kind }, h('div', { class: 'hs-cause-title' }, f.cause.title), h('p', null, f.cause.explanation), h('p', null, h('b', null, 'Fix: '), f.cause.fix)));
    const n = Math.max(f.counts.length, f.sizes.length);
    const head = h('tr', null, h('th', null, 'Snapshot'), ...Array.from({ length: n }, (_, j) => h('th', { class: 'hs-right' }, `#${j + 1}`)), h('th', null, ''));
    card.append(
      h('table', { class: 'hs-mini hs-growth-table' },
        h('thead', null, head),
        h('tbody', null,
          h('tr', null, h('td', null, f.kind === 'new-objects' ? 'Objects' : 'Entries'), ...f.counts.map((c) => h('td', { class: 'hs-right' }, formatCount(c))), h('td', null, sparkline(f.counts))),
          h('tr', null, h('td', null, 'Size'), ...f.sizes.map((s) => h('td', { class: 'hs-right' }, formatBytes(s))), h('td', null, sparkline(f.sizes))),
        ),
      ),
    );
    if (f.keys?.length) card.append(h('div', { class: 'hs-keys' }, h('span', { class: 'hs-label' }, 'Leak keys'), ...f.keys.map((k) => h('code', { class: 'hs-key' }, k))));
    if (f.locations?.length) card.append(h('div', { class: 'hs-keys' }, h('span', { class: 'hs-label' }, 'Source'), ...f.locations.map((l) => h('code', { class: 'hs-loc' }, locText(l)))));
    if (f.referenceList?.length) card.append(h('div', { class: 'hs-label' }, 'Reference List'), h('pre', { class: 'hs-reflist' }, f.referenceList.join('\n')));
    el.append(card);
  });
  return el;
}

/** Inline SVG line of a series (no chart library needed for a 60 px trend). */
function sparkline(values: number[], width = 90, height = 22): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  svg.setAttribute('class', 'hs-spark');
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min || 1;
  const pts = values.map((v, i) => `${values.length > 1 ? (i / (values.length - 1)) * (width - 4) + 2 : width / 2},${height - 2 - ((v - min) / span) * (height - 4)}`);
  const line = document.createElementNS(ns, 'polyline');
  line.setAttribute('points', pts.join(' '));
  line.setAttribute('fill', 'none');
  line.setAttribute('stroke', '#ef4444');
  line.setAttribute('stroke-width', '1.6');
  svg.append(line);
  return svg;
}

function basename(p: string): string {
  return p.split(/[\\/]/).pop() ?? p;
}
