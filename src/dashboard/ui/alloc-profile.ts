// Allocation sampling profile (.heapprofile, V8's HeapProfiler.getSamplingProfile): where live
// bytes were allocated, as a flame graph of the allocating stacks (width = bytes) and per function
// (self = allocated in it, total = in it and its callees).
import { createTable } from '../../report/viewer/index.js';
import { mountFlameGraph } from '../../report/viewer/index.js';
import type { FlameFrame } from '../../report/viewer/index.js';
import { formatBytes } from '../../report/viewer/index.js';

interface AllocNode {
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  selfSize: number;
  children?: AllocNode[];
}

interface Row {
  name: string;
  url: string;
  line: number;
  self: number;
  total: number;
}

const fmt = formatBytes;

/** The allocation tree as flame frames (depth-first, parents first, widest child leftmost). */
function allocFrames(head: AllocNode): { frames: FlameFrame[]; maxDepth: number; duration: number } {
  const totals = new Map<AllocNode, number>();
  const sum = (n: AllocNode): number => {
    let t = n.selfSize;
    for (const c of n.children ?? []) t += sum(c);
    totals.set(n, t);
    return t;
  };
  const duration = sum(head);
  const frames: FlameFrame[] = [];
  let maxDepth = 0;
  const visit = (n: AllocNode, depth: number, start: number, parent: number) => {
    const total = totals.get(n)!;
    if (total <= 0) return;
    const f = n.callFrame;
    const index = frames.length;
    frames.push({ id: index, name: f.functionName || (f.url ? '(anonymous)' : '(root)'), url: f.url, line: f.lineNumber + 1, column: f.columnNumber + 1, depth, start, total, self: n.selfSize, parent });
    maxDepth = Math.max(maxDepth, depth);
    let x = start;
    for (const c of [...(n.children ?? [])].sort((a, b) => totals.get(b)! - totals.get(a)!)) {
      visit(c, depth + 1, x, index);
      x += totals.get(c)!;
    }
  };
  visit(head, 0, 0, -1);
  return { frames, maxDepth, duration };
}

export function mountAllocProfile(host: HTMLElement, profile: { head?: AllocNode }): void {
  if (!profile?.head) throw new Error('not a sampling heap profile (no "head")');
  const rows = new Map<string, Row>();
  let grand = 0;
  // Iterative walk: profiles can be deep. `onStack` keeps recursion from counting total twice.
  const onStack = new Map<string, number>();
  const walk = (node: AllocNode): number => {
    const f = node.callFrame;
    const key = `${f.functionName}|${f.url}|${f.lineNumber}|${f.columnNumber}`;
    let row = rows.get(key);
    if (!row) rows.set(key, (row = { name: f.functionName || '(anonymous)', url: f.url, line: f.lineNumber + 1, self: 0, total: 0 }));
    row.self += node.selfSize;
    onStack.set(key, (onStack.get(key) ?? 0) + 1);
    let sum = node.selfSize;
    for (const c of node.children ?? []) sum += walk(c);
    const depth = onStack.get(key)! - 1;
    if (depth === 0) {
      onStack.delete(key);
      row.total += sum;
    } else onStack.set(key, depth);
    return sum;
  };
  grand = walk(profile.head);
  const list = [...rows.values()].filter((r) => r.self > 0 || r.total > 0).filter((r) => r.name !== '(root)');
  const table = createTable<Row>({
    rows: list,
    maxHeight: 520,
    filterText: (r) => `${r.name} ${r.url}`,
    filterPlaceholder: 'Filter functions or files',
    sort: { key: 'self', dir: 'desc' },
    columns: [
      { key: 'self', title: 'Self bytes', value: (r) => r.self, render: (r) => fmt(r.self), align: 'right', width: '110px' },
      { key: 'total', title: 'Total bytes', value: (r) => r.total, render: (r) => fmt(r.total), align: 'right', width: '110px' },
      { key: 'name', title: 'Function', value: (r) => r.name, width: 'minmax(160px, 1fr)', firstSort: 'asc' },
      { key: 'url', title: 'Source', value: (r) => r.url, render: (r) => (r.url ? `${r.url}:${r.line}` : '—'), width: 'minmax(220px, 2fr)', firstSort: 'asc' },
    ],
  });
  const title = document.createElement('p');
  title.className = 'muted';
  title.textContent = `Sampled live allocations: ${fmt(grand)} in ${list.length} functions.`;
  const heading = (text: string) => Object.assign(document.createElement('h3'), { textContent: text });
  const model = allocFrames(profile.head);
  if (model.frames.length === 0) {
    host.replaceChildren(title, table.el);
    return;
  }
  const flame = mountFlameGraph(model, { format: fmt, noun: 'allocated and still live' });
  flame.el.classList.add('alloc-flame');
  host.replaceChildren(title, heading('Allocating stacks'), flame.el, heading('Top allocation sites'), table.el);
}
