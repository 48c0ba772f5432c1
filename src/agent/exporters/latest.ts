// The newest metrics frame of one process, as the exporters read it.
import type { MetricsMessage, PostGcSample } from '../../protocol/index.js';

/** Keeps the newest frame and the newest post-GC sample (frames carry one only after a major GC). */
export class LatestFrame {
  frame?: MetricsMessage;
  postGc?: PostGcSample;

  update(m: MetricsMessage): void {
    this.frame = m;
    const pg = Array.isArray(m.postGc) ? m.postGc[m.postGc.length - 1] : undefined;
    if (pg && typeof pg.heapUsed === 'number') this.postGc = pg;
  }
}
