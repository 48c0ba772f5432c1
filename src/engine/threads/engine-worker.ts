// Entry of the engine worker thread: one script for the loader's share of a parse
// (engine-worker-parse.ts) and the analysis's side work (engine-worker-passes.ts), so that the
// thread started for the parse goes on to the analysis instead of a new one (see parkWorker in
// ../workers.ts). Everything in this folder runs on that thread.
import { parentPort } from 'node:worker_threads';
import { collectGarbage } from '../memory.js';
import type { ParseJob } from '../parse/index.js';
import type { SideJob } from '../passes/index.js';
import { runParseJob } from './engine-worker-parse.js';
import { runSideJob } from './engine-worker-passes.js';

/** What the main thread posts this thread (parse/parallel.ts, passes/parallel.ts). */
type EngineJob = { kind: 'parse'; job: ParseJob } | { kind: 'side'; job: SideJob };

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
