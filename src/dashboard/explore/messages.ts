// What the dashboard's explore worker (worker.ts) is asked and answers: drill-down queries over one
// stored snapshot, which the worker keeps loaded (LRU within a memory budget).
import type { ExploreEdge, ExploreNode, Page } from '../../engine/index.js';

export type ExploreOp =
  | { op: 'instances'; className: string; offset?: number; limit?: number }
  | { op: 'node'; id: string }
  | { op: 'retainers'; id: string; offset?: number; limit?: number }
  | { op: 'edges'; id: string; offset?: number; limit?: number }
  | { op: 'roots'; offset?: number; limit?: number };

interface ExploreRequest {
  seq: number;
  /** Cache key (the artifact id) and the snapshot file it names. */
  key: string;
  /** Absent: answer from the loaded analysis, or fail with NOT_LOADED (the storage may need a download for the file). */
  file?: string;
  query: ExploreOp;
}

/** The status of an answer to a request without a file whose snapshot is not loaded. */
export const NOT_LOADED = 409;

export type ExploreResponse =
  | { seq: number; ok: true; result: unknown }
  | { seq: number; ok: false; status: number; message: string };

/** Loaded analyses, for GET /api/explore/status and the tests. */
export interface ExploreStatus {
  budgetBytes: number;
  loadedBytes: number;
  loaded: { key: string; bytes: number; loadMs: number; usedAt: number }[];
  loads: number;
  evictions: number;
}

/** `node`: one object (search by `@id`) with the first page of its retainers and references. */
export interface NodeAnswer {
  node: ExploreNode;
  retainers: Page<ExploreEdge>;
  edges: Page<ExploreEdge>;
  /** The shortest path from the GC roots (as the report's reference lists), root side first. */
  path: ExploreEdge[];
}

export interface WorkerConfig {
  budgetBytes: number;
}

export type WorkerInbound = ExploreRequest | { seq: number; status: true };
