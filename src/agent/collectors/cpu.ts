// CPU of this process only: process.cpuUsage() deltas over wall time (100 = one full core).
export class CpuCollector {
  private last = process.cpuUsage();
  private lastAt = performance.now();

  sample(): { percent: number; userMs: number; systemMs: number; totalUserMs: number; totalSystemMs: number } {
    const now = performance.now();
    const d = process.cpuUsage(this.last);
    this.last = process.cpuUsage();
    const elapsed = now - this.lastAt;
    this.lastAt = now;
    const userMs = d.user / 1000;
    const systemMs = d.system / 1000;
    const percent = elapsed > 0 ? ((userMs + systemMs) / elapsed) * 100 : 0;
    return {
      percent: round(percent),
      userMs: round(userMs),
      systemMs: round(systemMs),
      totalUserMs: round(this.last.user / 1000),
      totalSystemMs: round(this.last.system / 1000),
    };
  }
}

export const round = (x: number, digits = 2): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};
