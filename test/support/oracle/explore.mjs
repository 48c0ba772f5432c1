// DevTools' own Retainers and Containment lists (HeapSnapshot.createRetainingEdgesProvider /
// createEdgesProvider, sorted as the panels sort them by default) for a few objects of one snapshot.
// usage: node oracle-explore.mjs FILE ID[,ID...]  -> JSON { [id]: { retainers, edges } } on stdout
import * as fs from 'node:fs';
import * as HS from 'chrome-devtools-frontend/front_end/entrypoints/heap_snapshot_worker/HeapSnapshot.js';
import { HeapSnapshotLoader } from 'chrome-devtools-frontend/front_end/entrypoints/heap_snapshot_worker/HeapSnapshotLoader.js';
import * as Model from 'chrome-devtools-frontend/front_end/models/heap_snapshot/HeapSnapshotModel.js';

const [file, idList] = process.argv.slice(2);
const loader = new HeapSnapshotLoader({ sendEvent() {} });
for await (const chunk of fs.createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) loader.write(chunk);
loader.close();
const channel = new MessageChannel();
new HS.SecondaryInitManager(channel.port2);
const snap = await loader.buildSnapshot(channel.port1);
channel.port1.close();
channel.port2.close();

const out = {};
const row = (e) => ({ edge: String(e.name), edgeType: e.type, id: e.node.id });
for (const id of idList.split(',').map(Number)) {
  let ordinal = -1;
  for (let i = 0; i < snap.nodeCount; i++) if (snap.nodes.getValue(i * snap.nodeFieldCount + snap.nodeIdOffset) === id) ordinal = i;
  if (ordinal < 0) continue;
  const index = ordinal * snap.nodeFieldCount;
  const ret = snap.createRetainingEdgesProvider(index);
  // HeapSnapshotRetainmentDataGrid: distance ascending, then name (the retainer's)
  ret.sortAndRewind(new Model.ComparatorConfig('!edgeDistance', true, 'name', true));
  const edges = snap.createEdgesProvider(index);
  // the Summary grid's default sort (retained size, descending) as an object's children sort it
  edges.sortAndRewind(new Model.ComparatorConfig('retainedSize', false, '!edgeName', true));
  out[id] = { retainers: ret.serializeItemsRange(0, 1e9).items.map(row), edges: edges.serializeItemsRange(0, 1e9).items.map(row) };
}
process.stdout.write(JSON.stringify(out));
