// Terminal rendering of a HeapReport, readable at 100 columns: `heapscope analyze` prints the heap
// status, top classes and largest objects, then the suspects; `heapscope diff` the comparison,
// growth and the last snapshot's suspects.
import { formatBytes } from '../diagnosis/index.js';
import type { Cause, Comparison, GrowthFinding, HeapReport, IdReset, SourceLocation, Suspect } from '../diagnosis/index.js';
import { pct as share, table, trunc } from './columns.js';
import { GROWTH_AFTER_RESET, NO_SUSPECTS } from './messages.js';

const WIDTH = 100;

function clip(s: string, width = WIDTH): string {
  return s.length > width ? `${s.slice(0, width - 1)}…` : s;
}

/** Word-wrap `text` to the width, every line prefixed with `indent`. */
function wrap(text: string, indent: string, first = indent): string[] {
  const out: string[] = [];
  let line = first;
  for (const word of text.split(/\s+/)) {
    if (line.length + word.length + 1 > WIDTH && line.trim()) {
      out.push(line.trimEnd());
      line = indent;
    }
    line += (line.trim() ? ' ' : '') + word;
  }
  if (line.trim()) out.push(line.trimEnd());
  return out;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

function where(l: SourceLocation): string {
  return `${l.functionName ?? '(anonymous)'} ${l.script ?? `script ${l.scriptId}`}:${l.line}:${l.column}`;
}

function causeLines(c: Cause | null, indent: string): string[] {
  if (!c) return [];
  return [
    ...wrap(c.title, indent + '       ', `${indent}cause: `),
    ...wrap(c.explanation, indent + '       '),
    ...wrap(c.fix, indent + '       ', `${indent}fix:   `),
  ];
}

/** Show the end of a long reference list (the part nearest the suspect). */
function refLines(lines: string[], indent: string, max: number): string[] {
  const shown = lines.length > max ? [`… ${lines.length - max} hops from the GC roots`, ...lines.slice(-max)] : lines;
  return shown.map((l) => clip(indent + l));
}

function renderSuspect(s: Suspect, i: number): string[] {
  const out: string[] = [];
  out.push(clip(`${String(i + 1).padStart(2)}. ${s.owner || s.name}`));
  const coll = s.collection ? `, ${s.collection.count} entries${s.collection.entryClass ? ` of ${s.collection.entryClass}` : ''}` : '';
  out.push(clip(`    [${s.type}] ${s.name} @${s.id}: retains ${formatBytes(s.retainedSize)} (${pct(s.share)} of heap)${coll}`));
  out.push(...causeLines(s.cause, '    '));
  if (s.keys.length) out.push(...wrap(s.keys.join(', '), '           ', '    keys:  '));
  for (const l of s.locations.slice(0, 4)) out.push(clip(`    code:  ${where(l)}`));
  out.push('    path from the GC roots:');
  out.push(...refLines(s.pathReferenceList, '      ', 8));
  if (s.chain.length > 1) {
    out.push('    leak chain (Reference List):');
    out.push(...refLines(s.referenceList, '      ', 12));
  }
  return out;
}

export function renderGrowthText(growth: GrowthFinding[], idReset?: IdReset): string {
  const out: string[] = ['Growing across snapshots'];
  if (idReset) out.push(...wrap(GROWTH_AFTER_RESET, '  ', '  ! '));
  if (growth.length === 0) {
    out.push('  nothing grew in every snapshot (no leak found across these snapshots)');
    return out.join('\n');
  }
  growth.forEach((f, i) => {
    out.push(clip(`${String(i + 1).padStart(2)}. ${f.owner}  (+${formatBytes(f.growth)}, ${f.kind})`));
    const what = f.kind === 'new-objects' ? 'new objects' : 'entries';
    out.push(clip(`    ${what}: ${f.counts.join(' → ')}   retained: ${f.sizes.map(formatBytes).join(' → ')}`));
    out.push(...causeLines(f.cause, '    '));
    if (f.keys.length) out.push(...wrap(f.keys.join(', '), '           ', '    keys:  '));
    for (const l of f.locations.slice(0, 3)) out.push(clip(`    code:  ${where(l)}`));
    out.push('    path:');
    out.push(...refLines(f.referenceList, '      ', 8));
  });
  return out.join('\n');
}

export function renderComparisonText(c: Comparison, rows = 15): string {
  const head = ['class', '#new', '#deleted', '#delta', 'alloc', 'freed', 'size delta'];
  const count = (n: number | null) => (n === null ? '?' : String(n));
  const bytes = (n: number | null) => (n === null ? '?' : formatBytes(n));
  const body = c.rows.slice(0, rows).map((r) => [
    clip(r.name.replace(/\s+/g, ' '), 38),
    count(r.newCount),
    count(r.deletedCount),
    (r.deltaCount > 0 ? '+' : '') + r.deltaCount,
    bytes(r.allocSize),
    bytes(r.freedSize),
    (r.sizeDelta > 0 ? '+' : '') + formatBytes(r.sizeDelta),
  ]);
  const t = c.totals;
  body.push(['total', count(t.newCount), count(t.deletedCount), (t.deltaCount > 0 ? '+' : '') + t.deltaCount,
    bytes(t.allocSize), bytes(t.freedSize), (t.sizeDelta > 0 ? '+' : '') + formatBytes(t.sizeDelta)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const fmt = (r: string[]) => r.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
  const how = c.idReset ? 'per class only: object ids were reset' : 'objects matched by id';
  const out = [`Comparison (snapshot ${c.base + 1} → ${c.target + 1}, ${how})`];
  if (c.idReset) out.push(...wrap(c.idReset.message, '  ', '  ! '));
  return [...out, fmt(head), ...body.map(fmt)].join('\n');
}

/** The diagnosis part of a report as terminal text. */
export function renderDiagnosisText(report: HeapReport): string {
  const parts: string[] = [];
  if (report.comparison) parts.push(renderComparisonText(report.comparison));
  if (report.growth) parts.push(renderGrowthText(report.growth, report.idReset));
  const s: string[] = [`Suspected leaks${report.kind === 'diff' ? ' (last snapshot)' : ''}, by retained size`];
  if (report.suspects.length === 0) s.push(`  none: ${NO_SUSPECTS}`);
  report.suspects.forEach((x, i) => s.push(...renderSuspect(x, i), ''));
  parts.push(s.join('\n').trimEnd());
  return parts.join('\n\n');
}

/** The whole report as terminal text: `analyze`'s tables first, then the diagnosis. */
export function renderReportText(report: HeapReport): string {
  return report.kind === 'analyze' ? `${renderHeapText(report)}\n\n${renderDiagnosisText(report)}` : renderDiagnosisText(report);
}

/** Heap Status, top classes by retained size and the largest objects with their paths. */
export function renderHeapText(r: HeapReport): string {
  const s = r.statistics;
  const total = r.snapshot.totalSize;
  const out: string[] = [];
  out.push('Heap Status');
  out.push(
    table(
      ['', ''],
      [
        ['nodes', r.snapshot.nodeCount.toLocaleString('en-US')],
        ['edges', r.snapshot.edgeCount.toLocaleString('en-US')],
        ['total size', formatBytes(total)],
        ['code', formatBytes(s.v8heap.code)],
        ['strings', formatBytes(s.v8heap.strings)],
        ['JS arrays', formatBytes(s.v8heap.jsArrays)],
        ['typed arrays', formatBytes(s.native.typedArrays)],
        ['system objects', formatBytes(s.v8heap.system)],
        ['native', formatBytes(s.native.total)],
      ],
      [false, true],
    ),
  );
  out.push('');
  out.push('Top classes by retained size');
  out.push(
    table(
      ['class', 'count', 'distance', 'shallow', 'retained', 'share'],
      r.classes.map((c) => [trunc(c.name, 44), c.count, c.distance, formatBytes(c.selfSize), formatBytes(c.retainedSize), share(c.retainedSize, total)]),
      [false, true, true, true, true, true],
    ),
  );
  out.push('');
  out.push('Largest objects by retained size');
  for (const o of r.largest ?? []) {
    out.push(`  @${o.id} [${o.type}] ${trunc(o.name, 50)}  retained ${formatBytes(o.retainedSize)} (${share(o.retainedSize, total)}), distance ${o.distance}`);
    if (o.path) out.push(o.path.split('\n').map((l) => '      ' + trunc(l, 92)).join('\n'));
  }
  return out.join('\n');
}
