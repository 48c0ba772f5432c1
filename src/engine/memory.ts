// Collecting the garbage a big load leaves behind (the parse's read buffer and growable arrays,
// the V8 heap it used) before the analysis allocates its peak. V8 frees an ArrayBuffer only when
// its collector runs, and the analysis's typed-array loops allocate nothing that would make it
// run: on the 524 MB bench snapshot about 40 MB stayed in the process through the peak, or not,
// depending on what happened to trigger a collection. A full collection there takes about 5 ms.
// Code may call the collector only where the process allows it: node --expose-gc, or a process
// of ours that called allowGarbageCollection() (the CLI and the dashboard; never the agent, which
// lives in the user's process).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collector: (() => void) | null = null;

/**
 * Lets this process call the collector: new V8 contexts (and worker threads started later) get
 * `gc`, and collectGarbage() uses one such context's.
 */
export function allowGarbageCollection(): void {
  if (collector) return;
  setFlagsFromString('--expose-gc');
  const gc: unknown = runInNewContext('typeof gc === "function" ? gc : null');
  if (typeof gc === 'function') collector = gc as () => void;
}

/** A full collection, where the process allows it (see above); otherwise nothing. */
export function collectGarbage(): void {
  const gc = collector ?? (globalThis as { gc?: unknown }).gc;
  if (typeof gc === 'function') (gc as () => void)();
}
