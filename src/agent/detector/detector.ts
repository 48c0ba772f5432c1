// The leak detector: a pure state machine fed with the memory left right after each major GC
// (plus, as a marked fallback, the lowest heapUsed of each bucket when V8 runs no major GC for a
// whole window). It keeps a fixed ring of time buckets (the window), and after each new bucket
// decides, separately for the JS heap and for external memory, whether the floor the GC leaves
// behind is rising steadily: the rule is in README ("The leak detector") and in decide() below.
// Memory is bounded (a few typed arrays sized at construction); each decision is O(B^2 log B) on
// B <= BUCKETS points, run at most once per bucket.
import type { DetectorSeries, DetectorState, DetectorStatus, PostGcSample } from '../../protocol/index.js';
import { mannKendallZ, median, theilSen, theilSenBelow } from './trend.js';

export interface DetectorConfig {
  /** Sliding window the trend is measured over, ms (default 10 min). */
  windowMs: number;
  /** Minimum duration of steady growth before the detector fires, ms (default 1 min). */
  minMs: number;
  /** Minimum robust growth rate that counts as a leak, bytes per minute (default 512 KiB/min). */
  minRate: number;
  /** After firing, fire again for a still-growing series only after this long, ms (default 1 h). */
  rearmMs: number;
  /**
   * Start-up grace: no firing in the first graceMs after the first sample (default 0). Caches
   * filling and lazy state building at start look like a leak until they level off.
   */
  graceMs: number;
  /**
   * Confirmation probes: while the floor rises but too few major GCs came to decide, and V8 has run
   * none for this long, the agent may force one full GC (a big, calm heap can go 1.5-3 min between
   * major GCs, too few samples to see 1 MB/min within 5 min). 0 = never. Default 60 s.
   */
  probeMs: number;
}

export const DETECTOR_DEFAULTS: DetectorConfig = {
  windowMs: 10 * 60_000,
  minMs: 60_000,
  minRate: 512 * 1024,
  rearmMs: 60 * 60_000,
  graceMs: 0,
  probeMs: 60_000,
};

/** Time buckets in the window: bounds memory and the cost of each decision. */
const BUCKETS = 80;
/** At most this many suffixes (candidate starts of the growth) are tested per decision. */
const MAX_STARTS = 20;
const MIN_POINTS = 4;
/** Start-up (see inStartup): a minute, or a tenth of a shorter window. */
const STARTUP_MS = 60_000;
/** A rising stretch of this many samples is judged on them: no confirmation probe for it. */
const FEW_POINTS = 8;
/**
 * A shorter stretch inside a longer one that is slowing down is the tail of a warm-up or a filling
 * cache until it has risen steadily this long by itself (4-5 samples cannot show deceleration in
 * GC noise; a warm-up's last minutes look linear).
 */
const SLOWING_TAIL_MS = 3 * 60_000;
/**
 * A window holding one post-GC sample gets a probe (a second sample, the least that shows a trend)
 * only this long after the detector started: sooner, the probes of a calm, young process catch
 * the tail of its warm-up (measured on synthetic warm-ups: 4 % flagged with 0 s, 2.3 % with 3 min).
 */
const LONE_SAMPLE_PROBE_AFTER_MS = 3 * 60_000;
/** At most this many confirmation probes in any hour (a full GC each: 45-230 ms, median 75, at 250-300 MB here). */
export const MAX_PROBES_PER_HOUR = 20;
const HOUR = 3600_000;
const MiB = 1024 * 1024;

/** Why a rising stretch is not a steady one (see steady()). */
interface Unsteady {
  reason: string;
  /** Slowing down to under half the older pace: a warm-up's curve, not a leak's noise. */
  sharpSlowdown?: boolean;
}

/** One series' verdict at one decision. */
export interface SeriesVerdict {
  state: Exclude<DetectorState, 'off' | 'leak'> | 'leak';
  bytesPerMinute: number;
  since?: number;
  samples: number;
  fallback: boolean;
  reason: string;
  /** Undecided but rising: one more post-GC sample could decide (a confirmation probe is worth it). */
  suspect?: boolean;
}

interface Series {
  name: DetectorSeries;
  /** Per bucket: lowest post-GC value (NaN when no major GC fell in the bucket). */
  exact: Float64Array;
  /** Per bucket: lowest value seen at ticks (the fallback floor). */
  floor: Float64Array;
  /** Highest post-GC value of buckets that left the window, this epoch and the one before. */
  pastHigh: [number, number];
  verdict: SeriesVerdict;
}

