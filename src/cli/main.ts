// The `heapscope` executable. Before loading the commands, it decides whether this run analyses
// big snapshot files and should start again with huge pages (see hugepages.ts): deciding
// first keeps that second start as cheap as a bare `node`.
import { inputBytes, wantsHugePages, withHugePages } from './hugepages.js';
import { runForwarding } from './lib/forward.js';

const ANALYSING = new Set(['analyze', 'path', 'diff']);
const args = process.argv.slice(2);
const command = args.find((a) => !a.startsWith('-'));
// every other word may be a file (an option's value that is no file counts nothing)
const files = args.filter((a) => a !== command && !a.startsWith('-'));
if (command && ANALYSING.has(command) && wantsHugePages(files)) {
  // this same command line again, the tunable set
  const { done } = runForwarding(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { env: withHugePages(process.env) });
  process.exit(await done);
}
if (command && (ANALYSING.has(command) || command === 'dashboard' || command === 'demo')) {
  // (loaded here, not above: the run that only starts the huge-pages one never needs it)
  const engine = await import('../engine/index.js');
  // commands that analyse here (the dashboard in its worker threads) may collect the garbage a
  // big load leaves before the analysis's peak (see engine/memory.ts)
  engine.allowGarbageCollection();
  // a file the loader parses on two threads: its worker starts while this thread loads the command
  if (ANALYSING.has(command) && inputBytes(files) >= engine.PARALLEL_MIN_BYTES) engine.prewarmWorker();
}
await import('./program.js');
