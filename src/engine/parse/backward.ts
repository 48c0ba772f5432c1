// Parses the tail of the "edges" array from its end towards the front, writing each value at its
// final index (counted down from edge_count x fields). This lets a second thread take a share of
// the largest section without knowing how many values come before its share.
import { HeapSnapshotError } from '../../shared/index.js';
import type { EdgeLayout, ParseTargets } from './meta.js';
import { EdgeStore } from './store.js';
import { BackEdgeRecords, isStandardEdgeLayout } from './records.js';

export class BackwardEdgeParser {
  private k: number; // next value index to write (counting down)
  private v = 0;
  private mul = 1;
  private digits = 0;
  private readonly total: number;

  private readonly store: EdgeStore;
  private readonly records: BackEdgeRecords | null;

  constructor(
    private readonly l: EdgeLayout,
    t: Pick<ParseTargets, 'edgeType' | 'edgeNameOrIndex' | 'edgeTo' | 'nameMax'>,
  ) {
    this.store = new EdgeStore(l, t);
    this.records = isStandardEdgeLayout(l) ? new BackEdgeRecords(l, t) : null;
    this.total = l.edgeCount * l.efc;
    this.k = this.total - 1;
  }

  /** Values written so far. */
  get count(): number {
    return this.total - 1 - this.k;
  }

  /** Feeds bytes that come just before the previously fed ones; `offset` is buf[0]'s position. */
  push(buf: Uint8Array, offset: number): void {
    const efc = this.l.efc;
    const store = this.store;
    const records = this.records;
    let k = this.k;
    let v = this.v;
    let mul = this.mul;
    let digits = this.digits;
    // Leading digits may continue a number from the bytes before buf: whole-record runs stop at
    // the first non-digit.
    let low = 0;
    while (low < buf.length && buf[low] >= 48 && buf[low] <= 57) low++;
    let i = buf.length - 1;
    while (i >= 0) {
      if (records !== null && digits === 0 && i > low && k % efc === efc - 1) {
        const edge = (k - efc + 1) / efc;
        i = records.run(buf, i, low, edge);
        k -= (edge - records.e) * efc;
      }
      // careful path: byte by byte, until a value completes a record (then try a run again)
      for (; i >= 0; i--) {
        const c = buf[i];
        const d = c - 48;
        if (d >= 0 && d <= 9) {
          v += d * mul;
          mul *= 10;
          digits++;
          continue;
        }
        if (c !== 0x2c && c !== 0x0a && c !== 0x20 && c !== 0x0d && c !== 0x09) {
          throw new HeapSnapshotError('BAD_VALUE', `unexpected byte ${describe(c)} in the "edges" array`, offset + i);
        }
        if (digits === 0) continue;
        if (digits > 15) throw new HeapSnapshotError('BAD_VALUE', 'number too large in "edges"', offset + i);
        if (k < 0) throw new HeapSnapshotError('COUNT_MISMATCH', `"edges" has more values than edge_count (${this.l.edgeCount}) x ${efc} fields`, offset + i);
        const edge = (k / efc) | 0;
        const field = k - edge * efc;
        store.put(edge, field, v, offset + i);
        k--;
        v = 0;
        mul = 1;
        digits = 0;
        if (field === 0) {
          i--;
          break;
        }
      }
    }
    this.k = k;
    this.v = v;
    this.mul = mul;
    this.digits = digits;
  }

  /** The range must start at a separator, so no number may be left half-read. */
  finish(offset: number): number {
    if (this.digits > 0) throw new HeapSnapshotError('BAD_VALUE', '"edges" split does not start at a separator', offset);
    return this.count;
  }
}

function describe(c: number): string {
  return c >= 0x20 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `0x${c.toString(16).padStart(2, '0')}`;
}
