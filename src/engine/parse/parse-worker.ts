// Worker thread entry: parses "nodes" and the front of "edges" into shared arrays.
import { parentPort } from 'node:worker_threads';
import { WorkerJob, type NodesJob } from './worker-job.js';
import type { HeapSnapshotError } from './errors.js';

parentPort!.once('message', (m: NodesJob & { fileSize: number }) => {
  let job: WorkerJob | null = null;
  try {
    job = new WorkerJob(m);
    job.nodes(m.fileSize);
    const edgeValues = job.edges();
    parentPort!.postMessage({ type: 'done', edgeValues, traces: job.sawTraceIds });
  } catch (e) {
    const err = e as HeapSnapshotError;
    parentPort!.postMessage({ type: 'error', code: err.code ?? 'IO', message: err.message, offset: err.offset });
  } finally {
    job?.close();
  }
});
