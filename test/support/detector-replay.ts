// Replays a recorded post-GC series (test/fixtures/detector/recorded/*.json, written by
// scripts/record-detector-fixtures.mjs) through the detector, as the agent would feed it.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LeakDetector, type DetectorConfig } from '../../src/agent/detector/detector.js';
import type { DetectorSeries, DetectorStatus } from '../../src/protocol/index.js';

export const RECORDED_DIR = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'fixtures', 'detector', 'recorded');

export interface Recording {
  file: string;
  name: string;
  leaking: boolean;
  series: DetectorSeries;
  ratePerMin: number;
  description: string;
  ballastMb: number;
  durationMs: number;
  events: { event: string; t: number }[];
  /** [t, heapUsedKiB, externalKiB, arrayBuffersKiB, rssKiB, pauseMs] */
  postGc: number[][];
  /** [t, minHeapUsedKiB] per 10 s */
  floor: number[][];
}

export function loadRecordings(dir = RECORDED_DIR): Recording[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ file: f, ...(JSON.parse(readFileSync(join(dir, f), 'utf8')) as Omit<Recording, 'file'>) }));
}

export interface ReplayResult {
  /** Time of the first firing, ms from the program's start (undefined: never fired). */
  firedAt?: number;
  status?: DetectorStatus;
  /** Time from the leak's start (the program's 'leak-start' mark) to the firing. */
  detectMs?: number;
  leakStart?: number;
  firings: number;
}

const KiB = 1024;

/** Feeds the recording in time order; ticks every second carry the 10 s floor (the fallback). */
export function replay(rec: Recording, config: Partial<DetectorConfig> = {}, base = 1_700_000_000_000): ReplayResult {
  const d = new LeakDetector(config);
  const leakStart = rec.events.find((e) => e.event === 'leak-start')?.t;
  const events: [number, () => void][] = [];
  for (const [t, heap, ext, ab, rss] of rec.postGc) {
    events.push([t, () => d.addPostGc({ t: base + t, heapUsed: heap * KiB, external: ext * KiB, arrayBuffers: ab * KiB, rss: rss * KiB })]);
  }
  for (const [t, minHeap] of rec.floor) events.push([t + 9_999, () => d.addTick(base + t + 9_999, minHeap * KiB, NaN)]);
  // A tick every second moves the clock on (buckets close, decisions run), as the agent's does.
  for (let t = 0; t <= rec.durationMs; t += 1000) events.push([t + 0.5, () => d.addTick(base + t + 0.5, NaN, NaN)]);
  events.sort((a, b) => a[0] - b[0]);
  const out: ReplayResult = { leakStart, firings: 0 };
  for (const [t, run] of events) {
    run();
    if (d.takeLeak()) {
      out.firings++;
      if (out.firedAt === undefined) {
        out.firedAt = t;
        out.status = d.status();
        if (leakStart !== undefined) out.detectMs = t - leakStart;
      }
    }
  }
  return out;
}
