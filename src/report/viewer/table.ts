// Sortable, filterable table with windowed rendering: only the rows in view (plus a small margin)
// exist in the DOM, so 100,000 classes scroll as smoothly as 10.
import { h } from './dom.js';

export interface Column<T> {
  key: string;
  title: string;
  /** Sort value. */
  value: (row: T) => number | string;
  /** Cell content; defaults to String(value). */
  render?: (row: T) => string | Node;
  /** Tooltip for the cell. */
  title_?: (row: T) => string;
  align?: 'left' | 'right';
  /** CSS grid track, e.g. `minmax(200px, 1fr)` or `90px`. */
  width?: string;
  /** Direction of the first click on this header (numbers: descending). */
  firstSort?: 'asc' | 'desc';
}

export interface TableOptions<T> {
  columns: Column<T>[];
  rows: T[];
  rowHeight?: number;
  /** Max height of the scrolling body in px; shorter tables shrink to fit. */
  maxHeight?: number;
  /** Text the filter box matches against (case-insensitive substring); no filter box without it. */
  filterText?: (row: T) => string;
  filterPlaceholder?: string;
  sort?: { key: string; dir: 'asc' | 'desc' };
  onRowClick?: (row: T, index: number) => void;
  rowClass?: (row: T) => string | undefined;
  emptyText?: string;
  /** Extra row pinned under the header (e.g. totals). */
  pinned?: T;
}

export interface TableHandle<T> {
  el: HTMLElement;
  setRows(rows: T[]): void;
  sortBy(key: string, dir?: 'asc' | 'desc'): void;
  filter(q: string): void;
  /** Rows after filter and sort, in display order. */
  visibleRows(): readonly T[];
}

const OVERSCAN = 8;

export function createTable<T>(opts: TableOptions<T>): TableHandle<T> {
  const rowHeight = opts.rowHeight ?? 28;
  const maxHeight = opts.maxHeight ?? 420;
  const grid = opts.columns.map((c) => c.width ?? (c.align === 'right' ? '110px' : 'minmax(120px, 1fr)')).join(' ');
  let all = opts.rows;
  let view: T[] = all.slice();
  let sort = opts.sort ?? null;
  let query = '';
  let first = -1;
  let last = -1;
  let frame = 0;

  const root = h('div', { class: 'hs-table' });
  const toolbar = h('div', { class: 'hs-table-toolbar' });
  const count = h('span', { class: 'hs-muted hs-table-count' });
  if (opts.filterText) {
    const input = h('input', { class: 'hs-filter', type: 'search', placeholder: opts.filterPlaceholder ?? 'Filter', 'aria-label': 'Filter rows' });
    input.addEventListener('input', () => handle.filter(input.value));
    toolbar.append(input);
  }
  toolbar.append(count);
  const header = h('div', { class: 'hs-tr hs-thead', role: 'row' });
  header.style.gridTemplateColumns = grid;
  const headCells = opts.columns.map((c) => {
    const cell = h('div', { class: `hs-th hs-${c.align ?? 'left'}`, role: 'columnheader', 'data-key': c.key, tabindex: 0 }, c.title);
    const onSort = () => {
      const dir = sort?.key === c.key ? (sort.dir === 'asc' ? 'desc' : 'asc') : (c.firstSort ?? 'desc');
      handle.sortBy(c.key, dir);
    };
    cell.addEventListener('click', onSort);
    cell.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') onSort();
    });
    header.append(cell);
    return cell;
  });
  const pinned = opts.pinned ? renderRow(opts.pinned, -1) : null;
  pinned?.classList.add('hs-pinned');
  const viewport = h('div', { class: 'hs-tbody', role: 'rowgroup' });
  const spacer = h('div', { class: 'hs-spacer' });
  const rowsEl = h('div', { class: 'hs-rows' });
  const empty = h('div', { class: 'hs-empty hs-muted' }, opts.emptyText ?? 'No rows');
  spacer.append(rowsEl);
  viewport.append(spacer);
  const scroller = h('div', { class: 'hs-table-scroll' }, header, pinned, viewport, empty);
  root.append(toolbar, scroller);
  viewport.addEventListener('scroll', () => {
    if (!frame) frame = requestAnimationFrame(() => {
      frame = 0;
      paint(false);
    });
  });

  function renderRow(row: T, index: number): HTMLElement {
    const tr = h('div', { class: 'hs-tr', role: 'row', 'data-index': index });
    tr.style.gridTemplateColumns = grid;
    tr.style.height = `${rowHeight}px`;
    const extra = opts.rowClass?.(row);
    if (extra) tr.classList.add(...extra.split(' '));
    for (const c of opts.columns) {
      const content = c.render ? c.render(row) : String(c.value(row));
      const td = h('div', { class: `hs-td hs-${c.align ?? 'left'}`, role: 'cell' }, content);
      const tip = c.title_?.(row) ?? (typeof content === 'string' ? content : undefined);
      if (tip) td.title = tip;
      tr.append(td);
    }
    if (opts.onRowClick && index >= 0) {
      tr.classList.add('hs-clickable');
      tr.addEventListener('click', () => opts.onRowClick!(row, index));
    }
    return tr;
  }

  function paint(force: boolean) {
    const height = Math.min(maxHeight, Math.max(view.length, 1) * rowHeight);
    viewport.style.height = `${height}px`;
    spacer.style.height = `${view.length * rowHeight}px`;
    empty.style.display = view.length ? 'none' : '';
    const top = viewport.scrollTop;
    const from = Math.max(0, Math.floor(top / rowHeight) - OVERSCAN);
    const to = Math.min(view.length, Math.ceil((top + height) / rowHeight) + OVERSCAN);
    if (!force && from === first && to === last) return;
    first = from;
    last = to;
    rowsEl.style.transform = `translateY(${from * rowHeight}px)`;
    const frag = document.createDocumentFragment();
    for (let i = from; i < to; i++) frag.append(renderRow(view[i], i));
    rowsEl.replaceChildren(frag);
    const rows = (n: number) => `${n.toLocaleString('en-US')} row${n === 1 ? '' : 's'}`;
    count.textContent = view.length === all.length ? rows(view.length) : `${view.length.toLocaleString('en-US')} of ${rows(all.length)}`;
  }

  function recompute() {
    const q = query.trim().toLowerCase();
    view = q && opts.filterText ? all.filter((r) => opts.filterText!(r).toLowerCase().includes(q)) : all.slice();
    if (sort) {
      const col = opts.columns.find((c) => c.key === sort!.key);
      if (col) {
        const mul = sort.dir === 'asc' ? 1 : -1;
        // Decorate-sort-undecorate: value() runs once per row, not once per comparison.
        const keyed = view.map((r) => ({ r, v: col.value(r) }));
        keyed.sort((a, b) => (a.v < b.v ? -mul : a.v > b.v ? mul : 0));
        view = keyed.map((k) => k.r);
      }
    }
    headCells.forEach((cell, i) => {
      const key = opts.columns[i].key;
      cell.setAttribute('aria-sort', sort?.key === key ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none');
    });
    viewport.scrollTop = 0;
    paint(true);
  }

  const handle: TableHandle<T> = {
    el: root,
    setRows(rows) {
      all = rows;
      recompute();
    },
    sortBy(key, dir = 'desc') {
      sort = { key, dir };
      recompute();
    },
    filter(q) {
      query = q;
      recompute();
    },
    visibleRows: () => view,
  };
  recompute();
  return handle;
}
