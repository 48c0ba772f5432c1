// The one stderr line the agent writes when the detector fires.
import type { LeakMessage } from '../../protocol/index.js';

const MB = 1024 * 1024;
const mb = (n: number): string => `${Math.round(n / MB)} MB`;

export function leakLogLine(project: string, leak: LeakMessage): string {
  const d = leak.detector;
  const what = d.series === 'external' ? 'external memory (Buffers/ArrayBuffers)' : 'JS heap';
  const since = d.since !== undefined ? new Date(d.since).toISOString() : 'unknown';
  const rate = `${(d.bytesPerMinute / MB).toFixed(1)} MB/min`;
  const now = d.series === 'external' ? `external ${mb(leak.external)}, heap ${mb(leak.heapUsed)}` : `heap ${mb(leak.heapUsed)}`;
  const pct = leak.heapLimit > 0 ? ` (${((100 * leak.heapUsed) / leak.heapLimit).toFixed(0)} %)` : '';
  return `heapscope: possible memory leak in ${project} (pid ${process.pid}): ${what} after GC growing ${rate} since ${since}; ${now} of ${mb(leak.heapLimit)} heap limit${pct}, rss ${mb(leak.rss)}. ${d.reason}`;
}
