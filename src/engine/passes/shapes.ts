// Interns objects' property-name sequences ("shapes"). Most plain objects share a handful of
// shapes, so per-shape work (building "{a, b}" names, matching interfaces) runs once per shape
// instead of once per object. Keys are the string indexes of an object's `property` edges, in
// edge order; a hash picks the bucket and the sequence itself is compared, so collisions are safe.
import type { HeapGraph } from '../graph.js';

export class ShapeTable {
  /** Property-name string indexes of every shape, back to back. */
  private pool = new Uint32Array(1 << 16);
  private poolLen = 0;
  readonly start: number[] = [];
  readonly length: number[] = [];
  private readonly byHash = new Map<number, number>();
  private readonly nextSameHash: number[] = [];

  constructor(private readonly g: HeapGraph) {}

  get size(): number {
    return this.start.length;
  }

  /** Property-name string indexes of a shape. */
  names(shape: number): Uint32Array {
    return this.pool.subarray(this.start[shape], this.start[shape] + this.length[shape]);
  }

  /** The shape id of node's property edges, interning it when new. */
  shapeOf(node: number): number {
    const { firstEdge, edgeType, edgeNameOrIndex } = this.g;
    const prop = this.g.types.edgeProperty;
    const from = firstEdge[node];
    const to = firstEdge[node + 1];
    let h = 0x811c9dc5;
    let count = 0;
    for (let e = from; e < to; e++) {
      if (edgeType[e] !== prop) continue;
      h = Math.imul(h ^ edgeNameOrIndex[e], 0x01000193);
      count++;
    }
    h = Math.imul(h ^ count, 0x01000193) | 0;
    const first = this.byHash.get(h);
    for (let s = first ?? -1; s !== -1; s = this.nextSameHash[s]) {
      if (this.length[s] === count && this.sameAs(s, from, to)) return s;
    }
    const id = this.start.length;
    if (this.poolLen + count > this.pool.length) {
      const bigger = new Uint32Array(Math.max(this.pool.length * 2, this.poolLen + count));
      bigger.set(this.pool.subarray(0, this.poolLen));
      this.pool = bigger;
    }
    this.start.push(this.poolLen);
    this.length.push(count);
    for (let e = from; e < to; e++) if (edgeType[e] === prop) this.pool[this.poolLen++] = edgeNameOrIndex[e];
    this.nextSameHash.push(first ?? -1);
    this.byHash.set(h, id);
    return id;
  }

  private sameAs(shape: number, from: number, to: number): boolean {
    const { edgeType, edgeNameOrIndex } = this.g;
    const prop = this.g.types.edgeProperty;
    let k = this.start[shape];
    for (let e = from; e < to; e++) {
      if (edgeType[e] !== prop) continue;
      if (this.pool[k++] !== edgeNameOrIndex[e]) return false;
    }
    return true;
  }
}
