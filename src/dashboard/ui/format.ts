// Dashboard-only formatting (sizes come from the report viewer's formatter).
import type { SnapshotCost } from '../../protocol/index.js';
import { formatBytes } from '../../report/viewer/index.js';

export { formatBytes };

export const duration = (ms: number): string => {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
};

export const time = (t: number): string => new Date(t).toLocaleString();

/** A duration in ms: `850 ms`, `1.2 s`. */
export const seconds = (ms: number): string => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);

export function costText(c: SnapshotCost): string {
  const peak = c.peakRssDelta !== undefined ? `peak +${formatBytes(c.peakRssDelta)} RSS` : 'peak not measurable';
  const from = c.predictedBasis === 'project' ? " from this project's processes" : c.predictedBasis === 'learned' ? ' from the last snapshot' : c.predictedBasis === 'default' ? ' at the worst heap shape' : c.predictedBasis === 'census' ? ' from a census of the heap' : '';
  const predicted = c.predictedPeakRssDelta !== undefined ? ` (predicted +${formatBytes(c.predictedPeakRssDelta)}${from})` : '';
  const census = typeof c.census?.objects === 'number' && typeof c.census.ms === 'number' ? `; the census of ${c.census.objects.toLocaleString('en-US')} objects before it blocked ${seconds(c.census.ms)}` : '';
  return `blocked ${seconds(c.pauseMs)}, ${peak}${predicted}, RSS after +${formatBytes(Math.max(0, c.rssAfterDelta ?? 0))}${census}`;
}
