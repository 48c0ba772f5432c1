// Worker half of the two-core analysis (see parallel.ts): shallow sizes, then distances, over the
// graph's shared arrays, while the main thread computes the dominator tree.
import { parentPort, workerData } from 'node:worker_threads';
import { moveOwnedSizes } from './shallow.js';
import { bfsDistances } from './distances.js';
import type { SideJob } from './parallel.js';

const job = workerData as SideJob;
try {
  parentPort!.postMessage({ type: 'ready' });
  if (job.externalData !== null) moveOwnedSizes(job.graph, job.externalData);
  parentPort!.postMessage({ type: 'shallow' });
  bfsDistances(job.graph, job.inputs, job.distance);
  parentPort!.postMessage({ type: 'done' });
} catch (e) {
  parentPort!.postMessage({ type: 'error', message: (e as Error).message });
}
