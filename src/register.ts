// No-code-change entry: `node --require heapscope/register app.js` or `node --import heapscope/register app.mjs`.
// Settings come from HEAPSCOPE_PROJECT, HEAPSCOPE_URL, HEAPSCOPE_TOKEN, HEAPSCOPE_INTERVAL (see AgentOptions).
// Preloads are inherited by worker_threads; those are skipped unless HEAPSCOPE_WORKERS=1, because the
// main thread's agent already reports the process (a worker's own heap can still be watched by
// calling heapscope() inside it, which reports as thread 'worker:<id>').
import { isMainThread } from 'node:worker_threads';
import { startAgent } from './agent/index.js';

if (isMainThread || /^(1|true|yes)$/i.test(process.env.HEAPSCOPE_WORKERS ?? '')) startAgent();
