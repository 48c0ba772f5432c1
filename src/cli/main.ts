// The `heapscope` executable. Before loading the commands, it decides whether this run analyses
// big snapshot files and should start again with huge pages (see src/hugepages.ts): deciding
// first keeps that second start as cheap as a bare `node`.
import { rerunWithHugePages, wantsHugePages } from '../hugepages.js';

const ANALYSING = new Set(['analyze', 'path', 'diff']);
const args = process.argv.slice(2);
const command = args.find((a) => !a.startsWith('-'));
// every other word may be a file (an option's value that is no file counts nothing)
if (command && ANALYSING.has(command) && wantsHugePages(args.filter((a) => a !== command && !a.startsWith('-')))) {
  const code = await rerunWithHugePages();
  if (code !== null) process.exit(code);
}
await import('./program.js');
