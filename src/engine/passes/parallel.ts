// Two-core analysis. The dominator pass (DFS, then Lengauer-Tarjan) is the critical path and stays
// on the main thread; a worker computes, over the graph's shared arrays: the flags (while the main
// thread moves shallow sizes) and half the essential edges (the main thread does the other half),
// the retainer index (during the DFS, which needs no retainers), distances, class names over a copy
// of the string table that shares its bytes and the Summary's class counts (during
// Lengauer-Tarjan), then the dominated-nodes index of the finished tree (while the main thread sums
// retained sizes) and, once the analysis has returned, the Summary's retained sizes by class.
// Used only when the parser left the arrays it needs in SharedArrayBuffers (copying them would
// cost time and memory) and the graph is big enough to pay for a thread.
import type { Worker } from 'node:worker_threads';
import { engineWorkerScript, spawnWorker, takeWorker } from '../workers.js';
import type { HeapGraph, Sizes } from '../graph.js';
import { bfsDistances, distanceInputs, distanceQueueLength, type DistanceGraph, type DistanceInputs } from './distances.js';
import type { EphemeronInfo } from './weakmap.js';
import { fillRetainers, hasRetainers, type Retainers } from './retainers.js';
import { sharedArena } from '../memory.js';
import { computeFlagsInto, type FlagsGraph } from './flags.js';
import { computeEssentialInto, computeEssentialRange, type EssentialGraph } from './essential.js';
import { buildDominatedInto, carveTreeSizes, retainedSizesInto, type DominatedNodes, type DominatorTree } from './dominators.js';
import { computeClassIndex } from './classes.js';
import type { ClassCounts, PackedClasses, PendingRetained } from './summary.js';
import type { SharedStrings } from '../strings.js';

const MIN_NODES = 200_000;

export interface SideJob {
  graph: DistanceGraph & FlagsGraph & EssentialGraph;
  inputs: DistanceInputs;
  distance: Int32Array;
  /** DevTools' node flags, filled first (the dominator pass needs them); "(Document DOM trees)" is inputs.domTrees. */
  flags: Uint8Array;
  /** Then the essential-edge bits (one per edge), from the flags and the WeakMap tables. */
  essential: Uint8Array;
  /** And a bit per node that some essential edge points at. */
  retained: Uint8Array;
  /**
   * The essential edges are split between the threads (the main thread is done with shallow sizes
   * by the time the flags are): the worker takes the edges below this index (a multiple of 8), the
   * main thread the rest, into its own `retained`.
   */
  essentialSplit: number;
  /** Set to 1 by the main thread when its share is in `essential` (the retainer index reads them all). */
  essentialDone: Int32Array;
  /**
   * For the class counts: the self sizes, final once the main thread sets shallowDone to 1 (2: they
   * moved to new memory when an owner passed 32 bits, so the main thread counts classes itself).
   */
  selfSize: Sizes;
  shallowDone: Int32Array;
  tableId: Map<number, number>;
  /** Shared arrays for the worker to fill, or null when the graph has its retainer index. */
  retainers: Retainers | null;
  /** With retainers: the essential bit per retainer slot (see essentialSlots). */
  slots: Uint8Array | null;
  /** False: no distances (left zero) and no class counts (see AnalyzeOptions.distances). */
  withDistances: boolean;
  /** For class names (computeClassIndex): the string table as it is now, and the output. */
  strings: SharedStrings;
  nodeTypeNames: string[];
  classIndex: Uint32Array;
  /**
   * For the Summary's class counts (countClasses), which the worker computes after the class names:
   * each node's packed class goes here; the locations split classes.
   */
  packed: Uint16Array;
  objectType: number;
  locations: Pick<HeapGraph, 'locationNode' | 'locationScript' | 'locationLine' | 'locationColumn'>;
  /**
   * The worker's working memory until it names classes: classIndex's buffer, a little longer (the
   * distance queue's length). Its stacks, cursors and queue need no memory of their own.
   */
  scratch: Uint32Array;
}

