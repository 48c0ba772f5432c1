// Worker thread entry: parses "nodes" and the front of "edges" into shared arrays.
import { parentPort } from 'node:worker_threads';
import { WorkerJob, type NodesJob, type EdgesJob } from './worker-job.js';
import { HeapSnapshotError } from './errors.js';

type Msg = ({ type: 'nodes'; fileSize: number } & NodesJob) | ({ type: 'edges' } & EdgesJob);

let job: WorkerJob | null = null;
let nodesDone = false;
let pendingEdges: EdgesJob | null = null;

function fail(e: unknown): void {
  const err = e as HeapSnapshotError;
  parentPort!.postMessage({ type: 'error', code: err.code ?? 'IO', message: err.message, offset: err.offset });
  job?.close();
  job = null;
}

function runEdges(e: EdgesJob): void {
  try {
    const values = job!.edges(e);
    job!.close();
    parentPort!.postMessage({ type: 'done', edgeValues: values });
  } catch (err) {
    fail(err);
  }
}

parentPort!.on('message', (m: Msg) => {
  if (m.type === 'nodes') {
    try {
      job = new WorkerJob(m);
      job.nodes(m.fileSize);
      nodesDone = true;
      parentPort!.postMessage({ type: 'nodes-done' });
      if (pendingEdges) runEdges(pendingEdges);
    } catch (err) {
      fail(err);
    }
  } else if (m.type === 'edges') {
    if (nodesDone && job) runEdges(m);
    else pendingEdges = m;
  }
});
