// DevTools' Statistics view: code, strings, JS arrays (with their elements store when owned
// alone), typed arrays (array buffer backing stores), system, native (+ extra_native_bytes).
import type { HeapGraph } from '../graph.js';
import type { Statistics } from '../types.js';

/** What the pass reads (a worker runs it over its shared copies). */
export type StatisticsGraph = Pick<
  HeapGraph,
  'nodeCount' | 'nodeType' | 'nodeName' | 'selfSize' | 'strings' | 'types' | 'firstEdge' | 'edgeType' | 'edgeNameOrIndex' | 'edgeTo' | 'firstRetainer' | 'extraNativeBytes'
>;

export function computeStatistics(g: StatisticsGraph, totalSize: number): Statistics {
  const { nodeCount, nodeType, nodeName, selfSize, strings, types, firstEdge, edgeType, edgeNameOrIndex, edgeTo, firstRetainer } = g;
  let native = g.extraNativeBytes;
  let typedArrays = 0;
  let code = 0;
  let str = 0;
  let jsArrays = 0;
  let system = 0;
  const bufferData = strings.indexOf('system / JSArrayBufferData');
  const arrayName = strings.indexOf('Array');
  const elements = strings.indexOf('elements');
  for (let i = 0; i < nodeCount; i++) {
    const t = nodeType[i];
    const size = selfSize[i];
    if (t === types.nodeHidden) {
      system += size;
    } else if (t === types.nodeNative) {
      native += size;
      if (nodeName[i] === bufferData && bufferData >= 0) typedArrays += size;
    } else if (t === types.nodeCode) {
      code += size;
    } else if (t === types.nodeConsString || t === types.nodeSlicedString || t === types.nodeString) {
      str += size;
    } else if (nodeName[i] === arrayName && arrayName >= 0) {
      let s = size;
      for (let e = firstEdge[i]; e < firstEdge[i + 1]; e++) {
        if (edgeType[e] !== types.edgeInternal || edgeNameOrIndex[e] !== elements) continue;
        const el = edgeTo[e];
        if (firstRetainer[el + 1] - firstRetainer[el] === 1) s += selfSize[el];
        break;
      }
      jsArrays += s;
    }
  }
  return {
    total: totalSize,
    native: { total: native, typedArrays },
    v8heap: { total: totalSize - native, code, jsArrays, strings: str, system },
  };
}
