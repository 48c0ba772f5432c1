// "Summary": DevTools' per-class table, windowed so 10,000+ classes stay fast.
import type { ClassSummary } from '../../engine/index.js';
import { section } from './dom.js';
import { formatBytes, formatCount, formatPercent } from './format.js';
import { createTable, type TableHandle } from './table.js';

/** `onOpen`: a row was clicked (drill-down into the class's instances). */
export function renderSummary(classes: ClassSummary[], totalSize: number, onOpen?: (c: ClassSummary) => void): { el: HTMLElement; table: TableHandle<ClassSummary> } {
  const el = section('summary', 'Summary by class');
  const total = Math.max(totalSize, 1);
  const table = createTable<ClassSummary>({
    rows: classes,
    maxHeight: 440,
    filterText: (c) => c.name,
    filterPlaceholder: 'Filter classes',
    sort: { key: 'retainedSize', dir: 'desc' },
    onRowClick: onOpen,
    columns: [
      { key: 'name', title: 'Constructor', value: (c) => c.name, width: 'minmax(220px, 3fr)', firstSort: 'asc' },
      { key: 'distance', title: 'Distance', value: (c) => c.distance, render: (c) => (c.distance >= 0 && c.distance < 1e8 ? String(c.distance) : '–'), align: 'right', width: '80px', firstSort: 'asc' },
      { key: 'count', title: 'Objects', value: (c) => c.count, render: (c) => formatCount(c.count), align: 'right', width: '100px' },
      { key: 'selfSize', title: 'Shallow size', value: (c) => c.selfSize, render: (c) => `${formatBytes(c.selfSize)}  ${formatPercent(c.selfSize / total)}`, align: 'right', width: '140px' },
      { key: 'retainedSize', title: 'Retained size', value: (c) => c.retainedSize, render: (c) => `${formatBytes(c.retainedSize)}  ${formatPercent(c.retainedSize / total)}`, align: 'right', width: '140px' },
    ],
  });
  table.el.classList.add('hs-summary');
  el.append(table.el);
  return { el, table };
}
