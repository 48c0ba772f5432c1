// The model against every measured snapshot in test/fixtures/snapshot-cost.jsonl: first prediction (the
// previous flat rates, 52x small-object heap and 62x large-object space, and the current model) and
// learned second prediction vs measured peak RSS delta.
//   node --import tsx bench/snapshot-cost-table.ts
import { SnapshotCostModel } from '../src/agent/snapshot-cost.js';
import { largeOf as lo, runsByKey, shapeOf as shape, type Measured } from '../test/support/snapshot-cost-runs.js';
const MB = 1048576;
const runs = runsByKey();
const old = (m: Measured) => 30 * MB + 52 * Math.max(0, m.heapUsed - lo(m) - 3 * MB) + 62 * lo(m);
console.log('shape            heapUsed  LO   measured1  flat-pred ratio  new-pred  ratio | measured2  learned  ratio');
for (const [k, [a, b]] of runs) {
  const model = new SnapshotCostModel();
  const f1 = model.forecast(shape(a));
  let s2 = '';
  if (b) { model.learn(shape(a), f1, a); const f2 = model.forecast(shape(b)); s2 = `${(b.peakRssDelta / MB).toFixed(0).padStart(9)} ${(f2.peakRssDelta / MB).toFixed(0).padStart(8)} ${(f2.peakRssDelta / b.peakRssDelta).toFixed(2).padStart(6)}`; }
  console.log(`${k.padEnd(16)} ${(a.heapUsed / MB).toFixed(0).padStart(8)} ${(lo(a) / MB).toFixed(0).padStart(4)} ${(a.peakRssDelta / MB).toFixed(0).padStart(10)} ${(old(a) / MB).toFixed(0).padStart(9)} ${(old(a) / a.peakRssDelta).toFixed(2).padStart(6)} ${(f1.peakRssDelta / MB).toFixed(0).padStart(9)} ${(f1.peakRssDelta / a.peakRssDelta).toFixed(2).padStart(6)} | ${s2}`);
}
