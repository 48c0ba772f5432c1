// The detector's confirmation probe: one full GC, forced only when the detector asks (LeakDetector
// .takeProbe: a rising floor, too few of V8's own major GCs to decide, at most 20 an hour). Its
// post-GC sample reaches the detector through the gc PerformanceObserver like any other.
// The collector comes from a throwaway V8 context made while --expose-gc is set for that moment
// only: the app's own contexts, and contexts or worker threads it starts later, get no `gc`.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collector: (() => void) | null | undefined;

function getCollector(): (() => void) | null {
  if (collector !== undefined) return collector;
  // The app runs with --expose-gc: use its collector, and leave the flag as the app set it.
  const appExposes = /--expose[-_]gc\b/.test([...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' '));
  const global = (globalThis as { gc?: unknown }).gc;
  if (appExposes && typeof global === 'function') return (collector = global as () => void);
  try {
    if (!appExposes) setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('typeof gc === "function" ? gc : null');
    collector = typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    collector = null;
  } finally {
    if (!appExposes) setFlagsFromString('--no-expose-gc');
  }
  return collector;
}

/** Forces one full GC (nothing where no collector could be had). */
export function forceMajorGc(): void {
  getCollector()?.();
}
