// "Memory Leak" section: suspects table, then one card per suspect with its cause, leak keys,
// force graph, the Reference List of the hovered node and the path from the GC roots.
import type { ChainNode, SourceLocation, Suspect } from '../../diagnosis/index.js';
import { h, onResize, section } from './dom.js';
import { formatBytes, formatPercent } from './format.js';
import { COLORS, mountLeakGraph, type LeakGraphHandle } from './leak-graph.js';
import { joinReferenceLists, referenceList } from './reference.js';
import { createTable } from './table.js';

export interface MemoryLeakOptions {
  /** Retainer path (GC roots → object) of any object id, when the host can compute it (dashboard). */
  retainers?: (id: number) => Promise<ChainNode[] | string[]>;
  /** Suspect cards with a graph (the rest stay in the table). */
  maxGraphs?: number;
}

export interface MemoryLeakHandle {
  el: HTMLElement;
  graphs: LeakGraphHandle[];
  dispose(): void;
}

export function renderMemoryLeak(suspects: Suspect[], opts: MemoryLeakOptions = {}): MemoryLeakHandle {
  const graphs: LeakGraphHandle[] = [];
  const cleanups: (() => void)[] = [];
  const cards: HTMLElement[] = [];
  const el = section('memory-leak', 'Memory Leak');
  if (!suspects.length) {
    el.append(h('p', { class: 'hs-muted' }, "No suspected leak points: nothing of the application's holds an unusual share of the heap (Node's own state and heapscope's agent are left out)."));
    return { el, graphs, dispose() {} };
  }
  el.append(
    h('p', { class: 'hs-muted' }, 'Objects reached from the GC roots that retain the most memory, the most specific holder first. Each is drawn with its leak chain below.'),
  );
  const table = createTable<Suspect & { rank: number }>({
    rows: suspects.map((s, i) => ({ ...s, rank: i + 1 })),
    maxHeight: 320,
    columns: [
      { key: 'rank', title: '#', value: (s) => s.rank, align: 'right', width: '40px', firstSort: 'asc' },
      { key: 'name', title: 'Suspect', value: (s) => s.name, render: (s) => h('span', null, h('b', null, s.name), h('span', { class: 'hs-muted' }, ` @${s.id}`)), title_: (s) => `${s.name} @${s.id}`, width: 'minmax(160px, 1.2fr)', firstSort: 'asc' },
      { key: 'owner', title: 'Owner', value: (s) => s.owner ?? '', width: 'minmax(180px, 2fr)', firstSort: 'asc' },
      { key: 'cause', title: 'Cause', value: (s) => s.cause?.title ?? '', render: (s) => s.cause?.title ?? '—', width: 'minmax(140px, 1.4fr)', firstSort: 'asc' },
      { key: 'retainedSize', title: 'Retained', value: (s) => s.retainedSize, render: (s) => formatBytes(s.retainedSize), align: 'right', width: '96px' },
      { key: 'share', title: 'Share', value: (s) => s.share, render: (s) => shareBar(s.share), align: 'right', width: '130px' },
    ],
    onRowClick: (s) => cards[s.rank - 1]?.scrollIntoView({ behavior: 'smooth', block: 'start' }),
  });
  table.el.classList.add('hs-suspects');
  el.append(table.el);

  const max = opts.maxGraphs ?? 10;
  suspects.slice(0, max).forEach((s, i) => {
    const card = suspectCard(s, i, opts, graphs, cleanups);
    cards.push(card);
    el.append(card);
  });
  return {
    el,
    graphs,
    dispose() {
      cleanups.forEach((f) => f());
      graphs.forEach((g) => g.dispose());
    },
  };
}

