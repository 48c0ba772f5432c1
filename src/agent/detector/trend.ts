// Robust trend statistics over small series (the detector's window holds at most a few dozen
// points): Theil–Sen slope and the Mann–Kendall trend test. Allocation-free: callers pass a
// scratch buffer for the pairwise slopes.

/**
 * Theil–Sen estimator: the median of the slopes of all pairs (i < j) of points xs[from..to),
 * ys[from..to). Robust to up to ~29 % outliers (bursts of garbage, a late GC). `scratch` must hold
 * n(n-1)/2 values. Units: y per x.
 */
export function theilSen(xs: ArrayLike<number>, ys: ArrayLike<number>, from: number, to: number, scratch: Float64Array): number {
  let k = 0;
  for (let i = from; i < to; i++) {
    for (let j = i + 1; j < to; j++) {
      const dx = xs[j] - xs[i];
      if (dx > 0) scratch[k++] = (ys[j] - ys[i]) / dx;
    }
  }
  if (k === 0) return 0;
  const s = scratch.subarray(0, k);
  s.sort();
  return k % 2 === 1 ? s[(k - 1) >> 1] : (s[k / 2 - 1] + s[k / 2]) / 2;
}

/**
 * Whether the Theil–Sen slope of xs[from..to), ys[from..to) is certainly below `rate`: fewer than
 * half of the pairwise slopes reach it. O(n^2) without the sort, so a flat window is dismissed
 * cheaply; false means "compute it".
 */
export function theilSenBelow(xs: ArrayLike<number>, ys: ArrayLike<number>, from: number, to: number, rate: number): boolean {
  let pairs = 0;
  let atLeast = 0;
  for (let i = from; i < to; i++) {
    for (let j = i + 1; j < to; j++) {
      const dx = xs[j] - xs[i];
      if (dx > 0) {
        pairs++;
        if ((ys[j] - ys[i]) / dx >= rate) atLeast++;
      }
    }
  }
  // The median (or the mean of the two middle values) reaches `rate` only if at least
  // floor(pairs / 2) of the slopes do.
  return pairs === 0 || atLeast < Math.floor(pairs / 2);
}

/**
 * Mann–Kendall test for a monotonic upward trend in ys[from..to) (ordered by time): the normal
 * score Z of S = sum(sign(y_j - y_i)), with the tie correction and the continuity correction.
 * Z > 3.09 is significant at p < 0.001 (one-sided), Z > 2.33 at p < 0.01.
 */
export function mannKendallZ(ys: ArrayLike<number>, from: number, to: number, tieTolerance = 0): number {
  const n = to - from;
  if (n < 3) return 0;
  let s = 0;
  let ties = 0;
  for (let i = from; i < to; i++) {
    for (let j = i + 1; j < to; j++) {
      const d = ys[j] - ys[i];
      if (d > tieTolerance) s++;
      else if (d < -tieTolerance) s--;
      else ties++;
    }
  }
  // Variance with ties approximated from the tied pair count (exact groups are not needed at
  // this size): each tied pair removes about the variance one pair contributes.
  const pairs = (n * (n - 1)) / 2;
  const variance = ((n * (n - 1) * (2 * n + 5)) / 18) * (1 - ties / pairs);
  if (variance <= 0) return 0;
  const corrected = s > 0 ? s - 1 : s < 0 ? s + 1 : 0;
  return corrected / Math.sqrt(variance);
}

/** Median of ys[from..to) using scratch (no allocation). */
export function median(ys: ArrayLike<number>, from: number, to: number, scratch: Float64Array): number {
  const n = to - from;
  if (n <= 0) return NaN;
  for (let i = 0; i < n; i++) scratch[i] = ys[from + i];
  const s = scratch.subarray(0, n);
  s.sort();
  return n % 2 === 1 ? s[(n - 1) >> 1] : (s[n / 2 - 1] + s[n / 2]) / 2;
}
