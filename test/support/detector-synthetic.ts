// Synthetic post-GC series for the detector's edge cases: a level that follows a shape over time,
// sampled at irregular major GCs (every 20-60 s, as the recordings show), with GC timing noise.
// Seeded, so each series is the same on every run.
import { LeakDetector, type DetectorConfig } from '../../src/agent/detector/detector.js';
import type { DetectorStatus } from '../../src/protocol/index.js';

const MB = 1024 * 1024;
const MIN = 60_000;

export interface SyntheticCase {
  name: string;
  leaking: boolean;
  /** Where the leak starts (ms), for the time to detect. */
  leakStart?: number;
  rateMbMin?: number;
  durationMs: number;
  /** Post-GC level (bytes) at time t (ms) for the heap; external stays flat unless given. */
  heap: (t: number, rnd: () => number) => number;
  external?: (t: number, rnd: () => number) => number;
  /** Mean gap between major GCs, ms (default 40 s); Infinity: none (fallback floor only). */
  gcEveryMs?: number;
  /** GC timing noise (standard deviation of the post-GC level), bytes (default 0.3 MB). */
  noise?: number;
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const gauss = (rnd: () => number): number => Math.sqrt(-2 * Math.log(rnd() || 1e-12)) * Math.cos(2 * Math.PI * rnd());
const leakAfter = (start: number, rateMbMin: number, stopAt = Infinity) => (t: number) => (Math.max(0, Math.min(t, stopAt) - start) / MIN) * rateMbMin * MB;

export const SYNTHETIC: SyntheticCase[] = [
  { name: 'flat + GC noise', leaking: false, durationMs: 30 * MIN, heap: () => 120 * MB, noise: 0.5 * MB },
  { name: 'step of 50 MB at 5 min', leaking: false, durationMs: 30 * MIN, heap: (t) => 100 * MB + (t > 5 * MIN ? 50 * MB : 0) },
  { name: 'two steps (10 min apart)', leaking: false, durationMs: 30 * MIN, heap: (t) => 100 * MB + (t > 5 * MIN ? 30 * MB : 0) + (t > 15 * MIN ? 30 * MB : 0) },
  { name: 'cache fills (2 min) then plateau', leaking: false, durationMs: 30 * MIN, heap: (t) => 100 * MB + 30 * MB * (1 - Math.exp(-t / (0.6 * MIN))) },
  { name: 'warm-up that slows and stops', leaking: false, durationMs: 30 * MIN, heap: (t) => 60 * MB + 40 * MB * (1 - Math.exp(-t / MIN)) },
  {
    name: 'sawtooth: batch +30 MB held 50 s every 2 min',
    leaking: false,
    durationMs: 30 * MIN,
    heap: (t) => 150 * MB + (t % (2 * MIN) < 50_000 ? 30 * MB * Math.min(1, (t % (2 * MIN)) / 20_000) : 0),
  },
  {
    name: 'bursty: 1 GC in 3 sees 5-40 MB of live garbage',
    leaking: false,
    durationMs: 30 * MIN,
    heap: (_t, rnd) => 110 * MB + (rnd() < 0.33 ? (5 + 35 * rnd()) * MB : 0),
    external: (_t, rnd) => 2 * MB + (rnd() < 0.5 ? 30 * rnd() * MB : 0),
  },
  { name: 'slow leak 1 MB/min (250 MB heap)', leaking: true, leakStart: 2 * MIN, rateMbMin: 1, durationMs: 12 * MIN, heap: (t) => 250 * MB + leakAfter(2 * MIN, 1)(t) },
  { name: 'fast leak 10 MB/min', leaking: true, leakStart: 3 * MIN, rateMbMin: 10, durationMs: 10 * MIN, heap: (t) => 100 * MB + leakAfter(3 * MIN, 10)(t), gcEveryMs: 25_000 },
  { name: 'leak starting late (15 min, 3 MB/min)', leaking: true, leakStart: 15 * MIN, rateMbMin: 3, durationMs: 25 * MIN, heap: (t) => 120 * MB + leakAfter(15 * MIN, 3)(t) },
  { name: 'leak after a step (2 MB/min)', leaking: true, leakStart: 6 * MIN, rateMbMin: 2, durationMs: 16 * MIN, heap: (t) => 100 * MB + (t > 5 * MIN ? 50 * MB : 0) + leakAfter(6 * MIN, 2)(t) },
  { name: 'leak that stops (5 MB/min for 5 min)', leaking: true, leakStart: 2 * MIN, rateMbMin: 5, durationMs: 30 * MIN, heap: (t) => 100 * MB + leakAfter(2 * MIN, 5, 7 * MIN)(t) },
  { name: 'external leak 5 MB/min (Buffers)', leaking: true, leakStart: 2 * MIN, rateMbMin: 5, durationMs: 12 * MIN, heap: () => 90 * MB, external: (t) => 3 * MB + leakAfter(2 * MIN, 5)(t) },
  // A big, calm heap: V8's own major GCs every 1-3 min; the detector's probes add the samples.
  { name: 'slow leak 1 MB/min, major GC every ~2 min', leaking: true, leakStart: 2 * MIN, rateMbMin: 1, durationMs: 12 * MIN, heap: (t) => 250 * MB + leakAfter(2 * MIN, 1)(t), gcEveryMs: 2 * MIN },
  { name: 'flat + GC noise, major GC every ~2 min', leaking: false, durationMs: 30 * MIN, heap: () => 250 * MB, noise: 0.5 * MB, gcEveryMs: 2 * MIN },
  { name: 'warm-up, major GC every ~2 min', leaking: false, durationMs: 30 * MIN, heap: (t) => 200 * MB + 40 * MB * (1 - Math.exp(-t / MIN)), gcEveryMs: 2 * MIN },
  { name: 'no major GC: floor rising 6 MB/min (fallback)', leaking: true, leakStart: 0, rateMbMin: 6, durationMs: 25 * MIN, heap: (t) => 100 * MB + leakAfter(0, 6)(t), gcEveryMs: Infinity },
];

export interface SyntheticRun {
  firings: { t: number; status: DetectorStatus }[];
  /** Statuses at each major GC (for the rearm check). */
  states: { t: number; state: string }[];
  /** Confirmation GCs the detector asked for (each is run at the next second, as the agent does). */
  probes: number;
  /** When each was asked for, ms from the start. */
  probeAt: number[];
}

/** Runs a case through a fresh detector: major GCs at jittered times, a tick every second. */
export function runSynthetic(c: SyntheticCase, config: Partial<DetectorConfig> = {}, seed = 1): SyntheticRun {
  const rnd = mulberry32(seed);
  const d = new LeakDetector(config);
  const base = 1_700_000_000_000;
  const every = c.gcEveryMs ?? 40_000;
  const noise = c.noise ?? 0.3 * MB;
  const out: SyntheticRun = { firings: [], states: [], probes: 0, probeAt: [] };
  let nextGc = every * (0.5 + rnd());
  let lastLevel = c.heap(0, rnd);
  let garbage = 0;
  let probe = false;
  for (let t = 0; t <= c.durationMs; t += 1000) {
    // Garbage promoted between majors (5 MB/min): only the fallback floor sees it.
    garbage += (5 * MB) / 60;
    if (t >= nextGc || probe) {
      probe = false;
      lastLevel = c.heap(t, rnd) + noise * gauss(rnd);
      const ext = (c.external ?? (() => 2 * MB))(t, rnd) + 0.05 * MB * gauss(rnd);
      d.addPostGc({ t: base + t, heapUsed: lastLevel, external: ext, arrayBuffers: ext / 2, rss: lastLevel * 1.6 });
      garbage = 0;
      nextGc = t + every * (0.5 + rnd());
      out.states.push({ t, state: d.status().state });
    }
    const floor = Number.isFinite(every) ? lastLevel + garbage : c.heap(t, rnd) + 2 * MB * rnd();
    d.addTick(base + t, floor, (c.external ?? (() => 2 * MB))(t, rnd));
    if (d.takeLeak()) out.firings.push({ t, status: d.status() });
    if (Number.isFinite(every) && d.takeProbe(base + t)) (probe = true), out.probes++, out.probeAt.push(t);
  }
  return out;
}

export interface SweepRow {
  name: string;
  leaking: boolean;
  runs: number;
  /** Runs that fired (a finding: right for a leak, wrong for a healthy case). */
  fired: number;
  /** Leaks flagged later than the target (5 min from 1 MB/min, 2 min from 10 MB/min) or never. */
  late: number;
  /** Time to detect from the leak's start, ms: median, 90th percentile and worst of the runs. */
  median?: number;
  p90?: number;
  max?: number;
  /** Confirmation probes per run, mean. */
  probes: number;
}

/** The target time to detect a leak of this rate, ms (Infinity: no target, only "flagged"). */
export const detectTarget = (rateMbMin: number): number => (rateMbMin >= 10 ? 2 * MIN : rateMbMin >= 1 ? 5 * MIN : Infinity);

/**
 * Runs a case over many seeds (GC timing and noise drawn anew each time): one seed shows one
 * draw of V8's timing, the sweep shows how often the rule is right.
 */
export function sweepSynthetic(c: SyntheticCase, seeds: number[], config: Partial<DetectorConfig> = {}): SweepRow {
  const target = c.gcEveryMs === Infinity ? Infinity : detectTarget(c.rateMbMin ?? 0);
  const times: number[] = [];
  const row: SweepRow = { name: c.name, leaking: c.leaking, runs: seeds.length, fired: 0, late: 0, probes: 0 };
  for (const seed of seeds) {
    const r = runSynthetic(c, config, seed);
    row.probes += r.probes / seeds.length;
    if (r.firings.length) row.fired++;
    if (!c.leaking || c.leakStart === undefined) continue;
    const at = r.firings[0] ? r.firings[0].t - c.leakStart : Infinity;
    times.push(at);
    if (at > target) row.late++;
  }
  if (times.length) {
    times.sort((a, b) => a - b);
    const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
    [row.median, row.p90, row.max] = [q(0.5), q(0.9), times[times.length - 1]];
  }
  return row;
}
