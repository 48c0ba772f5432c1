// Process memory: RSS and V8 heap totals, per-space usage and the heap limit.
import v8 from 'node:v8';
import type { MemoryMetrics } from '../../protocol/index.js';

type MemorySample = MemoryMetrics;

export function sampleMemory(): MemorySample {
  const m = process.memoryUsage();
  const heapSpaces = v8.getHeapSpaceStatistics().map((s) => ({
    name: s.space_name,
    size: s.space_size,
    used: s.space_used_size,
    available: s.space_available_size,
    physical: s.physical_space_size,
  }));
  return {
    rss: m.rss,
    heapTotal: m.heapTotal,
    heapUsed: m.heapUsed,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    heapLimit: v8.getHeapStatistics().heap_size_limit,
    heapSpaces,
  };
}
