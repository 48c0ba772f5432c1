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
  /** Recorded with the detector running live (its probes forced in the program). */
  live?: boolean;
  ballastMb: number;
  durationMs: number;
  events: { event: string; t: number }[];
  /**
   * [t, heapUsedKiB, externalKiB, arrayBuffersKiB, rssKiB, pauseMs, probe?]: a trailing 1 marks a
   * GC the recorder forced because V8 had run none for 60 s (recorded with FIXTURE_PROBE_MS).
   */
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
  /** Recorded forced GCs the detector asked for and was given (see replay). */
  probes: number;
}

const KiB = 1024;

/**
 * Feeds the recording in time order; ticks every second carry the 10 s floor (the fallback) and
 * ask the detector for a probe, as the agent's do. A recorded forced GC is fed only when the
 * detector asked for a probe since the last major GC it saw (the recorder forced one whenever V8
 * had run none for 60 s; the detector asks only when undecided, so it may get its probe later
 * than the agent would: conservative for the time to detect).
 */
export function replay(rec: Recording, config: Partial<DetectorConfig> = {}, base = 1_700_000_000_000): ReplayResult {
  const d = new LeakDetector(config);
  const leakStart = rec.events.find((e) => e.event === 'leak-start')?.t;
  const events: [number, () => void][] = [];
  let wanted = false;
  const out: ReplayResult = { leakStart, firings: 0, probes: 0 };
  for (const [t, heap, ext, ab, rss, , probe] of rec.postGc) {
    const feed = () => d.addPostGc({ t: base + t, heapUsed: heap * KiB, external: ext * KiB, arrayBuffers: ab * KiB, rss: rss * KiB });
    events.push([
      t,
      probe !== 1
        ? () => ((wanted = false), feed())
        : () => {
            if (!wanted && !d.takeProbe(base + t)) return;
            wanted = false;
            out.probes++;
            feed();
          },
    ]);
  }
  // A recording made with the detector live: its clock (bucket boundaries, start-up) started at the
  // recorder's first tick, once the program's synchronous start-up let the event loop turn, which
  // is when the first GC row was taken. Otherwise the agent's starts with the process.
  const live = rec.live === true;
  const start = live ? rec.postGc[0]![0]! : 0;
  for (const [t, minHeap] of rec.floor) if (t + 9_999 >= start) events.push([t + 9_999, () => d.addTick(base + t + 9_999, minHeap * KiB, NaN)]);
  // A tick every second moves the clock on (buckets close, decisions run), as the agent's does.
  for (let t = start; t <= rec.durationMs; t += 1000) {
    events.push([
      t + 0.5,
      () => {
        d.addTick(base + t + 0.5, NaN, NaN);
        if (!wanted && d.takeProbe(base + t + 0.5)) wanted = true;
      },
    ]);
  }
  events.sort((a, b) => a[0] - b[0]);
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
