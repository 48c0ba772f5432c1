// `heapscope diff A B [C ...] [--json] [--html FILE]`: DevTools' Comparison view (first vs last,
// objects matched by id), what kept growing across 3+ snapshots, and the last snapshot's suspects.
import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { progressBar } from '../lib/progress.js';
import { diffSnapshots } from '../../diagnosis/index.js';
import { renderHtmlReport, renderJson, renderReportText } from '../../report/index.js';
import { parsePositive } from './analyze.js';

export function register(program: Command): void {
  program
    .command('diff')
    .description('compare heap snapshots of one process (oldest first): comparison per class, growth, suspects')
    .argument('<files...>', 'two or more .heapsnapshot files of the same process, oldest first')
    .option('--json', 'print one JSON document to stdout')
    .option('--top <n>', 'how many suspects to list', (v) => parsePositive(v), 5)
    .option('--html <out>', 'also write a self-contained HTML report')
    .option('--no-progress', 'no progress bar')
    .action(async (files: string[], opts: { json?: boolean; top: number; html?: string; progress: boolean }) => {
      if (files.length < 2) throw new Error('diff needs at least two snapshots of the same process (oldest first)');
      const bar = progressBar(opts.progress && Boolean(process.stderr.isTTY));
      let report;
      try {
        report = await diffSnapshots(files, { top: opts.top, explore: Boolean(opts.html), onProgress: bar.update });
      } finally {
        bar.stop();
      }
      if (opts.html) await writeFile(opts.html, renderHtmlReport(report));
      // the drill-down subset is for the HTML only
      const printed = { ...report, explore: undefined };
      if (opts.json) process.stdout.write(renderJson(printed) + '\n');
      else process.stdout.write(renderReportText(printed) + '\n' + (opts.html ? `\nHTML report: ${opts.html}\n` : ''));
    });
}
