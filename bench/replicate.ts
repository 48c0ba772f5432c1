// Builds a larger, valid V8 heap snapshot from a real one by replicating its graph K times, for
// sizes V8 itself cannot write here (v8.writeHeapSnapshot of a ~4 GB heap was OOM-killed at 23.7 GB
// RSS on a 24 GB machine). Copy k holds every node of SRC with ordinals shifted by k*N and ids by an
// even offset; copy 0's root gets K-1 extra `element` edges to the roots of copies 1..K-1, so the
// whole thing is one graph under one root. Strings are written once; locations once per copy.
//   node --import tsx bench/replicate.ts SRC K OUT
// The output is streamed through one buffer (nothing the size of the file is built) to OUT.tmp,
// renamed to OUT when complete. Memory: the source graph, loaded by the project's own loader.
import { closeSync, openSync, renameSync, writeSync } from 'node:fs';
import { loadSnapshot, type HeapGraph } from '../src/engine/index.js';

const CHUNK = 16 << 20;
/** Room for one record (7 fields of up to 20 digits and separators) without a bounds check per byte. */
const RECORD = 512;

class Writer {
  private readonly buf = Buffer.allocUnsafe(CHUNK);
  private pos = 0;
  bytes = 0;

  constructor(private readonly fd: number) {}

  flush(): void {
    let off = 0;
    while (off < this.pos) off += writeSync(this.fd, this.buf, off, this.pos - off);
    this.bytes += this.pos;
    this.pos = 0;
  }

  /** Make room for one record. */
  reserve(): void {
    if (this.pos + RECORD > CHUNK) this.flush();
  }

