// Class names for DevTools' Summary: constructor names for objects, "(system)", "(compiled code)",
// "Function", "(string)", ... for the rest, and "{a, b, c}" interface names for plain objects whose
// property sets are common (DevTools' inferInterfaceDefinitions / applyInterfaceDefinitions).
// New names are appended to the string table, once each.
import type { HeapGraph } from '../graph.js';
import { ShapeTable } from './shapes.js';
import type { Strings, StringTable } from '../strings.js';

const MIN_INTERFACE_PROPERTY_COUNT = 1;
const MAX_INTERFACE_NAME_LENGTH = 120;
const MIN_OBJECT_COUNT_PER_INTERFACE = 2;
const MIN_OBJECT_PROPORTION_PER_INTERFACE = 1000;

/** What the pass reads (typed arrays and the string table: a worker can run it on its copies). */
export type ClassGraph = Pick<HeapGraph, 'nodeCount' | 'nodeType' | 'nodeName' | 'nodeTypeNames' | 'firstEdge' | 'edgeType' | 'edgeNameOrIndex' | 'types'> & {
  strings: StringTable;
};

/** `out`: optional memory for the result (nodeCount words, overwritten whole). */
export function computeClassIndex(g: ClassGraph, out?: Uint32Array): Uint32Array {
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
  // 'Object' can't be among the names added below, so this is the index the interfaces replace
  const objectName = strings.indexOf('Object');
  // Class per node type: a string index, BY_NAME for objects and natives, or UNSEEN until the
  // first node of the type adds '(type)' (in node order: the string table grows as before).
  const UNSEEN = -1;
  const BY_NAME = -2;
  const byType = new Int32Array(256).fill(UNSEEN);
  const fixed = [
    [types.nodeHidden, indexFor('(system)')],
    [types.nodeCode, indexFor('(compiled code)')],
    [types.nodeClosure, indexFor('Function')],
    [types.nodeRegExp, indexFor('RegExp')],
    [types.nodeObject, BY_NAME],
    [types.nodeNative, BY_NAME],
  ];
  for (const [t, c] of fixed) if (t >= 0) byType[t] = c;
  const classIndex = out && out.length === nodeCount ? out : new Uint32Array(nodeCount);
  const byName = new Int32Array(strings.length).fill(-1); // class per node-name string, computed once
  const object = types.nodeObject;
  let plain = 0; // plain objects (type object, named Object), for the interface pass
  for (let i = 0; i < nodeCount; i++) {
    const t = nodeType[i];
    let c = byType[t];
    if (c === BY_NAME) {
      const n = nodeName[i];
      c = byName[n];
      if (c === -1) c = byName[n] = objectClass(strings.get(n), n, indexFor);
      if (n === objectName && t === object) plain++;
    } else if (c === UNSEEN) c = byType[t] = indexFor('(' + g.nodeTypeNames[t] + ')');
    classIndex[i] = c;
  }
  if (plain > 0) applyInterfaces(g, classIndex, objectName, plain);
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

/**
 * `plain`: how many plain objects (type object, named `objectName`) there are. They are found by
 * scanning the nodes again rather than listed: a list, and a shape per object, would take memory
 * at the analysis's peak (this runs on the worker during the dominator pass). Meanwhile a plain
 * object's classIndex holds its shape id.
 */
function applyInterfaces(g: ClassGraph, classIndex: Uint32Array, objectName: number, plain: number): void {
  const { strings, nodeCount, nodeType, nodeName } = g;
  const object = g.types.nodeObject;

  // 1. Candidate interfaces: the first properties of every plain object, in order. Objects are
  // grouped by shape; a candidate's first appearance (its rank among equal counts) is the first
  // object's, as in DevTools. Objects are counted per shape, candidates per shape afterwards.
  const shapes = new ShapeTable(g);
  let perShape = new Float64Array(256);
  for (let i = 0; i < nodeCount; i++) {
    if (nodeName[i] !== objectName || nodeType[i] !== object) continue;
    const s = shapes.shapeOf(i);
    classIndex[i] = s;
    if (s === perShape.length) {
      const more = new Float64Array(s * 2);
      more.set(perShape);
      perShape = more;
    }
    perShape[s]++;
  }
  type Candidate = { name: string; properties: string[]; count: number };
  const candidates = new Map<string, Candidate>();
  for (let s = 0; s < shapes.size; s++) {
    const c = candidateFor(shapes.names(s), strings, candidates);
    if (c) c.count += perShape[s];
  }
  const sorted = Array.from(candidates.values()).sort((a, b) => b.count - a.count);
  const minCount = Math.max(MIN_OBJECT_COUNT_PER_INTERFACE, plain / MIN_OBJECT_PROPORTION_PER_INTERFACE);
  const defs: { name: string; properties: string[] }[] = [];
  for (const c of sorted) {
    if (c.count < minCount) break;
    defs.push(c);
  }

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
  // in node order, as DevTools adds interface names to the string table
  const names = new Map<string, number>();
  const classOfShape = new Int32Array(shapes.size).fill(-1);
  for (let i = 0; i < nodeCount; i++) {
    if (nodeName[i] !== objectName || nodeType[i] !== object) continue;
    const s = classIndex[i];
    let c = classOfShape[s];
    if (c === -1) {
      const match = defs.length > 0 ? bestInterface(root, shapes.names(s), strings) : null;
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
  props: Uint32Array, strings: Strings, candidates: Map<string, { name: string; properties: string[]; count: number }>,
): { name: string; properties: string[]; count: number } | null {
  let name = '{';
  const properties: string[] = [];
  for (let k = 0; k < props.length; k++) {
    const en = strings.get(props[k]);
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
function bestInterface(root: TreeNode, names: Uint32Array, strings: Strings): Match | null {
  const props: string[] = [];
  for (let k = 0; k < names.length; k++) props.push(strings.get(names[k]));
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
