// Writing one parsed number into the graph's arrays, with its checks and their error messages: the
// careful value-by-value path of the forward loops and of the backward parser of "edges" (numbers
// that straddle two chunks, odd whitespace, bad input). The whole-record runs in records.ts apply
// the same rules and leave every record that breaks one to this path, which reports it.
import { HeapSnapshotError } from '../../shared/index.js';
import { NF, type EdgeLayout, type ParseTargets } from './meta.js';

/** Raises slot `i` of ParseTargets.nameMax to `v` (atomically: threads share it). Once per run of records. */
export function raiseNameMax(nameMax: BigInt64Array, i: number, v: number): void {
  const want = BigInt(v);
  let cur = Atomics.load(nameMax, i);
  while (want > cur) {
    const seen = Atomics.compareExchange(nameMax, i, cur, want);
    if (seen === cur) return;
    cur = seen;
  }
}

/** What every writer of edges needs: the layout's limits and the arrays (see records.ts too). */
export class EdgeTargets {
  protected readonly nfc: number;
  /** Node count x node field count: to_node values are field offsets below this. */
  protected readonly maxTo: number;
  protected readonly typeCount: number;
  protected readonly edgeCount: number;
  protected readonly edgeType: Uint8Array;
  protected readonly edgeNameOrIndex: Uint32Array;
  protected readonly edgeTo: Uint32Array;
  /** See ParseTargets.nameMax: slot 1, edge names. */
  protected readonly nameMax: BigInt64Array;

  constructor(l: EdgeLayout, t: Pick<ParseTargets, 'edgeType' | 'edgeNameOrIndex' | 'edgeTo' | 'nameMax'>) {
    this.nfc = l.nfc;
    this.maxTo = l.nodeCount * l.nfc;
    this.typeCount = l.typeCount;
    this.edgeCount = l.edgeCount;
    this.edgeType = t.edgeType;
    this.edgeNameOrIndex = t.edgeNameOrIndex;
    this.edgeTo = t.edgeTo;
    this.nameMax = t.nameMax;
  }
}

export class EdgeStore extends EdgeTargets {
  private readonly typeOffset: number;
  private readonly nameOffset: number;
  private readonly toOffset: number;

  constructor(l: EdgeLayout, t: Pick<ParseTargets, 'edgeType' | 'edgeNameOrIndex' | 'edgeTo' | 'nameMax'>) {
    super(l, t);
    this.typeOffset = l.typeOffset;
    this.nameOffset = l.nameOffset;
    this.toOffset = l.toOffset;
  }

  /** Field `field` of edge `edge` is `v`; `offset` is where it was read, for errors. */
  put(edge: number, field: number, v: number, offset: number): void {
    if (field === this.toOffset) {
      // one division and a multiply instead of a modulo: the costliest check of the hot loop
      const nfc = this.nfc;
      const to = (v / nfc) >>> 0;
      if (v >= this.maxTo || to * nfc !== v) {
        throw new HeapSnapshotError('BAD_REFERENCE', `edge #${edge} points to ${v}, which is not a node (nodes x fields = ${this.maxTo})`, offset);
      }
      this.edgeTo[edge] = to;
    } else if (field === this.typeOffset) {
      if (v >= this.typeCount) throw new HeapSnapshotError('BAD_REFERENCE', `edge #${edge} has type ${v}, but meta declares ${this.typeCount} edge types`, offset);
      this.edgeType[edge] = v;
    } else if (field === this.nameOffset) {
      if (v > 0xffffffff) throw new HeapSnapshotError('BAD_VALUE', `edge #${edge} name index ${v} is out of range`, offset);
      this.edgeNameOrIndex[edge] = v;
      raiseNameMax(this.nameMax, 1, v);
    }
  }
}

export class NodeStore {
  /** As NodeRecords.sawTrace. */
  sawTrace = false;
  constructor(
    private readonly t: ParseTargets,
    private readonly typeCount: number,
    private readonly edgeCount: number,
  ) {}

  /** Slot `slot` of node `node` is `v`. Edge counts become the CSR prefix sums as they arrive. */
  put(node: number, slot: NF, v: number, offset: number): void {
    const t = this.t;
    switch (slot) {
      case NF.Type:
        if (v >= this.typeCount) throw new HeapSnapshotError('BAD_REFERENCE', `node #${node} has type ${v}, but meta declares ${this.typeCount} node types`, offset);
        t.nodeType[node] = v;
        break;
      case NF.Name:
        t.nodeName[node] = v;
        raiseNameMax(t.nameMax, 0, v);
        break;
      case NF.Id:
        // V8's ids are 32-bit; a larger one would be silently cut by the Uint32Array
        if (v > 0xffffffff) throw new HeapSnapshotError('BAD_VALUE', `node #${node} has id ${v > 1e15 ? v.toExponential(3) : v}, more than 32 bits (V8's ids are 32-bit)`, offset);
        t.nodeId[node] = v;
        break;
      case NF.SelfSize:
        if (v > 0xffffffff && !(t.selfSize instanceof Float64Array)) {
          throw new HeapSnapshotError('WIDE_SIZES', `node #${node} has self size ${v}, more than 32 bits hold`, offset);
        }
        t.selfSize[node] = v;
        break;
      case NF.EdgeCount: {
        const sum = t.firstEdge[node] + v;
        if (sum > this.edgeCount) throw new HeapSnapshotError('COUNT_MISMATCH', `node edge counts add up to more than edge_count (${this.edgeCount}) at node #${node}`, offset);
        t.firstEdge[node + 1] = sum;
        break;
      }
      case NF.TraceNodeId:
        t.traceNodeId![node] = v;
        if (v !== 0) this.sawTrace = true;
        break;
      case NF.Detachedness:
        t.detachedness![node] = v;
        break;
      default:
        break;
    }
  }
}
