// Transparent huge pages for big analyses (Linux, glibc 2.35+). The engine holds hundreds of MB of
// typed arrays and reads them at random (dominator tree, retainer index): with 4 KB pages nearly
// every such read also misses the TLB, and first touching the memory costs a page fault per 4 KB.
// glibc's `glibc.malloc.hugetlb=1` tunable makes malloc, which backs every ArrayBuffer, ask the
// kernel for 2 MB pages (madvise), and only the environment at process start can set it; so the
// CLI runs itself once more with it for inputs of 64 MB and more (about 50 ms). On the 524 MB bench
// snapshot on a 2-core VM that took `analyze` from 4.5 s to 3.6 s at the same peak RSS.
// The same run fixes malloc's mmap threshold at 1 MB. Left dynamic, it rises to the size of the
// largest buffer freed (up to 32 MB), after which big arrays come from malloc's heaps and stay in
// the process when freed: that added 30-60 MB, varying run to run, to the peak RSS at 500 MB.
// And it gives malloc one arena for all threads. With one per thread (V8's compiler and GC
// threads, libuv's, the engine worker) each arena grew and shrank on its own: at 470 MB 24,000
// page faults instead of 15,000, 4.0 s of CPU instead of 3.7 and 2.60 s instead of 2.36 (medians
// of 10 runs each, interleaved), at the same peak RSS within 3 MB. The engine's threads hardly call
// malloc: there is no contention to speak of.
// Elsewhere the variable is ignored. HEAPSCOPE_HUGEPAGES=0 turns this off.
import { statSync } from 'node:fs';

const TUNABLES = ['glibc.malloc.hugetlb=1', 'glibc.malloc.mmap_threshold=1048576', 'glibc.malloc.arena_max=1'];
const MIN_INPUT_MB = 64;

/** `env` with the tunables added (other GLIBC_TUNABLES kept), or as it is where they do not apply. */
export function withHugePages(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (process.platform !== 'linux' || env.HEAPSCOPE_HUGEPAGES === '0') return env;
  const cur = env.GLIBC_TUNABLES ?? '';
  if (cur.includes('glibc.malloc.hugetlb')) return env; // the user chose
  // a threshold the user set stays
  const add = TUNABLES.filter((t) => !cur.includes(t.slice(0, t.indexOf('=') + 1)));
  return { ...env, GLIBC_TUNABLES: [cur, ...add].filter(Boolean).join(':') };
}

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
