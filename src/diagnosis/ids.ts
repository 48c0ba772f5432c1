// Object ids across snapshots of one process: V8 keeps an object's id for its lifetime, so "same
// id" is "same object". An open-addressing hash set in a typed array: no per-node allocation.
import type { HeapGraph } from '../engine/graph.js';

export class IdSet {
  private readonly table: Uint32Array;
  private readonly mask: number;
  private readonly shift: number;
  constructor(g: HeapGraph) {
    let bits = 1;
    while (1 << bits < g.nodeCount * 2) bits++;
    this.table = new Uint32Array(1 << bits);
    this.mask = (1 << bits) - 1;
    this.shift = 32 - bits;
    for (let n = 0; n < g.nodeCount; n++) this.add(g.nodeId[n]);
  }
  private slot(id: number): number {
    // Fibonacci hashing: the product's high bits (V8 ids are all even, so low bits are not mixed)
    return Math.imul(id, 0x9e3779b1) >>> this.shift;
  }
  private add(id: number): void {
    const key = id + 1;
    for (let i = this.slot(id); ; i = (i + 1) & this.mask) {
      const v = this.table[i];
      if (v === key) return;
      if (v === 0) {
        this.table[i] = key;
        return;
      }
    }
  }
  has(id: number): boolean {
    const key = id + 1;
    for (let i = this.slot(id); ; i = (i + 1) & this.mask) {
      const v = this.table[i];
      if (v === key) return true;
      if (v === 0) return false;
    }
  }
}