export class LeakDetector {
  readonly config: DetectorConfig;
  readonly bucketMs: number;
  /** Bucket start times (ring); NaN = unused. */
  private readonly starts = new Float64Array(BUCKETS);
  private readonly series: Series[];
  private head = -1; // index of the current (open) bucket
  private lastMajorAt = NaN;
  private firstAt = NaN;
  private epochAt = -Infinity;
  // Scratch for the statistics: no allocation per decision.
  private readonly xs = new Float64Array(BUCKETS);
  private readonly ys = new Float64Array(BUCKETS);
  private readonly pairs = new Float64Array((BUCKETS * (BUCKETS - 1)) / 2);
  private readonly tmp = new Float64Array(BUCKETS);
  private readonly tmp2 = new Float64Array(BUCKETS);
  private status_: DetectorStatus;
  private firedAt = NaN;
  private firedSeries: DetectorSeries | undefined;
  /** Why it fired, kept while latched: the verdict of later windows may say less. */
  private firedReason = '';
  private pendingLeak = false;
  /** Times of the probes granted in the last hour (ring, NaN = unused). */
  private readonly probeTimes = new Float64Array(MAX_PROBES_PER_HOUR).fill(NaN);
  private probeNext = 0;
  private readonly startupMs: number;

  constructor(config: Partial<DetectorConfig> = {}) {
    this.config = { ...DETECTOR_DEFAULTS, ...config };
    const c = this.config;
    if (!(c.windowMs > 0 && c.minMs >= 0 && c.minRate >= 0 && c.rearmMs >= 0 && c.graceMs >= 0 && c.probeMs >= 0)) throw new Error(`heapscope: invalid detector settings ${JSON.stringify(c)}`);
    this.bucketMs = Math.max(100, Math.floor(c.windowMs / BUCKETS));
    this.startupMs = Math.min(STARTUP_MS, c.windowMs / 10);
    this.starts.fill(NaN);
    const blank = (): SeriesVerdict => ({ state: 'warming', bytesPerMinute: 0, samples: 0, fallback: false, reason: 'no major GC yet' });
    this.series = (['heap', 'external'] as const).map((name) => ({
      name,
      exact: new Float64Array(BUCKETS).fill(NaN),
      floor: new Float64Array(BUCKETS).fill(NaN),
      pastHigh: [-Infinity, -Infinity] as [number, number],
      verdict: blank(),
    }));
    this.status_ = { state: 'warming', bytesPerMinute: 0, samples: 0, reason: 'no major GC yet' };
  }

  /** Memory right after a major GC. */
  addPostGc(s: PostGcSample): void {
    const b = this.bucketFor(s.t);
    if (b < 0) return;
    const first = !(this.lastMajorAt >= this.starts[b]);
    this.lastMajorAt = Math.max(s.t, this.lastMajorAt || 0);
    lower(this.series[0].exact, b, s.heapUsed);
    lower(this.series[1].exact, b, s.external);
    // New evidence: decide now rather than at the bucket's end (at most once per bucket here).
    if (first && b === this.head) this.decide(s.t, true);
  }

  /** A periodic reading (the agent's metrics tick): feeds the fallback floor only. */
  addTick(t: number, heapUsed: number, external: number): void {
    const b = this.bucketFor(t);
    if (b < 0) return;
    lower(this.series[0].floor, b, heapUsed);
    lower(this.series[1].floor, b, external);
  }

  /** The current decision. */
  status(): DetectorStatus {
    return this.status_;
  }

  /** The verdicts of both series (for tests and the evaluation). */
  verdicts(): Record<DetectorSeries, SeriesVerdict> {
    return { heap: this.series[0].verdict, external: this.series[1].verdict };
  }

  /** True once per firing: the caller sends one `leak` frame. */
  takeLeak(): boolean {
    const p = this.pendingLeak;
    this.pendingLeak = false;
    return p;
  }

  /**
   * Whether the caller should force one major GC now to confirm a rising floor: probes are on, no
   * leak is latched, a series is undecided but rising, V8 has run no major GC (and nothing was
   * probed) for probeMs, and fewer than MAX_PROBES_PER_HOUR were granted in the last hour. A true
   * answer books the probe; its GC then arrives through addPostGc like any other.
   */
  takeProbe(now: number): boolean {
    const c = this.config;
    if (!(c.probeMs > 0) || this.head < 0 || !Number.isNaN(this.firedAt)) return false;
    if (now - this.firstAt < c.graceMs) return false;
    const last = Math.max(Number.isNaN(this.lastMajorAt) ? this.firstAt : this.lastMajorAt, this.lastProbeAt());
    if (now - last < c.probeMs) return false;
    if (this.probesSince(now - HOUR) >= MAX_PROBES_PER_HOUR) return false;
    if (!this.series.some((s) => s.verdict.suspect)) return false;
    this.probeTimes[this.probeNext] = now;
    this.probeNext = (this.probeNext + 1) % MAX_PROBES_PER_HOUR;
    return true;
  }

