// The project cost profile replayed on test/fixtures/snapshot-cost.jsonl (see
// test/support/snapshot-cost-runs.ts): one row per sibling pair, predicted vs measured peak.
//   node --import tsx bench/snapshot-cost-project.ts
import { pairs } from '../test/support/snapshot-cost-runs.js';

const MB = 1024 * 1024;
const f = (n: number): string => (n / MB).toFixed(0);
console.log('| shape | heap MB | profile from (heap MB) | predicted MB | measured MB | ratio | default ratio | pause pred/meas s |');
console.log('|---|---|---|---|---|---|---|---|');
for (const p of pairs()) {
  console.log(
    `| ${p.shape} | ${f(p.heap)} | ${p.from} (${f(p.fromHeap)}) | ${f(p.predicted)} | ${f(p.measured)} | ${(p.predicted / p.measured).toFixed(2)} | ${(p.defaultPredicted / p.measured).toFixed(2)} | ${(p.pausePredicted / 1000).toFixed(1)}/${(p.pauseMeasured / 1000).toFixed(1)} |`,
  );
}
