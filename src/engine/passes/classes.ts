// Class names for DevTools' Summary: constructor names for objects, "(system)", "(compiled code)",
// "Function", "(string)", ... for the rest, and "{a, b, c}" interface names for plain objects whose
// property sets are common (DevTools' inferInterfaceDefinitions / applyInterfaceDefinitions).
// New names are appended to the string table, once each.
import type { HeapGraph } from '../graph.js';


const MIN_INTERFACE_PROPERTY_COUNT = 1;
const MAX_INTERFACE_NAME_LENGTH = 120;
const MIN_OBJECT_COUNT_PER_INTERFACE = 2;
const MIN_OBJECT_PROPORTION_PER_INTERFACE = 1000;

export function computeClassIndex(g: HeapGraph): Uint32Array {
  const { nodeCount, nodeType, nodeName, strings, types } = g;
  const added = new Map<string, number>();
  const indexFor = (s: string): number => {
    let i = added.get(s);
    if (i === undefined) {
      i = strings.push(s) - 1;
      added.set(s, i);
    }
    return i;
  };
  const hidden = indexFor('(system)');
  const code = indexFor('(compiled code)');
  const fn = indexFor('Function');
  const re = indexFor('RegExp');
  const byType = g.nodeTypeNames.map(() => -1);
  const classIndex = new Uint32Array(nodeCount);
  for (let i = 0; i < nodeCount; i++) {
    const t = nodeType[i];
    let c: number;
    if (t === types.nodeHidden) c = hidden;
    else if (t === types.nodeObject || t === types.nodeNative) {
      c = nodeName[i];
      const name = strings[c];
      if (name.charCodeAt(0) === 60 /* < */) {
        const sp = name.indexOf(' ');
        c = indexFor(sp !== -1 ? name.substring(0, sp) + '>' : name);
      } else if (name.startsWith('Detached <')) {
        const sp = name.indexOf(' ', 10);
        c = indexFor(sp !== -1 ? name.substring(0, sp) + '>' : name);
      }
    } else if (t === types.nodeCode) c = code;
    else if (t === types.nodeClosure) c = fn;
    else if (t === types.nodeRegExp) c = re;
    else {
      if (byType[t] === -1) byType[t] = indexFor('(' + g.nodeTypeNames[t] + ')');
      c = byType[t];
    }
    classIndex[i] = c;
  }
  applyInterfaces(g, classIndex, indexFor);
  return classIndex;
}

export function formatPropertyName(name: string): string {
  if (/[,'"{}]/.test(name)) {
    const s = JSON.stringify({ [name]: 0 });
    return s.substring(1, s.length - 3);
  }
  return name;
}

interface TreeNode {
  next: Map<string, TreeNode>;
  match: { name: string; count: number; index: number } | null;
  greatestNext: string | null;
}

function applyInterfaces(g: HeapGraph, classIndex: Uint32Array, indexFor: (s: string) => number): void {
  const { nodeCount, nodeType, nodeName, firstEdge, edgeType, edgeNameOrIndex, strings, types } = g;
  const objectName = strings.indexOf('Object');
  if (objectName < 0) return;
  const prop = types.edgeProperty;
  const isPlain = (i: number) => nodeType[i] === types.nodeObject && nodeName[i] === objectName;

  // 1. Candidate interfaces: the first properties of every plain object, in order.
  const candidates = new Map<string, { name: string; properties: string[]; count: number }>();
  let total = 0;
  for (let i = 0; i < nodeCount; i++) {
    if (!isPlain(i)) continue;
    total++;
    let name = '{';
    const properties: string[] = [];
    for (let e = firstEdge[i]; e < firstEdge[i + 1]; e++) {
      if (edgeType[e] !== prop) continue;
      const en = strings[edgeNameOrIndex[e]];
      if (en === '__proto__') continue;
      const f = formatPropertyName(en);
      if (name.length > MIN_INTERFACE_PROPERTY_COUNT && name.length + f.length > MAX_INTERFACE_NAME_LENGTH) break;
      if (name.length !== 1) name += ', ';
      name += f;
      properties.push(en);
    }
    if (properties.length === 0) continue;
    name += '}';
    const c = candidates.get(name);
    if (c) c.count++;
    else candidates.set(name, { name, properties, count: 1 });
  }
  const sorted = Array.from(candidates.values()).sort((a, b) => b.count - a.count);
  const minCount = Math.max(MIN_OBJECT_COUNT_PER_INTERFACE, total / MIN_OBJECT_PROPORTION_PER_INTERFACE);
  const defs: { name: string; properties: string[] }[] = [];
  for (const c of sorted) {
    if (c.count < minCount) break;
    defs.push(c);
  }
  if (defs.length === 0) return;

  // 2. Property tree over sorted property names; match each plain object to the best interface.
  const root: TreeNode = { next: new Map(), match: null, greatestNext: null };
  defs.forEach((def, index) => {
    const props = def.properties.slice().sort();
    let cur = root;
    for (const p of props) {
      let nx = cur.next.get(p);
      if (!nx) {
        nx = { next: new Map(), match: null, greatestNext: null };
        cur.next.set(p, nx);
        if (cur.greatestNext === null || cur.greatestNext < p) cur.greatestNext = p;
      }
      cur = nx;
    }
    if (!cur.match) cur.match = { name: def.name, count: props.length, index };
  });
  type M = { name: string; count: number; index: number };
  const initial: M = { name: 'Object', count: 0, index: Infinity };
  const better = (a: M, b: M | null): M => {
    if (!b || a.count > b.count) return a;
    if (b.count > a.count) return b;
    return a.index <= b.index ? a : b;
  };
  const names = new Map<string, number>();
  const props: string[] = [];
  for (let i = 0; i < nodeCount; i++) {
    if (!isPlain(i)) continue;
    props.length = 0;
    for (let e = firstEdge[i]; e < firstEdge[i + 1]; e++) {
      if (edgeType[e] === prop) props.push(strings[edgeNameOrIndex[e]]);
    }
    props.sort();
    const states = new Set<TreeNode>([root]);
    let match = better(initial, root.match);
    for (const p of props) {
      for (const s of Array.from(states)) {
        if (s.greatestNext === null || p >= s.greatestNext) states.delete(s);
        const nx = s.next.get(p);
        if (nx) {
          states.add(nx);
          match = better(match, nx.match);
        }
      }
    }
    if (match === initial) {
      classIndex[i] = nodeName[i];
    } else {
      let idx = names.get(match.name);
      if (idx === undefined) {
        idx = strings.push(match.name) - 1; // DevTools adds interface names without dedup
        names.set(match.name, idx);
      }
      classIndex[i] = idx;
    }
  }
}