  /** Probes granted since `from`. */
  private probesSince(from: number): number {
    let n = 0;
    for (const t of this.probeTimes) if (t >= from) n++;
    return n;
  }

  private lastProbeAt(): number {
    const t = this.probeTimes[(this.probeNext + MAX_PROBES_PER_HOUR - 1) % MAX_PROBES_PER_HOUR];
    return Number.isNaN(t) ? -Infinity : t;
  }

  /** Forgets everything (after a restart of the agent, or a setting change). */
  reset(): void {
    this.starts.fill(NaN);
    for (const s of this.series) {
      s.exact.fill(NaN);
      s.floor.fill(NaN);
    }
    this.head = -1;
    this.firedAt = NaN;
    this.firedSeries = undefined;
    this.pendingLeak = false;
    this.lastMajorAt = NaN;
    this.firstAt = NaN;
    this.epochAt = -Infinity;
    this.probeTimes.fill(NaN);
    this.probeNext = 0;
    for (const s of this.series) s.pastHigh = [-Infinity, -Infinity];
  }

  /** Index of the bucket holding t, opening (and deciding on closed buckets) as time moves on. */
  private bucketFor(t: number): number {
    if (!Number.isFinite(t)) return -1;
    if (Number.isNaN(this.firstAt)) this.firstAt = t;
    if (this.head < 0) {
      this.open(0, t);
      return 0;
    }
    const start = this.starts[this.head];
    if (t < start) {
      // Late sample (clock step back or reordering): credit it to the bucket it falls in, if kept.
      for (let k = 1; k < BUCKETS; k++) {
        const i = (this.head - k + BUCKETS) % BUCKETS;
        if (this.starts[i] <= t) return i;
      }
      return -1;
    }
    if (t < start + this.bucketMs) return this.head;
    // New bucket(s): decide on the closed ones first.
    this.decide(start + this.bucketMs, false);
    const skipped = Math.floor((t - start) / this.bucketMs);
    const next = (this.head + 1) % BUCKETS;
    this.open(next, start + skipped * this.bucketMs);
    return next;
  }

  private open(i: number, start: number): void {
    this.head = i;
    // Keep the highest post-GC level of the buckets that leave the window for two more windows:
    // a rise to a level the process already held lately (a batch job, a burst) is no leak.
    if (start - this.epochAt >= this.config.windowMs) {
      this.epochAt = start;
      for (const s of this.series) s.pastHigh = [-Infinity, s.pastHigh[0]];
    }
    this.starts[i] = start;
    for (const s of this.series) {
      if (s.exact[i] > s.pastHigh[0] && !this.inStartup(this.starts[i])) s.pastHigh[0] = s.exact[i];
      s.exact[i] = NaN;
      s.floor[i] = NaN;
    }
  }

  /** Decision over the buckets of the window as of `now` (with the open one when `withOpen`). */
  private decide(now: number, withOpen: boolean): void {
    const from = now - this.config.windowMs;
    for (const s of this.series) s.verdict = this.judge(s, from, now, withOpen);
    this.combine(now);
  }

