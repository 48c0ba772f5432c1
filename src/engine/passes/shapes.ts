// Interns objects' property-name sequences ("shapes"). Most plain objects share a handful of
// shapes, so per-shape work (building "{a, b}" names, matching interfaces) runs once per shape
// instead of once per object. Keys are the string indexes of an object's `property` edges, in
// edge order; a hash picks the slot and the sequence itself is compared, so collisions are safe.
// The table is open addressing over typed arrays (no Map lookup per object), and objects of
// one shape tend to come in runs, so the previous object's shape is tried first.
import type { HeapGraph } from '../graph.js';

export class ShapeTable {
  /** Property-name string indexes of every shape, back to back. */
  private pool = new Uint32Array(1 << 16);
  private poolLen = 0;
  readonly start: number[] = [];
  readonly length: number[] = [];
  private readonly hashOf: number[] = [];
  /** Shape id + 1 per slot (0: empty); the slot is picked by the shape's hash. */
  private slots = new Int32Array(1024);
  private last = -1;

  constructor(private readonly g: Pick<HeapGraph, 'firstEdge' | 'edgeType' | 'edgeNameOrIndex' | 'types'>) {}

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
    const last = this.last;
    if (last !== -1 && this.hashOf[last] === h && this.length[last] === count && this.sameAs(last, from, to)) return last;
    const mask = this.slots.length - 1;
    let p = h & mask;
    for (let k = this.slots[p]; k !== 0; k = this.slots[p]) {
      const s = k - 1;
      if (this.hashOf[s] === h && this.length[s] === count && this.sameAs(s, from, to)) return (this.last = s);
      p = (p + 1) & mask;
    }
    const id = this.start.length;
    if (this.poolLen + count > this.pool.length) {
      const bigger = new Uint32Array(Math.max(this.pool.length * 2, this.poolLen + count));
      bigger.set(this.pool.subarray(0, this.poolLen));
      this.pool = bigger;
    }
    this.start.push(this.poolLen);
    this.length.push(count);
    this.hashOf.push(h);
    for (let e = from; e < to; e++) if (edgeType[e] === prop) this.pool[this.poolLen++] = edgeNameOrIndex[e];
    this.slots[p] = id + 1;
    if (this.start.length * 2 > this.slots.length) this.rehash();
    return (this.last = id);
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    const mask = this.slots.length - 1;
    for (let s = 0; s < this.start.length; s++) {
      let p = this.hashOf[s] & mask;
      while (this.slots[p] !== 0) p = (p + 1) & mask;
      this.slots[p] = s + 1;
    }
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
