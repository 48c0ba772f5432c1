// "Explore": DevTools' drill-down. A Summary or Comparison row opens its class's instances (largest
// retained first, paged); an instance opens its Retainers (a tree expanded along the first
// retainer towards the GC roots, as DevTools does) and its References (outgoing edges with
// values); `@id` finds any object; Containment walks down from the GC roots.
import './explore.css';
import { h, section } from './dom.js';
import { formatBytes, formatCount } from './format.js';
import type { ExploreEdge, ExploreNode, ExploreSource, Page } from './explore-source.js';

export interface ExplorerHandle {
  el: HTMLElement;
  /** Lists the instances of a class (a Summary / Comparison row was clicked). */
  showClass(name: string): Promise<void>;
  /** Shows one object's retainers and references. */
  showNode(id: number): Promise<void>;
  showContainment(): Promise<void>;
}

const PAGE = 50;
/** DevTools expands the first retainer this many levels when an object is selected. */
const AUTO_EXPAND = 20;
const SYSTEM_DISTANCE = 100000000;

const distanceText = (d: number): string => (d < 0 ? '–' : d >= SYSTEM_DISTANCE ? `${d - SYSTEM_DISTANCE} (system)` : String(d));

/** `name @id` with the value of a primitive, as DevTools labels objects. */
function objectLabel(n: ExploreNode): HTMLElement {
  const label = h('span', { class: 'hs-obj' });
  if (n.value !== undefined) label.append(h('span', { class: `hs-value hs-value-${n.type === 'string' || n.value.startsWith('"') ? 'string' : 'other'}` }, n.value));
  else label.append(h('span', { class: 'hs-obj-name' }, n.name || n.className));
  label.append(h('span', { class: 'hs-obj-id' }, ` @${n.id}`));
  if (n.type !== 'object' && n.type !== 'string') label.append(h('span', { class: 'hs-obj-type' }, ` ${n.type}`));
  return label;
}

function sizeCells(n: ExploreNode): HTMLElement[] {
  return [
    h('span', { class: 'hs-right hs-num' }, distanceText(n.distance)),
    h('span', { class: 'hs-right hs-num' }, formatBytes(n.selfSize)),
    h('span', { class: 'hs-right hs-num' }, formatBytes(n.retainedSize)),
  ];
}

function header(first: string): HTMLElement {
  return h('div', { class: 'hs-xrow hs-xhead' }, h('span', null, first), h('span', { class: 'hs-right' }, 'Distance'), h('span', { class: 'hs-right' }, 'Shallow'), h('span', { class: 'hs-right' }, 'Retained'));
}

type Loader = (id: number, offset: number, limit: number) => Promise<Page<ExploreEdge>>;

/** A row of an edge tree; `expand` loads its children (once) and resolves with the first. */
interface TreeRow {
  el: HTMLElement;
  node: ExploreNode;
  expand(): Promise<TreeRow | null>;
}

/**
 * A lazily expanded tree of edges. `retainers`: rows read "edge in Object" and grow towards the
 * roots; otherwise "edge :: Object" and grow down the heap. Objects already on the path above a row
 * are marked as a cycle and do not expand again.
 */