  private judge(s: Series, from: number, now: number, withOpen: boolean): SeriesVerdict {
    // Gather the closed buckets in the window, oldest first, that hold a post-GC sample.
    let n = 0;
    let fallback = false;
    // The fallback floor only after a whole window without a major GC (not during start-up).
    const noMajor = now - (Number.isNaN(this.lastMajorAt) ? this.firstAt : this.lastMajorAt) > this.config.windowMs;
    for (let k = BUCKETS - 1; k >= 0; k--) {
      const i = (this.head - k + BUCKETS) % BUCKETS;
      const t = this.starts[i];
      if (!(t >= from && (t + this.bucketMs <= now || (withOpen && i === this.head)))) continue;
      let v = s.exact[i];
      if (Number.isNaN(v) && noMajor) {
        v = s.floor[i];
        fallback = true;
      }
      if (Number.isNaN(v)) continue;
      this.xs[n] = t;
      this.ys[n] = v;
      n++;
    }
    const since = (i: number) => this.xs[i];
    const minRate = this.config.minRate * (fallback ? 2 : 1);
    if (n < MIN_POINTS) {
      const reason = n === 0 ? 'no major GC in the window yet' : `${n} post-GC samples in the window (need ${MIN_POINTS})`;
      // Too few samples to decide (a calm process): one is no trend, so a second one (a probe) is
      // worth it once start-up's warm-up had time to settle; two that did not fall, or three that
      // rise, too.
      const lone = n === 1 && now - this.firstAt >= LONE_SAMPLE_PROBE_AFTER_MS && !this.inStartup(this.xs[0]);
      const suspect = !fallback && (lone || (n === 2 && this.ys[1] > this.ys[0]) || (n === 3 && this.tailRises(n, minRate)));
      return { state: 'warming', bytesPerMinute: 0, samples: n, fallback, reason, suspect };
    }
    const level = median(this.ys, 0, n, this.tmp);
    // The smallest growth that counts: well above GC noise, and a share of the floor itself, so a
    // slow rise must last longer (warm-up that slows and stops does not get that far).
    const minGrowth = Math.max(3 * MiB, 0.01 * level);
    let best: SeriesVerdict | undefined;
    // A stretch of many samples rises at the rate: more samples would not decide it (see suspect).
    let many = false;
    // A longer stretch slowed down sharply: the shorter ones are judged as its tail (SLOWING_TAIL_MS).
    let slowing = false;
    // Longest steadily growing suffix of the window: growth that began late (a leak that starts
    // after a flat stretch, or after a step) is measured from where it began.
    const stride = Math.max(1, Math.ceil((n - MIN_POINTS + 1) / MAX_STARTS));
    for (let k = 0; k + MIN_POINTS <= n; k += stride) {
      const m = n - k;
      const span = this.xs[n - 1] - this.xs[k];
      if (theilSenBelow(this.xs, this.ys, k, n, minRate / 60_000)) continue; // the common, flat case
      const slope = theilSen(this.xs, this.ys, k, n, this.pairs) * 60_000; // bytes/min
      if (!(slope >= minRate)) continue;
      if (m >= FEW_POINTS) many = true;
      const rise = slope * (span / 60_000);
      if (rise < minGrowth) continue;
      const tol = Math.max(256 * 1024, minGrowth / 8);
      const z = mannKendallZ(this.ys, k, n, tol);
      const unsteady = this.steady(s, k, n, slope, rise, tol);
      if (unsteady !== undefined) {
        if (unsteady.sharpSlowdown) slowing = true;
        best ??= { state: 'watching', bytesPerMinute: slope, since: since(k), samples: n, fallback, reason: unsteady.reason };
        continue;
      }
      // Significance: the Mann–Kendall test at p < 0.01 where there are enough points; with 4-5
      // points (V8 may run a major GC only once a minute) nearly every pair must rise.
      const significant = m >= 6 ? z >= 2.33 : m === 5 ? z >= 1.9 : z >= 1.6;
      if (!significant) {
        best ??= { state: 'growing', bytesPerMinute: slope, since: since(k), samples: n, fallback, reason: `rising ${mb(slope)}/min over ${m} samples, not yet significant (z=${z.toFixed(2)})` };
        continue;
      }
      const minSpan = slowing ? Math.max(this.config.minMs, SLOWING_TAIL_MS) : this.config.minMs;
      if (span < minSpan || now - this.firstAt < this.config.graceMs) {
        const tail = slowing ? ' after a slowdown' : '';
        const why = span < minSpan ? `for ${secs(span)}${tail} (needs ${secs(minSpan)})` : `since start-up ${secs(now - this.firstAt)} ago (grace ${secs(this.config.graceMs)})`;
        best ??= { state: 'growing', bytesPerMinute: slope, since: since(k), samples: n, fallback, reason: `rising ${mb(slope)}/min ${why}` };
        continue;
      }
      return {
        state: 'leak',
        bytesPerMinute: slope,
        since: since(k),
        samples: n,
        fallback,
        reason: `post-GC ${s.name === 'heap' ? 'heap' : 'external memory'} rose steadily ${mb(slope)}/min for ${secs(span)} over ${m} ${fallback ? 'floor samples (no major GC in the window: fallback)' : 'major GCs'} (+${mb(rise)})`,
      };
    }
    const verdict = best ?? { state: 'watching', bytesPerMinute: theilSen(this.xs, this.ys, 0, n, this.pairs) * 60_000, samples: n, fallback, reason: 'no steady growth of the post-GC floor' };
    if (!many && !fallback && this.tailRises(n, minRate)) verdict.suspect = true;
    return verdict;
  }

