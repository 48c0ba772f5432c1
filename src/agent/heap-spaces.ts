// Readings of V8's heap spaces the cost model and the census share.
import v8 from 'node:v8';

/** Bytes in the large-object spaces (objects over ~128 KB each). */
export function largeObjectBytes(): number {
  let n = 0;
  for (const sp of v8.getHeapSpaceStatistics()) if (sp.space_name.endsWith('large_object_space')) n += sp.space_used_size;
  return n;
}

/**
 * Heap used outside the young generation: what survived, give or take what was promoted since the
 * last full GC. Heap used itself swings by the young generation's garbage between two readings.
 */
export function settledHeapUsed(): number {
  let n = 0;
  for (const sp of v8.getHeapSpaceStatistics()) if (sp.space_name !== 'new_space' && sp.space_name !== 'new_large_object_space') n += sp.space_used_size;
  return n;
}
