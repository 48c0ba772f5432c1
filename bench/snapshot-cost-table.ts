// The cost model against every measured snapshot in test/fixtures/snapshot-cost.jsonl: the first
// prediction without a census (the bound for any heap), with the census the agent takes when that
// bound would refuse, and the learned prediction of the second snapshot, each against the measured
// peak RSS delta; and the census's own time next to the snapshot's pause.
//   node --import tsx bench/snapshot-cost-table.ts
import { SnapshotCostModel } from '../src/agent/snapshot-cost.js';
import { censusOf, largeOf as lo, runsByKey, shapeOf as shape } from '../test/support/snapshot-cost-runs.js';

const MB = 1048576;
const runs = runsByKey();
const mb = (n: number, w: number): string => (n / MB).toFixed(0).padStart(w);
const x = (a: number, b: number): string => (a / b).toFixed(2).padStart(6);
console.log('shape            heapUsed   LO | measured1  bound  ratio  census  ratio | pause ms  predicted  census ms | measured2 learned  ratio');
const ratios: number[] = [];
for (const [k, [a, b]] of runs) {
  const c = censusOf(a!);
  const bound = new SnapshotCostModel().forecast(shape(a!));
  const census = c ? new SnapshotCostModel().forecast(shape(a!, c)) : undefined;
  if (census && a!.peakRssDelta >= 64 * MB) ratios.push(census.peakRssDelta / a!.peakRssDelta);
  let second = '';
  if (b) {
    const model = new SnapshotCostModel();
    const f1 = census ?? bound;
    model.learn(shape(a!, c), f1, a!);
    const f2 = model.forecast(shape(b));
    second = `${mb(b.peakRssDelta, 9)} ${mb(f2.peakRssDelta, 7)} ${x(f2.peakRssDelta, b.peakRssDelta)}`;
  }
  console.log(
    `${k.padEnd(16)} ${mb(a!.heapUsed, 8)} ${mb(lo(a!), 4)} | ${mb(a!.peakRssDelta, 9)} ${mb(bound.peakRssDelta, 6)} ${x(bound.peakRssDelta, a!.peakRssDelta)} ` +
      `${census ? `${mb(census.peakRssDelta, 7)} ${x(census.peakRssDelta, a!.peakRssDelta)}` : '      -      -'} | ` +
      `${String(a!.pauseMs).padStart(8)} ${String(census?.pauseMs ?? '-').padStart(10)} ${String(c?.ms ?? '-').padStart(10)} | ${second}`,
  );
}
ratios.sort((p, q) => p - q);
if (ratios.length) console.log(`census, peaks of 64 MB and more: ${ratios.length} first snapshots, ratio ${ratios[0]!.toFixed(2)}-${ratios.at(-1)!.toFixed(2)}, median ${ratios[ratios.length >> 1]!.toFixed(2)}`);
