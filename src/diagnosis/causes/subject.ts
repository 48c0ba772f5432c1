// What a recogniser looks at: one finding (suspect or growing owner) with its path and chain.
import type { HeapAnalysis } from '../../engine/index.js';
import type { Cause } from '../types.js';
import type { Hop } from '../describe.js';
import type { CollectionInfo } from '../collections.js';

export interface Subject {
  a: HeapAnalysis;
  /** The suspect or growing owner. */
  node: number;
  /** Path from the roots to `node` followed by the chain below it (`node` appears once). */
  hops: Hop[];
  /** Index of `node` in hops. */
  at: number;
  collection?: CollectionInfo | null;
  /** Per-snapshot counts and sizes when the finding comes from several snapshots. */
  growth?: { counts: number[]; sizes: number[] };
}

/** Recognises one leak pattern; null when the subject does not show it. */
export type Recogniser = (s: Subject) => Cause | null;
