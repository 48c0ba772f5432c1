// Compares heapscope's analysis of one snapshot with DevTools' (the oracle) and describes every
// difference precisely (node ids, names, expected vs actual), for assertion messages.
import { isDeepStrictEqual } from 'node:util';
import { analyzeSnapshot, nodeDisplayName, nodeTypeName, summarize } from '../../src/engine/index.js';
import type { ClassSummary, HeapAnalysis } from '../../src/engine/index.js';
import { runOracle, type OracleClass, type OracleResult } from './oracle.js';

export interface Comparison {
  analysis: HeapAnalysis;
  oracle: OracleResult;
  /** Human-readable differences; empty when heapscope agrees with DevTools everywhere. */
  problems: string[];
}

const SHOW = 8;

function describeNode(a: HeapAnalysis, ordinal: number): string {
  const g = a.graph;
  const name = nodeDisplayName(g, ordinal).slice(0, 60);
  return `@${g.nodeId[ordinal]} (#${ordinal} ${nodeTypeName(g, ordinal)} ${JSON.stringify(name)})`;
}

function perNodeProblems(a: HeapAnalysis, o: OracleResult): string[] {
  const g = a.graph;
  const problems: string[] = [];
  if (g.nodeCount !== o.nodeCount) return problems; // reported by the caller; ids cannot line up
  const bad: string[] = [];
  let retainedBad = 0;
  let distanceBad = 0;
  let idBad = 0;
  for (let i = 0; i < g.nodeCount; i++) {
    if (g.nodeId[i] !== o.perNode.id[i]) {
      if (idBad++ < SHOW) bad.push(`#${i}: id ${g.nodeId[i]} but DevTools has @${o.perNode.id[i]} there`);
      continue;
    }
    const r = a.retainedSize[i] !== o.perNode.retained[i];
    const d = a.distance[i] !== o.perNode.distance[i];
    if (r) retainedBad++;
    if (d) distanceBad++;
    if ((r || d) && bad.length < SHOW) {
      bad.push(
        `${describeNode(a, i)}: ` +
          (r ? `retained expected ${o.perNode.retained[i]} actual ${a.retainedSize[i]} ` : '') +
          (d ? `distance expected ${o.perNode.distance[i]} actual ${a.distance[i]}` : ''),
      );
    }
  }
  if (idBad) problems.push(`${idBad} nodes out of snapshot order`);
  if (retainedBad) problems.push(`${retainedBad} of ${g.nodeCount} nodes differ in retained size`);
  if (distanceBad) problems.push(`${distanceBad} of ${g.nodeCount} nodes differ in distance`);
  if (bad.length) problems.push(...bad.map((b) => `  ${b}`));
  return problems;
}

type Row = Pick<ClassSummary, 'count' | 'selfSize' | 'retainedSize' | 'distance'>;
const rowText = (r: Row) => `count ${r.count} self ${r.selfSize} retained ${r.retainedSize} distance ${r.distance}`;
const rowOrder = (x: Row, y: Row) => x.count - y.count || x.selfSize - y.selfSize || x.retainedSize - y.retainedSize || x.distance - y.distance;

/**
 * Every DevTools Summary row must have a heapscope row with the same name and equal numbers, and
 * heapscope may list no class DevTools does not.
 * DevTools splits same-named object classes by constructor location, so rows are compared per
 * name as sorted lists.
 */
function summaryProblems(ours: ClassSummary[], theirs: OracleClass[]): string[] {
  const group = <T extends { name: string }>(rows: T[]) => {
    const m = new Map<string, T[]>();
    for (const r of rows) m.set(r.name, [...(m.get(r.name) ?? []), r]);
    return m;
  };
  const mine = group(ours);
  const problems: string[] = [];
  for (const [name, rows] of group(theirs)) {
    const want = [...rows].sort(rowOrder);
    const got = [...(mine.get(name) ?? [])].sort(rowOrder);
    const same = want.length === got.length && want.every((w, i) => rowOrder(w, got[i]) === 0 && w.distance === got[i].distance);
    if (!same && problems.length < SHOW) {
      problems.push(`  class ${JSON.stringify(name)}: expected [${want.map(rowText).join('; ')}] actual [${got.map(rowText).join('; ') || 'no row'}]`);
    } else if (!same) problems.push('');
  }
  // and the other way: a class heapscope lists that DevTools does not is a difference too
  const theirNames = new Set(theirs.map((r) => r.name));
  for (const [name, rows] of mine) {
    if (theirNames.has(name)) continue;
    if (problems.length < SHOW) problems.push(`  class ${JSON.stringify(name)}: expected no row, actual [${rows.map(rowText).join('; ')}]`);
    else problems.push('');
  }
  const count = problems.length;
  const shown = problems.filter(Boolean);
  return count ? [`${count} Summary classes differ`, ...shown] : [];
}

/** Analyze `file` with heapscope and with DevTools and list the differences. */
export async function compareWithOracle(file: string): Promise<Comparison> {
  const [analysis, oracle] = await Promise.all([analyzeSnapshot(file), runOracle(file)]);
  const g = analysis.graph;
  const problems: string[] = [];
  if (g.nodeCount !== oracle.nodeCount) problems.push(`nodeCount expected ${oracle.nodeCount} actual ${g.nodeCount}`);
  if (g.edgeCount !== oracle.edgeCount) problems.push(`edgeCount expected ${oracle.edgeCount} actual ${g.edgeCount}`);
  if (analysis.totalSize !== oracle.totalSize) problems.push(`totalSize expected ${oracle.totalSize} actual ${analysis.totalSize}`);
  if (!isDeepStrictEqual({ ...analysis.statistics }, oracle.statistics)) {
    problems.push(`statistics expected ${JSON.stringify(oracle.statistics)} actual ${JSON.stringify(analysis.statistics)}`);
  }
  problems.push(...perNodeProblems(analysis, oracle));
  problems.push(...summaryProblems(summarize(analysis), oracle.classes));
  return { analysis, oracle, problems };
}