export interface SideWork {
  /**
   * Resolves with DevTools' node flags (see computeFlags) and the essential edges
   * (computeEssentialEdges); treeBuilt empties the latter.
   */
  flags: Promise<EdgeBits>;
  /**
   * Resolves once the graph's retainer index is filled in, with the essential bit per retainer
   * slot (null when the graph came with its index: see essentialSlots); treeBuilt empties it.
   */
  retainers: Promise<{ slots: Uint8Array | null }>;
  distance: Promise<Int32Array>;
  /** Class names (computeClassIndex); the names it added are in the graph's string table by then. */
  classIndex: Promise<Uint32Array>;
  /** Call once the shallow sizes are final: the worker counts classes over them. */
  shallowDone(): void;
  /** The Summary's class counts over the final classIndex, distances and sizes (see SummaryTotals), or null: the caller counts. */
  classCounts: Promise<{ counts: ClassCounts; packed: PackedClasses } | null>;
  /**
   * Retained sizes (summed here; selfSize must hold the shallow sizes) and the dominated-nodes
   * index (by the worker meanwhile, from a tree in shared memory: see dominatorDfs; here too if
   * the worker is gone). `meanwhile` runs here with the final retained sizes while the worker
   * fills the index.
   */
  treeSizes(tree: DominatorTree, selfSize: Sizes, meanwhile?: (retainedSize: Float64Array) => void): Promise<TreeSizes>;
  /**
   * After treeSizes: has the worker, which indexed that tree, sum the Summary's retained sizes by
   * class (over the class counts it computed) while this thread goes on (see PendingRetained).
   * Null when the worker is gone or did not index the tree.
   */
  classRetained(classes: number): PendingRetained | null;
  /**
   * Call once the dominator tree is built: the essential-edge bits (a bit per edge, twice: by edge
   * and by retainer slot) are garbage then, here and in the worker, before the analysis's peak.
   */
  treeBuilt(): void;
  /** Stops the worker (it would otherwise wait for a tree, holding the graph): call when done or failed. */
  close(): void;
}

export interface EdgeBits {
  flags: Uint8Array;
  essential: Uint8Array;
  retained: Uint8Array;
}

export interface TreeSizes extends DominatedNodes {
  retainedSize: Float64Array;
}

/** The message that hands the worker a dominator tree (outputs preallocated in shared memory). */
export interface TreeJob extends DominatedNodes {
  dominator: Uint32Array;
  /**
   * Set to 1 by the main thread once `dominated` may be written: it may lie in the tree's `order`,
   * which the main thread reads to sum retained sizes meanwhile (see carveTreeSizes).
   */
  dominatedFree: Int32Array;
}

/** The message that has the worker sum retained sizes by class over the tree it indexed (see SideWork.classRetained). */
export interface ClassRetainedJob {
  retainedSize: Float64Array;
  pending: PendingRetained;
}

const isShared = (a: ArrayBufferView) => a.buffer instanceof SharedArrayBuffer;

/**
 * Starts the side work in a worker, or returns null when that doesn't apply (the caller then runs
 * the passes itself). If the worker dies at any point, what it had not delivered runs here instead.
 */
