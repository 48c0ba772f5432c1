// Huge pages for big analyses (Linux, glibc 2.35+): the engine reads hundreds of MB of typed arrays
// at random, and with 4 KB pages nearly every such read misses the TLB. Only the environment at
// process start can set glibc's tunables, so the CLI runs itself once more with them for inputs of
// 64 MB and more (about 50 ms; about 20% off a 500 MB analysis: see PERFORMANCE.md).
import { statSync } from 'node:fs';
import { withHugePages } from '../shared/index.js';

export { withHugePages };

const MIN_INPUT_MB = 64;

/** The total size of those of `files` that are files. */
export function inputBytes(files: string[]): number {
  let total = 0;
  for (const f of files) {
    try {
      total += statSync(f).size;
    } catch {
      // not a file (an id, a missing path): the command itself reports it
    }
  }
  return total;
}

/** True when this process should run again with huge pages to analyse `files`. */
export function wantsHugePages(files: string[], env: NodeJS.ProcessEnv = process.env): boolean {
  if (withHugePages(env) === env) return false; // not Linux, turned off, or already set
  const total = inputBytes(files);
  // HEAPSCOPE_HUGEPAGES_MIN_MB moves the threshold (tests use 0)
  const min = Number(env.HEAPSCOPE_HUGEPAGES_MIN_MB ?? MIN_INPUT_MB);
  return total >= (Number.isFinite(min) ? min : MIN_INPUT_MB) * (1 << 20);
}