function edgeTree(kind: 'retainers' | 'edges', load: Loader, onOpen: (id: number) => void, offline: boolean) {
  const body = h('div', { class: 'hs-tree', role: 'tree', 'data-tree': kind });
  const pad = (depth: number): string => `padding-left:${depth * 16 + 20}px`;

  function row(e: ExploreEdge, depth: number, ancestors: Set<number>): TreeRow {
    const n = e.node;
    const cycle = ancestors.has(n.id);
    const count = kind === 'retainers' ? n.retainerCount : n.edgeCount;
    const canExpand = !cycle && count > 0;
    const toggle = h('button', { type: 'button', class: 'hs-toggle', 'aria-label': 'expand', disabled: !canExpand }, canExpand ? '▸' : '');
    const name = objectLabel(n);
    name.classList.add('hs-link');
    name.title = `open @${n.id} (${n.className})`;
    name.addEventListener('click', (ev) => {
      ev.stopPropagation();
      onOpen(n.id);
    });
    const first = h(
      'span',
      { class: 'hs-xcell-first', style: `padding-left:${depth * 16}px` },
      toggle,
      h('span', { class: `hs-edge hs-edge-${e.edgeType}` }, edgeLabel(e)),
      h('span', { class: 'hs-muted' }, kind === 'retainers' ? ' in ' : ' :: '),
      name,
      cycle ? h('span', { class: 'hs-muted' }, ' (cycle)') : null,
    );
    const r = h('div', { class: `hs-xrow${cycle ? ' hs-cycle' : ''}`, role: 'treeitem', 'data-node-id': n.id, 'data-depth': depth, 'data-class': n.className, 'data-distance': n.distance, 'aria-expanded': 'false' }, first, ...sizeCells(n));
    const kids = h('div', { class: 'hs-tree-kids', role: 'group' });
    const wrap = h('div', { class: 'hs-tnode' }, r, kids);
    let open = false;
    let loaded: Promise<TreeRow | null> | null = null;
    const next = new Set(ancestors).add(n.id);
    const expand = (): Promise<TreeRow | null> => {
      if (!canExpand) return Promise.resolve(null);
      open = true;
      toggle.textContent = '▾';
      r.setAttribute('aria-expanded', 'true');
      kids.hidden = false;
      return (loaded ??= fill(kids, n.id, 0, depth + 1, next));
    };
    const collapse = (): void => {
      open = false;
      toggle.textContent = '▸';
      r.setAttribute('aria-expanded', 'false');
      kids.hidden = true;
    };
    toggle.addEventListener('click', () => void (open ? collapse() : expand()));
    r.addEventListener('dblclick', () => void (open ? collapse() : expand()));
    return { el: wrap, node: n, expand };
  }

  /** Appends a page of `id`'s edges into `into`; resolves with the first row. */
  async function fill(into: HTMLElement, id: number, offset: number, depth: number, ancestors: Set<number>): Promise<TreeRow | null> {
    const loading = h('div', { class: 'hs-muted hs-loading', style: pad(depth) }, 'loading…');
    into.append(loading);
    let p: Page<ExploreEdge>;
    try {
      p = await load(id, offset, PAGE);
    } catch (err) {
      loading.replaceWith(h('div', { class: 'hs-muted hs-missing', style: pad(depth) }, (err as Error).message));
      return null;
    }
    const rows = p.items.map((e) => row(e, depth, ancestors));
    loading.replaceWith(...rows.map((x) => x.el));
    const shown = offset + p.items.length;
    if (shown < p.total) {
      const rest = p.total - shown;
      if (offline) into.append(h('div', { class: 'hs-muted hs-more', style: pad(depth) }, `${formatCount(rest)} more not in this file`));
      else {
        const more = h('button', { type: 'button', class: 'hs-more', style: `margin-left:${depth * 16 + 20}px` }, `show ${formatCount(Math.min(PAGE, rest))} more of ${formatCount(rest)}`);
        more.addEventListener('click', () => {
          more.remove();
          void fill(into, id, shown, depth, ancestors);
        });
        into.append(more);
      }
    }
    if (p.total === 0 && offset === 0) into.append(h('div', { class: 'hs-muted', style: pad(depth) }, kind === 'retainers' ? 'no retainers (a GC root, or held only weakly)' : 'no references'));
    return rows[0] ?? null;
  }

  return {
    el: body,
    /** Shows `id`'s edges; expands the first row `autoExpand` levels deep, stopping at the GC roots (distance 1). */
    async show(id: number, autoExpand = 0): Promise<void> {
      body.replaceChildren();
      let first = await fill(body, id, 0, 0, new Set([id]));
      const atRoot = (d: number): boolean => d <= 1 || d === SYSTEM_DISTANCE + 1;
      for (let level = 0; first && level < autoExpand && !atRoot(first.node.distance); level++) first = await first.expand();
    },
  };
}

function edgeLabel(e: ExploreEdge): string {
  return e.edgeType === 'element' || e.edgeType === 'hidden' ? `[${e.edge}]` : e.edge;
}