export function startSideWork(g: HeapGraph, eph: EphemeronInfo, minNodes = MIN_NODES, onWorker?: (w: Worker) => void, withDistances = true): SideWork | null {
  const { nodeType, nodeName, nodeId, firstEdge, edgeType, edgeNameOrIndex, edgeTo } = g;
  if (g.nodeCount < minNodes || ![nodeType, nodeName, nodeId, firstEdge, edgeType, edgeNameOrIndex, edgeTo, g.selfSize].every(isShared)) return null;
  const script = engineWorkerScript();
  if (!script) return null;
  // The worker's arrays that outlive the analysis (and the retainer index it fills) in one shared
  // buffer (see sharedArena); those the analysis drops on its own, so that they go when it ends.
  const n = g.nodeCount;
  const m = g.edgeCount;
  const indexHere = !hasRetainers(g);
  const queue = Math.max(n, distanceQueueLength(g));
  const { buffer, offsets } = sharedArena([n * 4, n, queue * 4, ...(indexHere ? [(n + 1) * 4, m * 4] : [])]);
  const [atDistance, atFlags, atScratch, atFirst, atNode] = offsets;
  const bits = (count: number) => new Uint8Array(new SharedArrayBuffer((count + 7) >>> 3));
  const job: SideJob = {
    graph: { nodeCount: g.nodeCount, nodeType, nodeName, nodeId, firstEdge, edgeType, edgeNameOrIndex, edgeTo, types: g.types },
    inputs: distanceInputs(g, eph),
    distance: new Int32Array(buffer, atDistance, n),
    flags: new Uint8Array(buffer, atFlags, n),
    essential: bits(m),
    retained: bits(n),
    essentialSplit: Math.floor(g.edgeCount / 16) * 8,
    essentialDone: new Int32Array(new SharedArrayBuffer(4)),
    selfSize: g.selfSize,
    shallowDone: new Int32Array(new SharedArrayBuffer(4)),
    tableId: eph.tableId,
    retainers: indexHere ? { firstRetainer: new Uint32Array(buffer, atFirst, n + 1), retainerNode: new Uint32Array(buffer, atNode, m) } : null,
    slots: indexHere ? bits(m) : null,
    withDistances,
    strings: g.strings.share(),
    nodeTypeNames: g.nodeTypeNames,
    classIndex: new Uint32Array(0),
    packed: new Uint16Array(new SharedArrayBuffer(n * 2)),
    objectType: g.types.nodeObject,
    locations: { locationNode: g.locationNode, locationScript: g.locationScript, locationLine: g.locationLine, locationColumn: g.locationColumn },
    scratch: new Uint32Array(buffer, atScratch, queue),
  };
  job.classIndex = job.scratch.subarray(0, n);
  // the worker's copy of the table must match this one: nothing may add strings until it is back
  const stringsAtStart = g.strings.length;
  let worker: Worker;
  try {
    worker = takeWorker() ?? spawnWorker(script);
    worker.postMessage({ kind: 'side', job }); // (see threads/engine-worker.ts)
  } catch {
    return null;
  }
  onWorker?.(worker);
  const flags = deferred<EdgeBits>();
  // what the two promises resolved with (treeBuilt empties them: a promise holds its value)
  let edgeBits: EdgeBits | null = null;
  const slotBits: { slots: Uint8Array | null } = { slots: null };
  const resolveFlags = (bits: EdgeBits) => {
    edgeBits = bits;
    flags.resolve(bits);
  };
  const flagsHere = () => {
    computeFlagsInto(job.graph, job.inputs.domTrees, job.flags);
    computeEssentialInto(job.graph, job.flags, job, job.essential, job.retained);
    return { flags: job.flags, essential: job.essential, retained: job.retained };
  };
  // The two shares of the essential edges: this thread's `retained` bits until both are in.
  let mine: Uint8Array | null = null;
  let theirs = false;
  const myShare = () => {
    mine = new Uint8Array(job.retained.length);
    computeEssentialRange(job.graph, job.flags, job, job.essential, mine, job.essentialSplit, g.edgeCount);
    Atomics.store(job.essentialDone, 0, 1);
    Atomics.notify(job.essentialDone, 0);
  };
  const join = () => {
    if (!mine || !theirs) return;
    const r = job.retained;
    for (let i = 0; i < r.length; i++) r[i] |= mine[i];
    mine = null;
    resolveFlags({ flags: job.flags, essential: job.essential, retained: r });
  };
  const retainers = deferred<{ slots: Uint8Array | null }>();
  const distance = deferred<Int32Array>();
  const classIndex = deferred<Uint32Array>();
  const classCounts = deferred<{ counts: ClassCounts; packed: PackedClasses } | null>();
  let sizesMoved = false;
  const shallowDone = () => {
    sizesMoved = g.selfSize !== job.selfSize;
    Atomics.store(job.shallowDone, 0, sizesMoved ? 2 : 1);
    Atomics.notify(job.shallowDone, 0);
    if (sizesMoved) classCounts.resolve(null);
  };
  let namedThere = false; // classIndex is the worker's (so are the class counts over it)
  const classesHere = () => computeClassIndex(g, job.classIndex);
  const attach = () => {
    if (job.retainers) Object.assign(g, job.retainers);
    slotBits.slots = job.slots;
    retainers.resolve(slotBits);
  };
  if (!job.retainers) attach(); // the graph has them
  // What the worker has delivered; if it dies, the rest is redone here from scratch (each pass
  // clears its output first), so a lost thread costs time, never the analysis.
  const delivered = { flags: false, essential: false, retainers: !job.retainers, distances: false, classes: false, counts: false };
  let finished = false;
  const fail = (e: Error) => {
    if (finished) return;
    finished = true;
    if (process.env.HEAPSCOPE_DEBUG_PASSES) process.stderr.write(`passes: ${e.message}; finishing its work on this thread\n`);
    try {
      if (!delivered.flags) resolveFlags(flagsHere());
      else if (!delivered.essential) {
        // the worker's share again (its bits so far are right, only incomplete)
        computeEssentialRange(job.graph, job.flags, job, job.essential, job.retained, 0, job.essentialSplit);
        theirs = true;
        join();
      }
      if (!delivered.retainers) {
        job.retainers!.firstRetainer.fill(0);
        job.slots!.fill(0);
        fillRetainers(g.firstEdge, g.edgeTo, job.retainers!, undefined, { edges: job.essential, slots: job.slots! });
        attach();
      }
      if (!delivered.distances) distance.resolve(bfsDistances(job.graph, job.inputs, job.distance));
      if (!delivered.classes) classIndex.resolve(classesHere());
      if (!delivered.counts) classCounts.resolve(null);
    } catch (err) {
      flags.reject(err as Error);
      retainers.reject(err as Error);
      classIndex.reject(err as Error);
      classCounts.resolve(null);
      distance.reject(err as Error);
    }
  };
  worker.on('message', (m: { type: string; message?: string; added?: string[]; counts?: ClassCounts | null }) => {
    if (m.type === 'flags') {
      delivered.flags = true;
      myShare();
      join();
    } else if (m.type === 'essential') {
      delivered.essential = true;
      theirs = true;
      join();
    } else if (m.type === 'retainers') {
      delivered.retainers = true;
      attach();
    } else if (m.type === 'classes') {
      delivered.classes = true;
      if (g.strings.length === stringsAtStart) {
        for (const s of m.added!) g.strings.push(s);
        namedThere = true;
        classIndex.resolve(job.classIndex);
      } else classIndex.resolve(classesHere()); // the worker's indexes would be off: name them here
    } else if (m.type === 'counts') {
      delivered.counts = true;
      // (null: more classes than 16 bits hold)
      classCounts.resolve(m.counts && namedThere && !sizesMoved ? { counts: m.counts, packed: job.packed } : null);
    } else if (m.type === 'distances') {
      delivered.distances = true;
      distance.resolve(job.distance);
    } else if (m.type === 'done') {
      finished = true;
      // it waits for a tree, which must not keep the process alive (unless one is on its way)
      if (!sizes) worker.unref();
    } else if (m.type === 'tree') sizes?.resolve();
    else if (m.type === 'class-retained') void worker.terminate();
    else if (m.type === 'error') {
      const e = new Error(`analysis worker: ${m.message}`);
      fail(e);
      sizes?.reject(e);
    }
  });
  let exited = false;
  worker.on('error', (e) => {
    fail(e);
    sizes?.reject(e);
  });
  worker.on('exit', (code) => {
    exited = true;
    const e = new Error(`analysis worker exited (${code})`);
    fail(e);
    sizes?.reject(e);
  });
  let sizes: ReturnType<typeof deferred<void>> | null = null;
  const treeSizes = async (tree: DominatorTree, selfSize: Sizes, meanwhile?: (retainedSize: Float64Array) => void): Promise<TreeSizes> => {
    const n = tree.dominator.length;
    const sab = (bytes: number) => new SharedArrayBuffer(bytes);
    const out = carveTreeSizes(tree) ?? {
      retainedSize: new Float64Array(n),
      firstDominated: new Uint32Array(sab((n + 1) * 4)),
      dominated: new Uint32Array(sab(Math.max(0, n - 1) * 4)),
    };
    const dominatedFree = new Int32Array(sab(4));
    const job: TreeJob = { dominator: tree.dominator, firstDominated: out.firstDominated, dominated: out.dominated, dominatedFree };
    await distance.promise; // the worker takes the tree after its distances
    const there = !exited && [job.dominator, job.firstDominated, job.dominated].every(isShared);
    if (there) {
      sizes = deferred<void>();
      worker.ref();
      worker.postMessage(job);
    }
    try {
      retainedSizesInto(out.retainedSize, tree, selfSize);
    } finally {
      // the tree's order is read: the worker may fill in `dominated` (and must not wait forever)
      Atomics.store(dominatedFree, 0, 1);
      Atomics.notify(dominatedFree, 0);
    }
    meanwhile?.(out.retainedSize);
    try {
      if (!there) buildDominatedInto(tree.dominator, out);
      else {
        await sizes!.promise;
        treeThere = out;
      }
    } catch {
      buildDominatedInto(tree.dominator, out); // rebuilt from scratch, whatever the worker left
    }
    return out;
  };
  // the tree the worker indexed (it still has it), and whether it sums retained sizes by class
  let treeThere: TreeSizes | null = null;
  let classJob = false;
  const classRetained = (classes: number): PendingRetained | null => {
    if (!treeThere || exited || !isShared(treeThere.retainedSize)) return null;
    const pending: PendingRetained = {
      retained: new Float64Array(new SharedArrayBuffer(Math.max(classes, 1) * 8), 0, classes),
      state: new Int32Array(new SharedArrayBuffer(8)),
    };
    const job: ClassRetainedJob = { retainedSize: treeThere.retainedSize, pending };
    classJob = true;
    worker.postMessage(job);
    // it must not keep the process alive: a caller that never asks for the Summary may exit
    worker.unref();
    return pending;
  };
  const treeBuilt = () => {
    // (what the worker has not delivered by now needs none of them: see fail)
    if (!delivered.retainers || !delivered.essential) return;
    const none = new Uint8Array(0);
    job.essential = job.retained = none;
    job.slots = slotBits.slots = null;
    if (edgeBits) edgeBits.essential = edgeBits.retained = none;
  };
  const close = () => {
    finished = true; // the analysis is over (or failed): nothing left to take over
    if (!classJob) void worker.terminate(); // (with one, the worker ends when it is done)
  };
  return {
    flags: flags.promise, retainers: retainers.promise, distance: distance.promise, classIndex: classIndex.promise,
    shallowDone, classCounts: classCounts.promise, treeSizes, classRetained, treeBuilt, close,
  };
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {}); // the caller awaits it later; no unhandled rejection meanwhile
  return { promise, resolve, reject };
}
