// The `heapscope` executable. Before loading the commands, it decides whether this run analyses
// big snapshot files and should start again with huge pages (see src/hugepages.ts): deciding
// first keeps that second start as cheap as a bare `node`.
import { wantsHugePages, withHugePages } from '../hugepages.js';
import { runForwarding } from './lib/forward.js';
import { allowGarbageCollection } from '../engine/memory.js';

const ANALYSING = new Set(['analyze', 'path', 'diff']);
const args = process.argv.slice(2);
const command = args.find((a) => !a.startsWith('-'));
// every other word may be a file (an option's value that is no file counts nothing)
if (command && ANALYSING.has(command) && wantsHugePages(args.filter((a) => a !== command && !a.startsWith('-')))) {
  // this same command line again, the tunable set
  const { done } = runForwarding(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { env: withHugePages(process.env) });
  process.exit(await done);
}
// commands that analyse here (the dashboard in its worker threads) may collect the garbage a
// big load leaves before the analysis's peak (see engine/memory.ts)
if (command && (ANALYSING.has(command) || command === 'dashboard' || command === 'demo')) allowGarbageCollection();
await import('./program.js');
