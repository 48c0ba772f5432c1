// The engine's memory: shared buffers on huge pages (sharedArena, below), and giving back what a
// load leaves behind.
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

// Huge pages for big arrays. Under glibc's huge-page malloc (src/hugepages.ts), an array of a few
// MB or more gets a mapping of its own, and the kernel backs the 2 MB-aligned part of it with huge
// pages; the rest, up to 2 MB at each end, comes in 4 KB pages: a page fault each (10-15 us on
// these VMs) and a TLB entry each. A mapping whose length is whole 2 MB pages is placed on a 2 MB
// boundary and backed by huge pages throughout, so arrays that live together are carved from one
// such buffer. At 470 MB: 27,000 page faults instead of 37,000, 0.2 s less CPU, 0.1 s less wall
// time (6 runs each), 3-5 MB more peak RSS. (glibc maps a request of `bytes` as bytes + 4112
// rounded up to 4 KB, so the buffer asks for whole 2 MB pages minus that.)
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
