// Heap trend for the home page's overview: each process's heap as the lowest value per time
// bucket (a leak raises the floor; the GC sawtooth above it is noise), and its growth as the
// least-squares slope of that floor. Pure functions, shared by the server and the browser.

/** Width of one overview bucket: an hour of metrics becomes 60 points. */
const TREND_BUCKET_MS = 60_000;

export type TrendPoint = [t: number, bytes: number];

/** Adds a sample to a floor series in place: a new bucket, or the lower of two in the same one. */
export function addToFloor(series: TrendPoint[], t: number, bytes: number, bucketMs = TREND_BUCKET_MS): void {
  const last = series[series.length - 1];
  if (last && Math.floor(last[0] / bucketMs) === Math.floor(t / bucketMs)) {
    if (bytes < last[1]) last[1] = bytes;
    return;
  }
  series.push([t, bytes]);
}

export function floorSeries(samples: Iterable<{ t: number; heapUsed: number }>, bucketMs = TREND_BUCKET_MS): TrendPoint[] {
  const out: TrendPoint[] = [];
  for (const s of samples) addToFloor(out, s.t, s.heapUsed, bucketMs);
  return out;
}

/**
 * Growth in bytes per minute (least-squares slope), or undefined with fewer than 3 points or
 * under 2 minutes of data: too little to call a trend.
 */
export function growthPerMinute(series: readonly TrendPoint[]): number | undefined {
  const n = series.length;
  if (n < 3 || series[n - 1]![0] - series[0]![0] < 120_000) return undefined;
  const t0 = series[0]![0];
  let sx = 0;
  let sy = 0;
  for (const [t, y] of series) {
    sx += t - t0;
    sy += y;
  }
  const mx = sx / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (const [t, y] of series) {
    const dx = t - t0 - mx;
    num += dx * (y - my);
    den += dx * dx;
  }
  return den > 0 ? (num / den) * 60_000 : undefined;
}
