// Readings of V8's heap spaces the cost model and the census share.
import v8 from 'node:v8';

const isYoung = (space: string): boolean => space === 'new_space' || space === 'new_large_object_space';

/**
 * From one reading: the bytes in the large-object spaces (objects over ~128 KB each), and heap used
 * outside the young generation ("settled": what survived, give or take what was promoted since the
 * last full GC; heap used itself swings by the young generation's garbage between two readings).
 */
export function spaceTotals(): { largeObjects: number; settled: number } {
  let largeObjects = 0;
  let settled = 0;
  for (const sp of v8.getHeapSpaceStatistics()) {
    if (sp.space_name.endsWith('large_object_space')) largeObjects += sp.space_used_size;
    if (!isYoung(sp.space_name)) settled += sp.space_used_size;
  }
  return { largeObjects, settled };
}

export const largeObjectBytes = (): number => spaceTotals().largeObjects;
export const settledHeapUsed = (): number => spaceTotals().settled;
