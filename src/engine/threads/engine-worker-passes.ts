// The engine worker's half of the two-core analysis (see passes/parallel.ts), over the graph's
// shared arrays: flags and its share of the essential edges, the retainer index, distances, class names and the Summary's
// class counts (while the main thread computes the dominator tree), then the dominated-nodes index
// of that tree and, while the main thread goes on, the Summary's retained sizes by class. Runs on
// the engine worker (engine-worker.ts), which posts nothing else meanwhile.
import type { MessagePort } from 'node:worker_threads';
import {
  bfsDistances, computeClassIndex, computeEssentialRange, computeFlagsInto, countClasses, countDominated, fillDominated, fillRetainers,
  retainedByClass, stepTimer, RETAINED_DONE, RETAINED_WORKING, type ClassRetainedJob, type SideJob, type TreeJob,
} from '../passes/index.js';
import { StringTable } from '../strings.js';
import { collectGarbage } from '../memory.js';

export function runSideJob(job: SideJob, parentPort: MessagePort): void {
  // one scratch array for every pass's stack, cursors and queue, one after the other, until the
  // class names overwrite it (see SideJob.scratch)
  const g = job.graph;
  const scratch = job.scratch;
  const lap = stepTimer();
  try {
    parentPort.postMessage({ type: 'ready' });
    computeFlagsInto(g, job.inputs.domTrees, job.flags, scratch);
    parentPort.postMessage({ type: 'flags' }); // the main thread takes the upper share of the essential edges
    lap('flags');
    computeEssentialRange(g, job.flags, job, job.essential, job.retained, 0, job.essentialSplit);
    parentPort.postMessage({ type: 'essential' });
    lap('essential edges');
    if (job.retainers) {
      // the index marks essential slots: it needs the main thread's share too
      while (Atomics.load(job.essentialDone, 0) === 0) Atomics.wait(job.essentialDone, 0, 0, 50);
      lap('wait for the main thread\'s essential edges');
      fillRetainers(g.firstEdge, g.edgeTo, job.retainers, scratch, { edges: job.essential, slots: job.slots! });
      parentPort.postMessage({ type: 'retainers' });
      lap('retainer index');
    }
    // The essential-edge bits (a bit per edge, by edge and by retainer slot) are the main thread's
    // alone from here: their memory goes when it drops them too (SideWork.treeBuilt), before the
    // analysis's peak, if this thread has collected its references.
    job.essential = job.retained = new Uint8Array(0);
    job.slots = null;
    collectGarbage();
    if (job.withDistances) bfsDistances(g, job.inputs, job.distance, scratch);
    parentPort.postMessage({ type: 'distances' });
    lap('distances');
    // last: the names overwrite the scratch memory
    const strings = StringTable.fromShared(job.strings);
    computeClassIndex({ ...g, strings, nodeTypeNames: job.nodeTypeNames }, job.classIndex);
    parentPort.postMessage({ type: 'classes', added: strings.addedSince(job.strings.count + job.strings.added.length) });
    lap('class names');
    // the class counts read the self sizes the main thread moves (long done by now, as a rule); 2:
    // they moved to memory this thread doesn't see
    while (Atomics.load(job.shallowDone, 0) === 0) Atomics.wait(job.shallowDone, 0, 0, 50);
    if (!job.withDistances) parentPort.postMessage({ type: 'counts', counts: null }); // (they need distances)
    else if (Atomics.load(job.shallowDone, 0) === 1) {
      const input = {
        ...job.locations, nodeCount: g.nodeCount, nodeType: g.nodeType, selfSize: job.selfSize, classIndex: job.classIndex,
        distance: job.distance, objectType: job.objectType, stringCount: strings.length,
      };
      parentPort.postMessage({ type: 'counts', counts: countClasses(input, job.packed) });
      lap('class counts');
    }
    parentPort.postMessage({ type: 'done' });
    parentPort.once('message', (t: TreeJob) => {
      try {
        lap('idle until the tree');
        countDominated(t.dominator, t.firstDominated);
        // `dominated` may share memory with what the main thread reads until it says otherwise
        while (Atomics.load(t.dominatedFree, 0) === 0) Atomics.wait(t.dominatedFree, 0, 0, 50);
        fillDominated(t.dominator, t);
        parentPort.postMessage({ type: 'tree' });
        lap('dominated index');
        // then, if asked, the Summary's retained sizes by class while the main thread goes on
        parentPort.once('message', (c: ClassRetainedJob) => {
          try {
            Atomics.store(c.pending.state, 0, RETAINED_WORKING);
            Atomics.notify(c.pending.state, 0);
            retainedByClass({ retainedSize: c.retainedSize, firstDominated: t.firstDominated, dominated: t.dominated }, job.packed, c.pending.retained, c.pending.state);
            Atomics.store(c.pending.state, 0, RETAINED_DONE);
            Atomics.notify(c.pending.state, 0);
            parentPort.postMessage({ type: 'class-retained' });
            lap('retained sizes by class');
            // nothing left: end now rather than when the main thread next looks (its heap and
            // stack would otherwise add to the process's memory through the diagnosis)
            process.exit(0);
          } catch (e) {
            parentPort.postMessage({ type: 'error', message: (e as Error).message });
          }
        });
      } catch (e) {
        parentPort.postMessage({ type: 'error', message: (e as Error).message });
      }
    });
  } catch (e) {
    parentPort.postMessage({ type: 'error', message: (e as Error).message });
  }
}