  /**
   * Whether t falls in start-up (the detector's first minute): a process's first major GCs still
   * find the garbage of loading (modules, caches being built), a level it never holds again. Such
   * samples set no level a later rise must beat ("no new high").
   */
  private inStartup(t: number): boolean {
    return t < this.firstAt + this.startupMs;
  }

  /**
   * The floor may be rising: the newest post-GC sample rose from the one before, beyond GC noise
   * and at the rate (the only evidence there is when V8 ran two major GCs in 3 minutes), or the
   * last few samples together rise at the rate (one noisy step must not stop the probes of a slow
   * leak whose steps are each within GC noise).
   */
  private tailRises(n: number, minRate: number): boolean {
    const dy = this.ys[n - 1] - this.ys[n - 2];
    if (dy > 256 * 1024 && (dy / Math.max(1, this.xs[n - 1] - this.xs[n - 2])) * 60_000 >= minRate) return true;
    // A rising tail starts at its lowest point: samples above it before (start-up's garbage, the
    // end of a burst) would pull the slope down.
    let from = Math.max(0, n - FEW_POINTS);
    for (let i = from + 1; i < n - 1; i++) if (this.ys[i] <= this.ys[from]) from = i;
    if (n - from < 3 || this.ys[n - 1] - this.ys[from] <= 256 * 1024) return false;
    return theilSen(this.xs, this.ys, from, n, this.pairs) * 60_000 >= minRate;
  }

  /**
   * Why the growth over points [k, n) is not a steady one (undefined when it is):
   * - a step: the rise outside the biggest jump is far below what the slope predicts there, or
   *   that jump holds most of the rise and is far above what the slope adds over its interval;
   * - a plateau or decelerating warm-up: the newer half grows much slower than the older half,
   *   beyond GC noise (`sharpSlowdown` when under half as fast: see SLOWING_TAIL_MS);
   * - noise: the points scatter around the line by more than a quarter of the rise, or the steps
   *   between GCs stray from the slope beyond GC noise (bursts of garbage alive at GC time);
   * - no new high: the newest third of the points is not all above every earlier point of the
   *   window and of the two windows before it (a batch job's peak, a burst, a level held before).
   */
  private steady(s: Series, k: number, n: number, slope: number, rise: number, tol: number): Unsteady | undefined {
    const m = n - k;
    const xs = this.xs;
    const ys = this.ys;
    const total = ys[n - 1] - ys[k];
    if (total <= tol) return { reason: 'the newest post-GC sample is not above the oldest' };
    let jump = -Infinity;
    let jumpAt = k + 1;
    for (let i = k + 1; i < n; i++) {
      const d = ys[i] - ys[i - 1];
      if (d > jump) (jump = d), (jumpAt = i);
    }
    const restTime = xs[n - 1] - xs[k] - (xs[jumpAt] - xs[jumpAt - 1]);
    const restRise = total - jump;
    if (restRise < 0.3 * slope * (restTime / 60_000) - tol) return { reason: `a step: one jump of ${mb(jump)} makes the ${mb(total)} rise` };
    const half = k + Math.floor(m / 2);
    const older = theilSen(xs, ys, k, half + 1, this.pairs) * 60_000;
    const newer = theilSen(xs, ys, half, n, this.pairs) * 60_000;
    // Slowing beyond GC noise: the newer half falls short of the older half's pace by more than
    // the noise tolerance twice over (one noisy sample among 4-5 must not read as a plateau).
    const newerSpan = (xs[n - 1] - xs[half]) / 60_000;
    const pace = Math.max(older, slope);
    if (newer < 0.75 * pace && (pace - newer) * newerSpan > 2 * tol) return { sharpSlowdown: newer < 0.5 * pace, reason: `slowing down: ${mb(newer)}/min lately vs ${mb(older)}/min before (warm-up or a filling cache)` };
    // A step, again: one jump holds most of the rise and dwarfs what the slope adds over its
    // interval (the robust slope around a big step is small, so the first test alone may pass it).
    // Tested after slowing down: a cache filling fast, then slowly, is the tail case above.
    const jumpDue = (slope / 60_000) * (xs[jumpAt] - xs[jumpAt - 1]);
    if (jump > 0.5 * total && jump > 4 * jumpDue + 2 * tol) return { reason: `a step: one jump of ${mb(jump)} makes the ${mb(total)} rise` };
    // Growth that began inside this stretch: a later start measures it (rate and since) better.
    if (newer > 3 * Math.max(older, 0) + tol / 60_000 && older < 0.5 * slope) return { reason: `speeding up: growth began after ${new Date(xs[k]).toISOString()}` };
    // Scatter about the Theil–Sen line (median absolute residual, scaled to a standard deviation).
    const x0 = xs[k];
    const perMs = slope / 60_000;
    for (let i = k; i < n; i++) this.tmp[i - k] = ys[i] - perMs * (xs[i] - x0);
    const intercept = median(this.tmp, 0, m, this.tmp2);
    for (let i = 0; i < m; i++) this.tmp[i] = Math.abs(this.tmp[i] - intercept);
    const sigma = 1.4826 * median(this.tmp, 0, m, this.tmp2);
    if (sigma > rise / 4) return { reason: `too noisy: post-GC samples scatter ${mb(sigma)} about a ${mb(rise)} rise` };
    // Each step between GCs must agree with the slope: a leak adds about the same per minute
    // between any two GCs; a run of rising values in noise climbs by erratic steps. A step may
    // stray by the noise tolerance (GCs 30 s apart on a 1 MB/min leak differ by GC noise alone).
    for (let i = k + 1; i < n; i++) {
      const dx = Math.max(1, xs[i] - xs[i - 1]);
      this.tmp[i - k - 1] = (Math.max(0, Math.abs(ys[i] - ys[i - 1] - perMs * dx) - tol) / dx) * 60_000;
    }
    const stepSpread = median(this.tmp, 0, m - 1, this.tmp2);
    if (stepSpread > 0.5 * slope) return { reason: `erratic: steps between GCs stray ${mb(stepSpread)}/min from the ${mb(slope)}/min trend` };
    let before = Math.max(s.pastHigh[0], s.pastHigh[1]);
    for (let i = 0; i < k; i++) if (!this.inStartup(xs[i])) before = Math.max(before, ys[i]);
    let recent = Infinity;
    for (let i = n - Math.max(2, Math.ceil(m / 3)); i < n; i++) recent = Math.min(recent, ys[i]);
    if (recent <= before + tol) return { reason: `no new high: post-GC memory was already ${mb(before)} lately` };
    return undefined;
  }

