// glibc's malloc tunables for processes that analyse big snapshots (the CLI on big files, the
// dashboard): 2 MB pages for every ArrayBuffer, freed arrays back to the system at once, one malloc
// arena for all threads. Only the environment at process start can set them (see PERFORMANCE.md).
// Linux only; HEAPSCOPE_HUGEPAGES=0 turns them off.
const TUNABLES = ['glibc.malloc.hugetlb=1', 'glibc.malloc.mmap_threshold=1048576', 'glibc.malloc.arena_max=1'];

/** `env` with the tunables added (other GLIBC_TUNABLES kept), or as it is where they do not apply. */
export function withHugePages(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (process.platform !== 'linux' || env.HEAPSCOPE_HUGEPAGES === '0') return env;
  const cur = env.GLIBC_TUNABLES ?? '';
  if (cur.includes('glibc.malloc.hugetlb')) return env; // the user chose
  // a threshold the user set stays
  const add = TUNABLES.filter((t) => !cur.includes(t.slice(0, t.indexOf('=') + 1)));
  return { ...env, GLIBC_TUNABLES: [cur, ...add].filter(Boolean).join(':') };
}
