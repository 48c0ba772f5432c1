// Chrome DevTools' own heap snapshot worker (chrome-devtools-frontend, bundled by ../oracle.ts with
// esbuild) run end to end on one .heapsnapshot: the correctness oracle for heapscope's engine.
// usage: node oracle.mjs FILE OUTDIR
// Writes OUTDIR/result.json (counts, totalSize, statistics, every Summary row) and, for every node
// in snapshot order, OUTDIR/ids.f64, retained.f64 (Float64Array) and distance.i32 (Int32Array).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as HS from 'chrome-devtools-frontend/front_end/entrypoints/heap_snapshot_worker/HeapSnapshot.js';
import { HeapSnapshotLoader } from 'chrome-devtools-frontend/front_end/entrypoints/heap_snapshot_worker/HeapSnapshotLoader.js';
import * as Model from 'chrome-devtools-frontend/front_end/models/heap_snapshot/HeapSnapshotModel.js';

const [file, outDir] = process.argv.slice(2);
if (!file || !outDir) {
  console.error('usage: oracle.mjs FILE OUTDIR');
  process.exit(2);
}
const t0 = performance.now();

const loader = new HeapSnapshotLoader({ sendEvent() {} });
for await (const chunk of fs.createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) loader.write(chunk);
loader.close();
const channel = new MessageChannel();
new HS.SecondaryInitManager(channel.port2);
const snap = await loader.buildSnapshot(channel.port1);
const aggregates = snap.aggregatesWithFilter(new Model.NodeFilter());
channel.port1.close();
channel.port2.close();

const nodeCount = snap.nodeCount;
const nfc = snap.nodeFieldCount;
const ids = new Float64Array(nodeCount);
const retained = new Float64Array(nodeCount);
const distance = new Int32Array(nodeCount);
for (let i = 0; i < nodeCount; i++) {
  ids[i] = snap.nodes.getValue(i * nfc + snap.nodeIdOffset);
  retained[i] = snap.retainedSizes[i];
  distance[i] = snap.nodeDistances[i];
}
const classes = Object.entries(aggregates).map(([key, a]) => ({
  key,
  name: a.name,
  count: a.count,
  distance: a.distance,
  selfSize: a.self,
  retainedSize: a.maxRet,
}));

fs.mkdirSync(outDir, { recursive: true });
const write = (name, arr) => fs.writeFileSync(path.join(outDir, name), new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength));
write('ids.f64', ids);
write('retained.f64', retained);
write('distance.i32', distance);
const hwm = Number((fs.readFileSync('/proc/self/status', 'utf8').match(/VmHWM:\s+(\d+)/) || [])[1] || 0);
fs.writeFileSync(
  path.join(outDir, 'result.json'),
  JSON.stringify({
    nodeCount,
    edgeCount: snap.containmentEdges.length / snap.edgeFieldsCount,
    totalSize: snap.totalSize ?? snap.retainedSizes[0],
    rootRetainedSize: snap.retainedSizes[0],
    statistics: snap.getStatistics(),
    classes,
    ms: Math.round(performance.now() - t0),
    peakRssMB: Math.round(hwm / 1024),
  }),
);