  /** A string as UTF-8 (JSON punctuation, or one already-escaped string of the table). */
  text(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    if (this.pos + n > CHUNK) this.flush();
    if (n > CHUNK) {
      let off = 0;
      const b = Buffer.from(s, 'utf8');
      while (off < b.length) off += writeSync(this.fd, b, off, b.length - off);
      this.bytes += b.length;
      return;
    }
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /** `,` or `\n,`: callers reserve() first. */
  byte(c: number): void {
    this.buf[this.pos++] = c;
  }

  /** A non-negative integer in decimal; callers reserve() first. */
  num(v: number): void {
    const buf = this.buf;
    if (v < 10) {
      buf[this.pos++] = 48 + v;
      return;
    }
    if (v > 0xffffffff) {
      if (!Number.isSafeInteger(v) || v < 0) throw new Error(`cannot write ${v}: not a safe non-negative integer`);
      const s = String(v);
      for (let i = 0; i < s.length; i++) buf[this.pos++] = s.charCodeAt(i);
      return;
    }
    const len =
      v < 100 ? 2 : v < 1e3 ? 3 : v < 1e4 ? 4 : v < 1e5 ? 5 : v < 1e6 ? 6 : v < 1e7 ? 7 : v < 1e8 ? 8 : v < 1e9 ? 9 : 10;
    let p = this.pos + len;
    this.pos = p;
    while (v >= 10) {
      const q = Math.floor(v / 10);
      buf[--p] = 48 + (v - q * 10);
      v = q;
    }
    buf[--p] = 48 + v;
  }
}

/** A string in JSON as V8's snapshot writer spells it: \b \f \n \r \t \" \\, other controls and all non-ASCII as \uXXXX. */
const ESCAPE = /["\\\u0000-\u001f\u0080-\uffff]/g;
const SHORT: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const jsonString = (s: string) =>
  `"${s.replace(ESCAPE, (c) => SHORT[c] ?? `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`)}"`;

const NEWLINE_COMMA = [10, 44] as const;

/**
 * Even offset between the ids of consecutive copies. V8 object ids are odd and dense (1..maxOdd);
 * embedder (native) ids are even and pointer-derived, in the billions, so "k * (maxId + 2)" would
 * overflow 32 bits. Shifting by maxOdd+1 keeps every id's parity, makes the odd ids of copies
 * disjoint, and is checked below for the few even ones (unique, and below 2^32).
 */
function idOffset(g: HeapGraph, K: number): number {
  let maxOdd = 0;
  let maxAll = 0;
  const ids = g.nodeId;
  for (let i = 0; i < g.nodeCount; i++) {
    const v = ids[i];
    if (v > maxAll) maxAll = v;
    if (v & 1 && v > maxOdd) maxOdd = v;
  }
  const step = maxOdd + 1 + ((maxOdd + 1) & 1);
  if (maxAll + (K - 1) * step > 0xffffffff) throw new Error(`ids would pass 2^32 (max id ${maxAll}, step ${step}, K ${K})`);
  const seen = new Set<number>();
  for (let i = 0; i < g.nodeCount; i++) {
    const v = ids[i];
    if (v & 1) continue;
    for (let k = 0; k < K; k++) {
      const id = v + k * step;
      if (seen.has(id)) throw new Error(`replicated even id ${id} collides; cannot keep ids unique`);
      seen.add(id);
    }
  }
  return step;
}

async function main(): Promise<void> {
  const [src, kArg, out] = process.argv.slice(2);
  const K = Number(kArg);
  if (!src || !out || !Number.isInteger(K) || K < 1) {
    console.error('usage: node --import tsx bench/replicate.ts SRC K OUT');
    process.exit(2);
  }
  const started = performance.now();
  const g = await loadSnapshot(src);
  const loaded = performance.now();
  const N = g.nodeCount;
  const E = g.edgeCount;
  const meta = g.meta;
  const nf = meta.node_fields;
  const nfc = nf.length;
  const ef = meta.edge_fields;
  if (N * K * nfc > 0xffffffff || E * K + K - 1 > 0xffffffff) throw new Error(`${K} copies of ${N} nodes / ${E} edges exceed 32-bit offsets`);
  process.stderr.write(`loaded ${src}: ${N} nodes, ${E} edges in ${((loaded - started) / 1000).toFixed(1)} s\n`);
  const idStep = idOffset(g, K);

  const { nodeType, nodeName, nodeId, selfSize, traceNodeId, detachedness, firstEdge, edgeType, edgeNameOrIndex, edgeTo } = g;
  const NK = { type: 0, name: 1, id: 2, self_size: 3, edge_count: 4, trace_node_id: 5, detachedness: 6 } as const;
  const nodeKinds = Int32Array.from(nf, (f) => (f in NK ? NK[f as keyof typeof NK] : -1));
  const EK = { type: 0, name_or_index: 1, to_node: 2 } as const;
  const edgeKinds = Int32Array.from(ef, (f) => (f in EK ? EK[f as keyof typeof EK] : -1));
  const efc = ef.length;
  const elementType = g.types.edgeElement;
  if (K > 1 && elementType < 0) throw new Error('meta declares no "element" edge type');

  const tmp = `${out}.tmp`;
  const fd = openSync(tmp, 'w');
  const w = new Writer(fd);
  const header: Record<string, unknown> = { meta, node_count: N * K, edge_count: E * K + (K - 1) };
  if (g.extraNativeBytes) header.extra_native_bytes = g.extraNativeBytes * K;
  header.trace_function_count = 0;
  w.text(`{"snapshot":${JSON.stringify(header)},\n"nodes":[`);

  // ---- nodes ----
  for (let k = 0; k < K; k++) {
    const idShift = k * idStep;
    for (let i = 0; i < N; i++) {
      w.reserve();
      if (k > 0 || i > 0) {
        w.byte(NEWLINE_COMMA[0]);
        w.byte(NEWLINE_COMMA[1]);
      }
      for (let f = 0; f < nfc; f++) {
        if (f > 0) w.byte(44);
        switch (nodeKinds[f]) {
          case 0:
            w.num(nodeType[i]);
            break;
          case 1:
            w.num(nodeName[i]);
            break;
          case 2:
            w.num(nodeId[i] + idShift);
            break;
          case 3:
            w.num(selfSize[i]);
            break;
          case 4:
            w.num(firstEdge[i + 1] - firstEdge[i] + (k === 0 && i === 0 ? K - 1 : 0));
            break;
          case 5:
            w.num(traceNodeId ? traceNodeId[i] : 0);
            break;
          case 6:
            w.num(detachedness ? detachedness[i] : 0);
            break;
          default:
            w.num(0);
        }
      }
    }
    process.stderr.write(`nodes: copy ${k + 1}/${K} done (${(w.bytes / 1e9).toFixed(2)} GB flushed)\n`);
  }
  w.text('\n],\n"edges":[');

  // ---- edges ----
  let first = true;
  const edge = (type: number, nameOrIndex: number, toOrdinal: number) => {
    w.reserve();
    if (!first) {
      w.byte(NEWLINE_COMMA[0]);
      w.byte(NEWLINE_COMMA[1]);
    }
    first = false;
    for (let f = 0; f < efc; f++) {
      if (f > 0) w.byte(44);
      const kind = edgeKinds[f];
      w.num(kind === 0 ? type : kind === 1 ? nameOrIndex : kind === 2 ? toOrdinal * nfc : 0);
    }
  };
  for (let k = 0; k < K; k++) {
    const shift = k * N;
    for (let e = 0; e < E; e++) {
      // Copy 0's root: its own edges, then one to each other copy's root.
      if (k === 0 && e === firstEdge[1]) for (let c = 1; c < K; c++) edge(elementType, c, c * N);
      edge(edgeType[e], edgeNameOrIndex[e], edgeTo[e] + shift);
    }
    if (k === 0 && E === firstEdge[1]) for (let c = 1; c < K; c++) edge(elementType, c, c * N);
    process.stderr.write(`edges: copy ${k + 1}/${K} done (${(w.bytes / 1e9).toFixed(2)} GB flushed)\n`);
  }
  w.text('\n],\n"trace_function_infos":[],\n"trace_tree":[],\n"samples":[],\n"locations":[');

  // ---- locations: the loader's node-ordered arrays, written back in meta.location_fields order ----
  const lf = meta.location_fields ?? ['object_index', 'script_id', 'line', 'column'];
  const LK = { object_index: 0, script_id: 1, line: 2, column: 3 } as const;
  const locKinds = Int32Array.from(lf, (f) => (f in LK ? LK[f as keyof typeof LK] : -1));
  const L = g.locationNode.length;
  let firstLoc = true;
  for (let k = 0; k < K; k++) {
    const shift = k * N;
    for (let j = 0; j < L; j++) {
      w.reserve();
      if (!firstLoc) {
        w.byte(NEWLINE_COMMA[0]);
        w.byte(NEWLINE_COMMA[1]);
      }
      firstLoc = false;
      for (let f = 0; f < locKinds.length; f++) {
        if (f > 0) w.byte(44);
        const kind = locKinds[f];
        w.num(
          kind === 0
            ? (g.locationNode[j] + shift) * nfc
            : kind === 1
              ? g.locationScript[j]
              : kind === 2
                ? g.locationLine[j]
                : kind === 3
                  ? g.locationColumn[j]
                  : 0,
        );
      }
    }
  }
  w.text('\n],\n"strings":[');

  // ---- strings, once (non-ASCII as \uXXXX, as V8 writes them) ----
  const strings = g.strings;
  for (let s = 0; s < strings.length; s++) w.text(s === 0 ? jsonString(strings.get(s)) : `,\n${jsonString(strings.get(s))}`);
  w.text(']}');
  w.flush();
  closeSync(fd);
  renameSync(tmp, out);

  const seconds = (performance.now() - started) / 1000;
  console.log(
    JSON.stringify({
      source: { nodes: N, edges: E, strings: strings.length, locations: L },
      copies: K,
      nodes: N * K,
      edges: E * K + (K - 1),
      idStep,
      bytes: w.bytes,
      gb: Number((w.bytes / 1e9).toFixed(3)),
      seconds: Number(seconds.toFixed(1)),
      loadSeconds: Number(((loaded - started) / 1000).toFixed(1)),
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      out,
    }),
  );
}

main().catch((err) => {
  console.error(`replicate: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