  /** Combines the two series into the status, latching a leak until it is re-armed. */
  private combine(now: number): void {
    const [heap, ext] = this.series;
    const fired = [heap, ext].find((s) => s.verdict.state === 'leak');
    const lead = fired ?? [heap, ext].find((s) => s.verdict.state === 'growing') ?? heap;
    const v = lead.verdict;
    if (fired) {
      const rearmed = Number.isNaN(this.firedAt) || now - this.firedAt >= this.config.rearmMs;
      if (rearmed) {
        this.firedAt = now;
        this.firedSeries = fired.name;
        this.firedReason = fired.verdict.reason;
        this.pendingLeak = true;
      }
    } else if (!Number.isNaN(this.firedAt) && v.state === 'watching') {
      // The trend fell back: re-arm, so a later leak fires again.
      this.firedAt = NaN;
      this.firedSeries = undefined;
    }
    const latched = !Number.isNaN(this.firedAt);
    const state: DetectorState = latched ? 'leak' : v.state;
    const shown = latched && !fired ? this.series.find((s) => s.name === this.firedSeries)!.verdict : v;
    this.status_ = {
      state,
      series: state === 'warming' ? undefined : (latched ? this.firedSeries : lead.name),
      bytesPerMinute: Math.round(shown.bytesPerMinute),
      since: shown.since,
      samples: shown.samples,
      reason: latched && !fired ? `fired at ${new Date(this.firedAt).toISOString()}: ${this.firedReason}; now ${shown.reason}` : shown.reason,
    };
    if (shown.fallback) this.status_.fallback = true;
    const probes = this.probesSince(now - HOUR);
    if (probes > 0) this.status_.probes = probes;
  }
}

function lower(a: Float64Array, i: number, v: number): void {
  if (Number.isFinite(v) && !(a[i] <= v)) a[i] = v;
}

const mb = (bytes: number): string => `${(bytes / MiB).toFixed(bytes >= 10 * MiB ? 0 : 1)} MB`;
const secs = (ms: number): string => (ms >= 120_000 ? `${(ms / 60_000).toFixed(1)} min` : `${Math.round(ms / 1000)} s`);
