// heapscope CLI: one file per command under commands/, each exporting register(program). Started
// by main.ts. Only the command being run is loaded (all of them for help or an unknown word): the
// others pull in the dashboard's server and the agent, which cost the start of an analysis
// tens of milliseconds.
import { Command } from 'commander';
import { VERSION } from '../version.js';

type Register = (program: Command) => void;
const COMMANDS: Record<string, () => Promise<{ register: Register }>> = {
  analyze: () => import('./commands/analyze.js'),
  path: () => import('./commands/path.js'),
  diff: () => import('./commands/diff.js'),
  dashboard: () => import('./commands/dashboard.js'),
  run: () => import('./commands/run.js'),
  demo: () => import('./commands/demo.js'),
};

const program = new Command();
program.name('heapscope').description('Find memory leaks in running Node.js services').version(VERSION);
const word = process.argv.slice(2).find((a) => !a.startsWith('-'));
const names = word && Object.hasOwn(COMMANDS, word) ? [word] : Object.keys(COMMANDS);
try {
  for (const name of names) (await COMMANDS[name]()).register(program);
  await program.parseAsync(process.argv);
} catch (err: unknown) {
  // Expected failures (bad input, refused actions) print one clear line, never a stack trace.
  const e = err as { message?: string; code?: string };
  process.stderr.write(`heapscope: ${e?.message ?? String(err)}\n`);
  process.exitCode = process.exitCode || 1;
}