function suspectCard(s: Suspect, i: number, opts: MemoryLeakOptions, graphs: LeakGraphHandle[], cleanups: (() => void)[]): HTMLElement {
  const card = h('div', { class: 'hs-card hs-suspect', 'data-suspect': s.id });
  card.append(
    h('div', { class: 'hs-card-head' },
      h('span', { class: 'hs-rank' }, `#${i + 1}`),
      h('b', null, `[${s.type}] ${s.name}`),
      h('span', { class: 'hs-muted' }, ` @${s.id}`),
      h('span', { class: 'hs-spacer-x' }),
      h('span', { class: 'hs-size' }, `${formatBytes(s.retainedSize)} · ${formatPercent(s.share)} of heap`),
    ),
  );
  if (s.owner) card.append(h('div', { class: 'hs-owner' }, h('span', { class: 'hs-label' }, 'Owner'), h('code', null, s.owner)));
  if (s.collection) {
    card.append(h('div', { class: 'hs-owner' }, h('span', { class: 'hs-label' }, 'Collection'), `${s.collection.kind} of ${s.collection.count.toLocaleString('en-US')} entries${s.collection.entryClass ? ` (${s.collection.entryClass})` : ''}`));
  }
  if (s.cause) {
    card.append(
      h('div', { class: 'hs-cause', 'data-kind': s.cause.kind },
        h('div', { class: 'hs-cause-title' }, s.cause.title),
        h('p', null, s.cause.explanation),
        h('p', null, h('b', null, 'Fix: '), s.cause.fix),
      ),
    );
  }
  if (s.keys?.length) {
    card.append(h('div', { class: 'hs-keys' }, h('span', { class: 'hs-label', title: 'Names to search for in your code' }, 'Leak keys'), ...s.keys.map((k) => h('code', { class: 'hs-key' }, k))));
  }
  if (s.locations?.length) {
    card.append(h('div', { class: 'hs-keys' }, h('span', { class: 'hs-label' }, 'Source'), ...s.locations.map((l) => h('code', { class: 'hs-loc' }, locText(l)))));
  }

  const graphEl = h('div', { class: 'hs-graph', role: 'img', 'aria-label': `Leak chain graph of ${s.name}` });
  const legend = h('div', { class: 'hs-legend hs-muted' },
    dot(COLORS.suspect), 'suspect / chain root ', dot(COLORS.chain), 'leak chain ', dot(COLORS.normal), 'other object ',
    h('span', { class: 'hs-ring' }), 'has hidden children · click a node to expand/collapse, hover for its Reference List, drag/scroll to move/zoom',
  );
  const refTitle = h('div', { class: 'hs-label' }, 'Reference List');
  const refList = h('pre', { class: 'hs-reflist', 'data-role': 'reference-list' }, (s.referenceList?.length ? s.referenceList : referenceList(s.chain ?? [])).join('\n'));
  const pathList = s.pathReferenceList?.length ? s.pathReferenceList : referenceList(s.path ?? []);
  const pathPre = h('pre', { class: 'hs-reflist', 'data-role': 'retainer-path' }, pathList.join('\n'));
  const pathTitle = h('summary', null, 'Path from the GC roots');
  card.append(graphEl, legend, refTitle, refList, h('details', { class: 'hs-path' }, pathTitle, pathPre));

  const graph = mountLeakGraph(graphEl, s, {
    onHover: (_n, lines) => {
      refList.textContent = lines.join('\n');
    },
    onSelect: (n, lines) => {
      const details = pathPre.parentElement as HTMLDetailsElement;
      pathTitle.textContent = `Path from the GC roots to @${n.data.id}`;
      if (opts.retainers) {
        pathPre.textContent = 'loading…';
        opts.retainers(n.data.id).then(
          (p) => {
            pathPre.textContent = (typeof p[0] === 'string' ? (p as string[]) : referenceList(p as ChainNode[])).join('\n');
          },
          (err: unknown) => {
            pathPre.textContent = `Could not load the retainer path: ${err instanceof Error ? err.message : String(err)}`;
          },
        );
      } else {
        pathPre.textContent = joinReferenceLists(pathList, lines).join('\n');
      }
      details.open = true;
    },
  });
  graphs.push(graph);
  cleanups.push(onResize(graphEl, () => graph.fit()));
  return card;
}

function dot(color: string): HTMLElement {
  const d = h('span', { class: 'hs-dot' });
  d.style.background = color;
  return d;
}

function shareBar(share: number): HTMLElement {
  const bar = h('span', { class: 'hs-bar' });
  bar.style.width = `${Math.max(1, Math.min(100, share * 100))}%`;
  return h('span', { class: 'hs-share' }, h('span', { class: 'hs-bar-track' }, bar), formatPercent(share));
}

export function locText(l: SourceLocation): string {
  return `${l.functionName ? `${l.functionName} ` : ''}${l.script ?? `script#${l.scriptId}`}:${l.line}${l.column ? `:${l.column}` : ''}`;
}
