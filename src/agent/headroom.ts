// Can this process afford a heap snapshot? V8's writer needs native memory roughly proportional to
// the live heap (Node's docs: about twice the heap), on top of the current RSS.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import v8 from 'node:v8';

const MB = 1024 * 1024;

function readNumber(file: string): number | undefined {
  try {
    const text = readFileSync(file, 'utf8').trim();
    const n = Number(text);
    // cgroup v1 reports "no limit" as a huge page-aligned number; treat anything absurd as none.
    return Number.isFinite(n) && n > 0 && n < 2 ** 60 ? n : undefined;
  } catch {
    return undefined; // "max", missing file, or not Linux
  }
}

export interface CgroupMemory {
  limit: number;
  usage?: number;
}

/** The cgroup (v2, else v1) memory limit and current usage, when a limit is set. */
export function cgroupMemory(): CgroupMemory | undefined {
  if (process.platform !== 'linux') return undefined;
  const v2 = readNumber('/sys/fs/cgroup/memory.max');
  if (v2 !== undefined) return { limit: v2, usage: readNumber('/sys/fs/cgroup/memory.current') };
  const v1 = readNumber('/sys/fs/cgroup/memory/memory.limit_in_bytes');
  if (v1 !== undefined) return { limit: v1, usage: readNumber('/sys/fs/cgroup/memory/memory.usage_in_bytes') };
  return undefined;
}

export interface HeadroomPolicy {
  factor: number;
  maxHeapFraction: number;
}

/** Returns a human reason to refuse the snapshot, or undefined when it looks safe. */
export function snapshotRefusal(policy: HeadroomPolicy): string | undefined {
  const heap = v8.getHeapStatistics();
  const used = heap.used_heap_size;
  const limit = heap.heap_size_limit;
  if (used > policy.maxHeapFraction * limit) {
    return (
      `heap is at ${pct(used / limit)} of its limit (${mb(used)} of ${mb(limit)}); ` +
      `a snapshot now could push it over (threshold ${pct(policy.maxHeapFraction)})`
    );
  }
  const need = used * policy.factor;
  let available = os.freemem();
  let where = 'free system memory';
  const cg = cgroupMemory();
  if (cg) {
    const inCgroup = cg.limit - (cg.usage ?? process.memoryUsage.rss());
    if (inCgroup < available) {
      available = inCgroup;
      where = `left under the cgroup limit of ${mb(cg.limit)}`;
    }
  }
  if (need > available) {
    return `a snapshot needs about ${mb(need)} (${policy.factor} x heap used ${mb(used)}) but only ${mb(available)} is ${where}`;
  }
  return undefined;
}

const mb = (n: number): string => `${Math.round(n / MB)} MB`;
const pct = (x: number): string => `${Math.round(x * 100)}%`;
