// The engine worker's share of a two-core parse (see parse/parallel.ts): "nodes" and the front of
// "edges" into shared arrays.
import type { MessagePort } from 'node:worker_threads';
import { WorkerJob, type ParseJob } from '../parse/index.js';
import type { HeapSnapshotError } from '../../shared/index.js';

export function runParseJob(m: ParseJob, port: MessagePort): void {
  let job: WorkerJob | null = null;
  try {
    job = new WorkerJob(m);
    job.nodes(m.fileSize);
    const edgeValues = job.edges();
    port.postMessage({ type: 'done', edgeValues, traces: job.sawTraceIds });
  } catch (e) {
    const err = e as HeapSnapshotError;
    port.postMessage({ type: 'error', code: err.code ?? 'IO', message: err.message, offset: err.offset });
  } finally {
    job?.close();
  }
}
