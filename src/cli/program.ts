// heapscope CLI: one file per command under commands/, each exporting register(program). Started
// by main.ts.
import { Command } from 'commander';
import { register as analyze } from './commands/analyze.js';
import { register as path } from './commands/path.js';
import { register as diff } from './commands/diff.js';
import { register as dashboard } from './commands/dashboard.js';
import { register as run } from './commands/run.js';
import { register as demo } from './commands/demo.js';
import { VERSION } from '../version.js';

const program = new Command();
program.name('heapscope').description('Find memory leaks in running Node.js services').version(VERSION);
for (const reg of [analyze, path, diff, dashboard, run, demo]) reg(program);
program.parseAsync(process.argv).catch((err: unknown) => {
  // Expected failures (bad input, refused actions) print one clear line, never a stack trace.
  const e = err as { message?: string; code?: string };
  process.stderr.write(`heapscope: ${e?.message ?? String(err)}\n`);
  process.exitCode = process.exitCode || 1;
});