export function renderExplorer(source: ExploreSource): ExplorerHandle {
  const el = section('explore', 'Explore objects');
  const search = h('input', { class: 'hs-filter hs-explore-search', type: 'search', placeholder: 'Find an object: @12345', 'aria-label': 'Find an object by id' });
  const find = h('button', { type: 'button', class: 'hs-btn', 'data-action': 'find' }, 'Find');
  const containment = h('button', { type: 'button', class: 'hs-btn', 'data-action': 'containment' }, 'Containment (from the GC roots)');
  const status = h('span', { class: 'hs-muted hs-explore-status' }, source.offline ? 'This file carries the top instances of the top classes and their retainer chains; the dashboard has every object.' : 'Click a class in Summary or Comparison, or find an object by id.');
  const instancesBox = h('div', { class: 'hs-explore-instances' });
  const detailBox = h('div', { class: 'hs-explore-detail' });
  el.append(h('div', { class: 'hs-table-toolbar' }, search, find, containment, status), h('div', { class: 'hs-explore-grid' }, instancesBox, detailBox));

  const error = (box: HTMLElement, err: unknown): void => void box.replaceChildren(h('p', { class: 'hs-muted hs-missing' }, (err as Error).message));

  let classShown = '';
  const showClass = async (name: string): Promise<void> => {
    classShown = name;
    const list = h('div', { class: 'hs-xlist', role: 'listbox', 'aria-label': `instances of ${name}` });
    const title = h('h3', { class: 'hs-h3' }, `${name}`, h('span', { class: 'hs-muted hs-count' }, ''));
    instancesBox.replaceChildren(title, header('Instance'), list);
    const addPage = async (offset: number): Promise<void> => {
      let p: Page<ExploreNode>;
      try {
        p = await source.instances(name, offset, PAGE);
      } catch (err) {
        return error(list, err);
      }
      if (classShown !== name) return;
      title.lastElementChild!.textContent = ` ${formatCount(p.total)} objects, largest retained first`;
      for (const n of p.items) {
        const r = h('div', { class: 'hs-xrow hs-clickable hs-instance', role: 'option', 'data-node-id': n.id, tabindex: 0 }, h('span', { class: 'hs-xcell-first' }, objectLabel(n)), ...sizeCells(n));
        const open = (): void => {
          list.querySelectorAll('.hs-sel').forEach((x) => x.classList.remove('hs-sel'));
          r.classList.add('hs-sel');
          void showNode(n.id, n);
        };
        r.addEventListener('click', open);
        r.addEventListener('keydown', (e) => {
          if (e.key === 'Enter') open();
        });
        list.append(r);
      }
      const shown = offset + p.items.length;
      if (shown < p.total) {
        if (source.offline) list.append(h('div', { class: 'hs-muted hs-more' }, `${formatCount(p.total - shown)} more not in this file`));
        else {
          const more = h('button', { type: 'button', class: 'hs-more' }, `show ${formatCount(Math.min(PAGE, p.total - shown))} more of ${formatCount(p.total - shown)}`);
          more.addEventListener('click', () => {
            more.remove();
            void addPage(shown);
          });
          list.append(more);
        }
      }
      if (p.total === 0) list.append(h('p', { class: 'hs-muted' }, 'No instances (objects of size 0 are not counted, as in DevTools).'));
    };
    el.scrollIntoView({ behavior: 'smooth', block: 'start' });
    await addPage(0);
    const first = list.querySelector<HTMLElement>('.hs-instance');
    first?.click();
  };

  const showNode = async (id: number, known?: ExploreNode): Promise<void> => {
    let node = known;
    if (!node) {
      try {
        node = (await source.node(id)).node;
      } catch (err) {
        return error(detailBox, err);
      }
    }
    const retainers = edgeTree('retainers', (i, o, l) => source.retainers(i, o, l), (i) => void showNode(i), !!source.offline);
    const references = edgeTree('edges', (i, o, l) => source.edges(i, o, l), (i) => void showNode(i), !!source.offline);
    detailBox.replaceChildren(
      h('h3', { class: 'hs-h3 hs-selected', 'data-node-id': node.id }, objectLabel(node), h('span', { class: 'hs-muted' }, ` · ${node.className} · distance ${distanceText(node.distance)} · shallow ${formatBytes(node.selfSize)} · retained ${formatBytes(node.retainedSize)}`)),
      h('div', { class: 'hs-h4' }, 'Retainers'),
      header('Retained by'),
      retainers.el,
      h('div', { class: 'hs-h4' }, 'References'),
      header('Property'),
      references.el,
    );
    await Promise.all([retainers.show(node.id, AUTO_EXPAND), references.show(node.id)]);
  };

  const showContainment = async (): Promise<void> => {
    classShown = '';
    instancesBox.replaceChildren(h('h3', { class: 'hs-h3' }, 'Containment'), h('p', { class: 'hs-muted' }, 'The heap from the GC roots down: expand any object, click one to see its retainers.'));
    const tree = edgeTree('edges', (i, o, l) => (i === 0 ? source.roots(o, l) : source.edges(i, o, l)), (i) => void showNode(i), !!source.offline);
    detailBox.replaceChildren(h('h3', { class: 'hs-h3' }, 'GC roots'), header('Object'), tree.el);
    await tree.show(0);
  };

  const doFind = (): void => {
    const m = /^\s*@?(\d+)\s*$/.exec(search.value);
    if (!m) {
      status.textContent = 'Type an object id, as in @12345.';
      return;
    }
    instancesBox.replaceChildren();
    void showNode(Number(m[1]));
  };
  find.addEventListener('click', doFind);
  search.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') doFind();
  });
  containment.addEventListener('click', () => void showContainment());
  return { el, showClass, showNode: (id) => showNode(id), showContainment };
}
