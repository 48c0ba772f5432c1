// `heapscope analyze FILE [--json] [--top N] [--html FILE]`: Heap Status, top classes, largest
// objects with their reference paths, and the suspected leaks: one HeapReport, three renderings.
import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { analyzeFile } from '../../diagnosis/index.js';
import { renderHtmlReport, renderJson, renderReportText } from '../../report/index.js';
import { progressBar } from '../lib/progress.js';

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
      const report = await analyzeFile(file, { top: Math.min(opts.top, 5), classes: opts.top, largest: opts.top, explore: Boolean(opts.html), onProgress: bar.update }).finally(
        () => bar.stop(),
      );
      if (opts.html) await writeFile(opts.html, renderHtmlReport(report));
      // the drill-down subset is for the HTML only
      const printed = { ...report, explore: undefined };
      process.stdout.write((opts.json ? renderJson(printed) : renderReportText(printed)) + '\n');
    });
}

export function parsePositive(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`expected a positive whole number, got "${v}"`);
  return n;
}
