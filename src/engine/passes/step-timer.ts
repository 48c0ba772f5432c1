// Where each thread of the two-core analysis spends its time (HEAPSCOPE_DEBUG_PASSES=1).

/** HEAPSCOPE_DEBUG_PASSES=1: a thread's time per step (waits included) on stderr. */
export function stepTimer(thread = 'worker'): (step: string) => void {
  if (!process.env.HEAPSCOPE_DEBUG_PASSES) return () => {};
  let t = performance.now();
  return (step) => {
    const now = performance.now();
    // RSS is the whole process's (both threads): where the peak builds up.
    process.stderr.write(`passes (${thread}): ${step} ${Math.round(now - t)} ms, rss ${Math.round(process.memoryUsage.rss() / 1048576)} MB ab ${Math.round(process.memoryUsage().arrayBuffers / 1048576)} heap ${Math.round(process.memoryUsage().heapTotal / 1048576)}\n`);
    t = now;
  };
}
