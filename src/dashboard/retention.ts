// Retention: how many stored snapshots and profiles the dashboard keeps. Oldest go first; never an
// artifact a kept finding points at (its growth report must stay openable with its snapshots), nor
// one a job is still working on.
import { envNumber } from './limits.js';
import type { ArtifactMeta } from './store.js';

export interface RetentionConfig {
  /** Heap snapshots kept per process (pinned ones count but are never deleted). */
  maxSnapshotsPerProcess: number;
  /** Artifacts older than this many days go. */
  maxAgeDays: number;
  /** All artifacts together (bytes as stored) stay under this. */
  maxTotalBytes: number;
}

const GiB = 1024 ** 3;

export const DEFAULT_RETENTION: RetentionConfig = { maxSnapshotsPerProcess: 20, maxAgeDays: 30, maxTotalBytes: 20 * GiB };

/** HEAPSCOPE_KEEP_SNAPSHOTS, HEAPSCOPE_KEEP_DAYS, HEAPSCOPE_KEEP_GB (0 = no limit of that kind). */
export function retentionFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<RetentionConfig> {
  const out: Partial<RetentionConfig> = {};
  const num = (name: string): number | undefined => envNumber(env, name);
  const n = num('HEAPSCOPE_KEEP_SNAPSHOTS');
  if (n !== undefined) out.maxSnapshotsPerProcess = Math.floor(n);
  const d = num('HEAPSCOPE_KEEP_DAYS');
  if (d !== undefined) out.maxAgeDays = d;
  const g = num('HEAPSCOPE_KEEP_GB');
  if (g !== undefined) out.maxTotalBytes = Math.round(g * GiB);
  return out;
}

export interface Expiry {
  artifactId: string;
  reason: 'age' | 'count' | 'size';
}

/** Which artifacts to delete, oldest first. Pure: the caller deletes. A limit of 0 is off. */
export function planRetention(artifacts: Iterable<ArtifactMeta>, pinned: ReadonlySet<string>, cfg: RetentionConfig, now = Date.now()): Expiry[] {
  const all = [...artifacts].sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  const out: Expiry[] = [];
  const gone = new Set<string>();
  const drop = (a: ArtifactMeta, reason: Expiry['reason']): void => {
    gone.add(a.id);
    out.push({ artifactId: a.id, reason });
  };
  if (cfg.maxAgeDays > 0) {
    const cutoff = now - cfg.maxAgeDays * 86_400_000;
    for (const a of all) if (a.createdAt < cutoff && !pinned.has(a.id)) drop(a, 'age');
  }
  if (cfg.maxSnapshotsPerProcess > 0) {
    const byProcess = new Map<string, ArtifactMeta[]>();
    for (const a of all) {
      if (a.kind !== 'heapsnapshot' || gone.has(a.id)) continue;
      let list = byProcess.get(a.processId);
      if (!list) byProcess.set(a.processId, (list = []));
      list.push(a);
    }
    for (const list of byProcess.values()) {
      let count = list.length;
      for (const a of list) {
        if (count <= cfg.maxSnapshotsPerProcess) break;
        if (pinned.has(a.id)) continue;
        drop(a, 'count');
        count--;
      }
    }
  }
  if (cfg.maxTotalBytes > 0) {
    let total = 0;
    for (const a of all) if (!gone.has(a.id)) total += a.size;
    for (const a of all) {
      if (total <= cfg.maxTotalBytes) break;
      if (gone.has(a.id) || pinned.has(a.id)) continue;
      drop(a, 'size');
      total -= a.size;
    }
  }
  return out;
}
