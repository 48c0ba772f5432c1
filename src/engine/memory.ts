// The engine's memory: shared buffers on huge pages (sharedArena, below), and giving back what a
// load leaves behind before the analysis's peak: V8 frees an ArrayBuffer only when its collector
// runs, and typed-array loops never make it run (see PERFORMANCE.md).
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

/** This thread's collector: ours, or node --expose-gc's; null where the process allows neither. */
function gcHere(): (() => void) | null {
  const gc = collector ?? (globalThis as { gc?: unknown }).gc;
  return typeof gc === 'function' ? (gc as () => void) : null;
}

/** Whether collectGarbage() collects here (and in worker threads started from now on). */
export function canCollectGarbage(): boolean {
  return gcHere() !== null;
}

/** A full collection, where the process allows it (see above); otherwise nothing. */
export function collectGarbage(): void {
  gcHere()?.();
}

// Huge pages for big arrays: under glibc's huge-page malloc (shared/glibc-tunables.ts) only a
// mapping of whole 2 MB pages is backed by huge pages throughout, so arrays that live together are
// carved from one such buffer (see PERFORMANCE.md). glibc maps a request of `bytes` as bytes + 4112
// rounded up to 4 KB, so the buffer asks for whole 2 MB pages minus that.
const HUGE_PAGE = 2 << 20;
const MMAP_OVERHEAD = 4112;
const hugeMalloc = /glibc\.malloc\.hugetlb=[12]/.test(process.env.GLIBC_TUNABLES ?? '');

/** Where each of `sizes` (bytes) starts in a shared buffer holding them all, 64-byte aligned. */
export interface SharedArena {
  buffer: SharedArrayBuffer;
  offsets: number[];
}

export function sharedArena(sizes: number[]): SharedArena {
  const offsets: number[] = [];
  let end = 0;
  for (const s of sizes) {
    offsets.push(end);
    end += Math.ceil(s / 64) * 64;
  }
  const bytes = hugeMalloc && end >= HUGE_PAGE ? Math.ceil((end + MMAP_OVERHEAD) / HUGE_PAGE) * HUGE_PAGE - MMAP_OVERHEAD : end;
  return { buffer: new SharedArrayBuffer(Math.max(bytes, 1)), offsets };
}
