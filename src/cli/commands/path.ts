// `heapscope path FILE @ID`: the shortest retainer path from the GC roots to one object.
import type { Command } from 'commander';
import { analyzeSnapshot, nodeById, retainerPath, formatPath, nodeInfo } from '../../engine/index.js';
import { progressBar } from '../lib/progress.js';
import { formatBytes } from '../../diagnosis/index.js';

export function register(program: Command): void {
  program
    .command('path')
    .description('print the retainer path of one object (by its @id) from the GC roots')
    .argument('<file>', 'heap snapshot file')
    .argument('<id>', 'object id, e.g. @12345')
    .option('--json', 'print JSON')
    .action(async (file: string, id: string, opts: { json?: boolean }) => {
      if (!/^@?\d+$/.test(id)) throw new Error(`"${id}" is not an object id (expected @12345)`);
      const bar = progressBar();
      const a = await analyzeSnapshot(file, { onProgress: bar.update }).finally(() => bar.stop());
      const node = nodeById(a, id);
      if (node < 0) throw new Error(`no object ${id} in ${file}`);
      const steps = retainerPath(a, node);
      if (opts.json) {
        const path = steps.map((s) => ({ ...nodeInfo(a, s.node), edgeName: s.edgeName, edgeType: s.edgeType }));
        process.stdout.write(JSON.stringify({ id: a.graph.nodeId[node], path }) + '\n');
        return;
      }
      const info = nodeInfo(a, node);
      process.stdout.write(`@${info.id} [${info.type}] ${info.name}: retained ${formatBytes(info.retainedSize)}, distance ${info.distance}\n`);
      process.stdout.write(formatPath(a, steps) + '\n');
    });
}
