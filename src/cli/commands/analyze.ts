// `heapscope analyze FILE [--json] [--top N] [--html FILE]`: Heap Status, top classes, largest
// objects with their reference paths, and the suspected leaks.
import type { Command } from 'commander';
import { analyzeSnapshot, buildAnalyzeReport, type AnalyzeReport, type HeapAnalysis } from '../../engine/index.js';
import { exploreSubset } from '../../engine/query/explore.js';
import { progressBar } from '../lib/progress.js';
import { bytes, pct, table, trunc } from '../lib/format.js';

export function register(program: Command): void {
  program
    .command('analyze')
    .description('analyse a .heapsnapshot (or .heapsnapshot.gz): statistics, classes, largest objects, suspected leaks')
    .argument('<file>', 'heap snapshot file')
    .option('--json', 'print one JSON document to stdout')
    .option('--top <n>', 'how many classes / objects / suspects to list', (v) => parsePositive(v), 20)
    .option('--html <out>', 'also write a self-contained HTML report')
    .option('--no-progress', 'no progress bar')
    .action(async (file: string, opts: { json?: boolean; top: number; html?: string; progress: boolean }) => {
      const bar = progressBar(opts.progress && Boolean(process.stderr.isTTY));
      let a: HeapAnalysis;
      try {
        a = await analyzeSnapshot(file, { onProgress: bar.update });
      } finally {
        bar.stop();
      }
      // the diagnosis first: the analysis worker may still be summing the Summary's retained sizes
      const diag = await diagnosisOf(a, opts.top);
      const report: AnalyzeReport = { file, ...buildAnalyzeReport(a, { top: opts.top }) };
      if (diag) report.suspects = diag.report.suspects;
      if (opts.html && diag) await diag.writeHtml(opts.html);
      if (opts.json) {
        process.stdout.write(JSON.stringify(report) + '\n');
        return;
      }
      process.stdout.write(renderText(report) + (diag ? '\n\n' + diag.text : '') + '\n');
    });
}

export function parsePositive(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`expected a positive whole number, got "${v}"`);
  return n;
}

/** Leak diagnosis, when the diagnosis module is present (it builds on the same analysis). */
async function diagnosisOf(a: HeapAnalysis, top: number) {
  const d = await import('../../diagnosis/index.js').catch(() => null);
  if (!d || typeof d.diagnose !== 'function') return null;
  const report = d.diagnose(a, { top: Math.min(top, 5) });
  const explore = () => exploreSubset(a, report.classes.map((c) => c.name)); // explore: the offline drill-down's bounded subset
  return {
    report,
    text: d.renderDiagnosisText(report),
    async writeHtml(out: string) {
      const r = await import('../../report/index.js');
      const { writeFile } = await import('node:fs/promises');
      await writeFile(out, r.renderHtmlReport({ ...report, explore: explore() } as typeof report));
    },
  };
}

export function renderText(r: AnalyzeReport): string {
  const s = r.statistics;
  const out: string[] = [];
  out.push('Heap Status');
  out.push(
    table(
      ['', ''],
      [
        ['nodes', r.nodeCount.toLocaleString('en-US')],
        ['edges', r.edgeCount.toLocaleString('en-US')],
        ['total size', bytes(r.totalSize)],
        ['code', bytes(s.v8heap.code)],
        ['strings', bytes(s.v8heap.strings)],
        ['JS arrays', bytes(s.v8heap.jsArrays)],
        ['typed arrays', bytes(s.native.typedArrays)],
        ['system objects', bytes(s.v8heap.system)],
        ['native', bytes(s.native.total)],
      ],
      [false, true],
    ),
  );
  out.push('');
  out.push('Top classes by retained size');
  out.push(
    table(
      ['class', 'count', 'distance', 'shallow', 'retained', 'share'],
      r.classes.map((c) => [trunc(c.name, 44), c.count, c.distance, bytes(c.selfSize), bytes(c.retainedSize), pct(c.retainedSize, r.totalSize)]),
      [false, true, true, true, true, true],
    ),
  );
  out.push('');
  out.push('Largest objects by retained size');
  for (const o of r.largest) {
    out.push(`  @${o.id} [${o.type}] ${trunc(o.name, 50)}  retained ${bytes(o.retainedSize)} (${pct(o.retainedSize, r.totalSize)}), distance ${o.distance}`);
    if (o.path) out.push(o.path.split('\n').map((l) => '      ' + trunc(l, 92)).join('\n'));
  }
  return out.join('\n');
}
