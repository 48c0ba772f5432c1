// Per-project snapshot cost profiles: what the last few measured heap snapshots of any of a
// project's processes cost (heap used, writer bytes, pause). A freshly started process of the
// project prices its first snapshot from them (agent/snapshot-cost.ts projectCost) instead of the
// worst heap shape, which in a container refuses nearly every first MEM. Persisted as
// cost-profiles.json in the storage (the data directory or the bucket the dashboards share).
import { COST_PROFILE_SAMPLES, checkCostSample, type CostSample, type SnapshotCost } from '../protocol/index.js';
import type { BlobStorage } from './storage.js';
import { readJsonBlob, writeJsonBlob } from './store.js';

const BLOB = 'cost-profiles.json';

export class CostProfiles {
  private profiles: Record<string, CostSample[]> = {};
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly blobs: BlobStorage) {}

  async open(): Promise<void> {
    const saved = await readJsonBlob<Record<string, unknown>>(this.blobs, BLOB);
    if (saved && typeof saved === 'object') for (const [project, samples] of Object.entries(saved)) this.apply(project, samples);
  }

  /** The project's samples, oldest first (undefined when none). */
  get(project: string): CostSample[] | undefined {
    const p = this.profiles[project];
    return p && p.length > 0 ? p : undefined;
  }

  /**
   * A measured snapshot of one of the project's processes. Returns the project's new samples, or
   * undefined when the cost has nothing to learn from (no measured peak, an older agent, nonsense).
   */
  async record(project: string, cost: SnapshotCost, at = Date.now()): Promise<CostSample[] | undefined> {
    const sample = checkCostSample({ heapUsed: cost.heapUsed, largeObjects: cost.largeObjects, writerBytes: cost.writerBytes, pauseMs: cost.pauseMs, at });
    if (!sample) return undefined;
    const next = [...(this.profiles[project] ?? []), sample].slice(-COST_PROFILE_SAMPLES);
    this.profiles[project] = next;
    const write = this.writing.then(() => writeJsonBlob(this.blobs, BLOB, this.profiles));
    this.writing = write.catch(() => undefined);
    await write;
    return next;
  }

  /** Samples another dashboard recorded (and saved): taken as they are, checked again. */
  apply(project: string, samples: unknown): CostSample[] | undefined {
    if (!Array.isArray(samples) || typeof project !== 'string' || project.length === 0) return undefined;
    const valid = samples.slice(-COST_PROFILE_SAMPLES).flatMap((s) => checkCostSample(s) ?? []);
    if (valid.length === 0) return undefined;
    return (this.profiles[project] = valid);
  }
}
