// heapscope CLI: one file per command under commands/, each exporting register(program).
import { Command } from 'commander';
import { register as analyze } from './commands/analyze.js';
import { register as path } from './commands/path.js';
import { register as diff } from './commands/diff.js';
import { register as dashboard } from './commands/dashboard.js';
import { register as run } from './commands/run.js';
import { register as demo } from './commands/demo.js';
import { VERSION } from '../version.js';
import { rerunWithHugePages, wantsHugePages } from '../hugepages.js';

const program = new Command();
program.name('heapscope').description('Find memory leaks in running Node.js services').version(VERSION);
for (const reg of [analyze, path, diff, dashboard, run, demo]) reg(program);
// Commands that analyse snapshot files run again with huge pages when the files are big (see src/hugepages.ts).
const ANALYSING = new Set(['analyze', 'path', 'diff']);
program.hook('preAction', async (_program, command) => {
  if (!ANALYSING.has(command.name()) || !wantsHugePages(command.args)) return;
  const code = await rerunWithHugePages();
  if (code !== null) process.exit(code);
});
program.parseAsync(process.argv).catch((err: unknown) => {
  // Expected failures (bad input, refused actions) print one clear line, never a stack trace.
  const e = err as { message?: string; code?: string };
  process.stderr.write(`heapscope: ${e?.message ?? String(err)}\n`);
  process.exitCode = process.exitCode || 1;
});
