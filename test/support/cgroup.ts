// A real memory cgroup for tests: a child of this process's own memory cgroup (v2, else v1) with a
// limit, that test children are moved into. Needs Linux, root and a writable cgroup tree; when one
// cannot be made, `memoryCgroup` says precisely why (the test is skipped with that reason).
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface MemoryCgroup {
  dir: string;
  /** The limit file the agent should name, e.g. "memory.limit_in_bytes". */
  limitFile: string;
  add(pid: number): void;
  /** The kernel's OOM kills in this cgroup (v1 memory.oom_control / v2 memory.events), when reported. */
  oomKills(): number | undefined;
  remove(): void;
}

function ownPath(match: (line: string) => string | undefined): string | undefined {
  for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
    const p = match(line);
    if (p !== undefined) return p;
  }
  return undefined;
}

export function memoryCgroup(limitBytes: number): MemoryCgroup | string {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root: cannot create cgroups';
  const name = `heapscope-test-${process.pid}-${Date.now().toString(36)}`;
  const attempts: string[] = [];
  // cgroup v2 mounted at /sys/fs/cgroup with the memory controller.
  const v2 = ownPath((l) => (l.startsWith('0::') ? l.slice(3) : undefined));
  if (v2 !== undefined) {
    let controllers = '';
    try {
      controllers = readFileSync('/sys/fs/cgroup/cgroup.controllers', 'utf8');
    } catch {
      attempts.push('cgroup v2: /sys/fs/cgroup is not a v2 mount');
    }
    if (/\bmemory\b/.test(controllers)) {
      const parent = join('/sys/fs/cgroup', v2);
      const dir = join(parent, name);
      try {
        mkdirSync(dir);
        writeFileSync(join(dir, 'memory.max'), String(limitBytes));
        writeFileSync(join(dir, 'memory.swap.max'), '0');
        return handle(dir, 'memory.max', () => /oom_kill (\d+)/.exec(readFileSync(join(dir, 'memory.events'), 'utf8'))?.[1]);
      } catch (err) {
        attempts.push(`cgroup v2 under ${parent}: ${(err as Error).message}`);
        try {
          rmdirSync(dir);
        } catch {
          // not created
        }
      }
    } else if (controllers) attempts.push('cgroup v2: no memory controller at /sys/fs/cgroup');
  }
  // cgroup v1 memory controller.
  const v1 = ownPath((l) => /^\d+:([^:]*,)?memory(,[^:]*)?:(.*)$/.exec(l)?.[3]);
  if (v1 !== undefined) {
    const parent = join('/sys/fs/cgroup/memory', v1);
    const dir = join(parent, name);
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, 'memory.limit_in_bytes'), String(limitBytes));
      try {
        writeFileSync(join(dir, 'memory.move_charge_at_immigrate'), '3'); // charge what the child already has
      } catch {
        // deprecated on some kernels: the child is moved right after fork anyway
      }
      return handle(dir, 'memory.limit_in_bytes', () => /oom_kill (\d+)/.exec(readFileSync(join(dir, 'memory.oom_control'), 'utf8'))?.[1]);
    } catch (err) {
      attempts.push(`cgroup v1 under ${parent}: ${(err as Error).message}`);
      try {
        rmdirSync(dir);
      } catch {
        // not created
      }
    }
  } else attempts.push('no cgroup v1 memory controller in /proc/self/cgroup');
  return `cannot create a memory cgroup: ${attempts.join('; ')}`;
}

function handle(dir: string, limitFile: string, oom: () => string | undefined): MemoryCgroup {
  return {
    dir,
    limitFile,
    add: (pid) => writeFileSync(join(dir, 'cgroup.procs'), String(pid)),
    oomKills: () => {
      try {
        const n = oom();
        return n === undefined ? undefined : Number(n);
      } catch {
        return undefined;
      }
    },
    remove: () => {
      // Empty once its processes are gone; the kernel may take a moment to reap them.
      for (let i = 0; i < 50; i++) {
        try {
          rmdirSync(dir);
          return;
        } catch {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
        }
      }
    },
  };
}
