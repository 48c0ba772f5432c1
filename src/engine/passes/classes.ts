// Class names for DevTools' Summary: constructor names for objects, "(system)", "(compiled code)",
// "Function", "(string)", ... for the rest, and "{a, b, c}" interface names for plain objects whose
// property sets are common (DevTools' inferInterfaceDefinitions / applyInterfaceDefinitions).
// New names are appended to the string table, once each.
import type { HeapGraph } from '../graph.js';
import { ShapeTable } from './shapes.js';

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
  const byName = new Int32Array(strings.length).fill(-1); // class per node-name string, computed once
  for (let i = 0; i < nodeCount; i++) {
    const t = nodeType[i];
    let c: number;
    if (t === types.nodeHidden) c = hidden;
    else if (t === types.nodeObject || t === types.nodeNative) {
      const n = nodeName[i];
      c = byName[n];
      if (c === -1) c = byName[n] = objectClass(strings[n], n, indexFor);
    } else if (t === types.nodeCode) c = code;
    else if (t === types.nodeClosure) c = fn;
    else if (t === types.nodeRegExp) c = re;
    else {
      if (byType[t] === -1) byType[t] = indexFor('(' + g.nodeTypeNames[t] + ')');
      c = byType[t];
    }
    classIndex[i] = c;
  }
  applyInterfaces(g, classIndex);
  return classIndex;
}

/** "<div id=x>" groups as "<div>" (and "Detached <div ...>" as "Detached <div>"), as DevTools. */
function objectClass(name: string, index: number, indexFor: (s: string) => number): number {
  if (name.charCodeAt(0) === 60 /* < */) {
    const sp = name.indexOf(' ');
    return indexFor(sp !== -1 ? name.substring(0, sp) + '>' : name);
  }
  if (name.startsWith('Detached <')) {
    const sp = name.indexOf(' ', 10);
    return indexFor(sp !== -1 ? name.substring(0, sp) + '>' : name);
  }
  return index;
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

function applyInterfaces(g: HeapGraph, classIndex: Uint32Array): void {
  const { nodeCount, nodeType, nodeName, strings, types } = g;
  const objectName = strings.indexOf('Object');
  if (objectName < 0) return;
  const objectType = types.nodeObject;

  // 1. Candidate interfaces: the first properties of every plain object, in order. Objects are
  // grouped by shape; a candidate's first appearance (its rank among equal counts) is the first
  // object's, as in DevTools.
  const shapes = new ShapeTable(g);
  let total = 0;
  for (let i = 0; i < nodeCount; i++) if (nodeType[i] === objectType && nodeName[i] === objectName) total++;
  const shapeOfPlain = new Uint32Array(total);
  type Candidate = { name: string; properties: string[]; count: number };
  const candidates = new Map<string, Candidate>();
  const candidateOf: (Candidate | null)[] = [];
  for (let i = 0, k = 0; i < nodeCount; i++) {
    if (nodeType[i] !== objectType || nodeName[i] !== objectName) continue;
    const s = shapes.shapeOf(i);
    shapeOfPlain[k++] = s;
    if (s === candidateOf.length) candidateOf.push(candidateFor(shapes.names(s), strings, candidates));
    const c = candidateOf[s];
    if (c) c.count++;
  }
  const sorted = Array.from(candidates.values()).sort((a, b) => b.count - a.count);
  const minCount = Math.max(MIN_OBJECT_COUNT_PER_INTERFACE, total / MIN_OBJECT_PROPORTION_PER_INTERFACE);
  const defs: { name: string; properties: string[] }[] = [];
  for (const c of sorted) {
    if (c.count < minCount) break;
    defs.push(c);
  }
  if (defs.length === 0) return;

  // 2. Property tree over sorted property names; match each shape to the best interface.
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
  const names = new Map<string, number>();
  const classOfShape = new Int32Array(shapes.size).fill(-1);
  for (let i = 0, k = 0; i < nodeCount; i++) {
    if (nodeType[i] !== objectType || nodeName[i] !== objectName) continue;
    const s = shapeOfPlain[k++];
    let c = classOfShape[s];
    if (c === -1) {
      const match = bestInterface(root, shapes.names(s), strings);
      if (match === null) {
        c = objectName;
      } else {
        let idx = names.get(match.name);
        if (idx === undefined) {
          idx = strings.push(match.name) - 1; // DevTools adds interface names without dedup
          names.set(match.name, idx);
        }
        c = idx;
      }
      classOfShape[s] = c;
    }
    classIndex[i] = c;
  }
}

/** DevTools' candidate interface of one shape: its first properties (no __proto__), name capped. */
function candidateFor(
  props: Uint32Array, strings: string[], candidates: Map<string, { name: string; properties: string[]; count: number }>,
): { name: string; properties: string[]; count: number } | null {
  let name = '{';
  const properties: string[] = [];
  for (let k = 0; k < props.length; k++) {
    const en = strings[props[k]];
    if (en === '__proto__') continue;
    const f = formatPropertyName(en);
    if (name.length > MIN_INTERFACE_PROPERTY_COUNT && name.length + f.length > MAX_INTERFACE_NAME_LENGTH) break;
    if (name.length !== 1) name += ', ';
    name += f;
    properties.push(en);
  }
  if (properties.length === 0) return null;
  name += '}';
  let c = candidates.get(name);
  if (!c) {
    c = { name, properties, count: 0 };
    candidates.set(name, c);
  }
  return c;
}

type Match = { name: string; count: number; index: number };

/** The interface with most properties (earliest on ties) whose properties the shape all has. */
function bestInterface(root: TreeNode, names: Uint32Array, strings: string[]): Match | null {
  const props: string[] = [];
  for (let k = 0; k < names.length; k++) props.push(strings[names[k]]);
  props.sort();
  const better = (a: Match | null, b: Match | null): Match | null => {
    if (!a) return b;
    if (!b || a.count > b.count) return a;
    if (b.count > a.count) return b;
    return a.index <= b.index ? a : b;
  };
  const states = new Set<TreeNode>([root]);
  let match = root.match;
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
  return match;
}
