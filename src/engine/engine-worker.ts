// The engine's worker thread: one script for the loader's share of a parse (parse/parse-job.ts)
// and the analysis's side work (passes/side-job.ts), so that the thread started for the parse goes
// on to the analysis instead of a new one (see parkWorker in workers.ts).
import { parentPort } from 'node:worker_threads';
import { runParseJob, type ParseJob } from './parse/parse-job.js';
import { runSideJob } from './passes/side-job.js';
import type { SideJob } from './passes/parallel.js';
import { collectGarbage } from './memory.js';

export type EngineJob = { kind: 'parse'; job: ParseJob } | { kind: 'side'; job: SideJob };

const port = parentPort!;
const next = () =>
  port.once('message', (m: EngineJob) => {
    if (m.kind === 'side') return runSideJob(m.job, port); // the thread's last job: it ends the thread
    runParseJob(m.job, port);
    // The job's arrays (trace ids among them, 4 bytes a node, which the loader may drop) live as
    // long as this thread refers to them: collect once the message is off the stack, rather than
    // whenever this idle thread next allocates.
    setImmediate(collectGarbage);
    next();
  });
next();
