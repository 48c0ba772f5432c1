// Preload for the browser test: 12,000 distinct constructors with a live instance each, so the
// report's Summary table has more than 10,000 rows.
'use strict';
const keep = [];
for (let i = 0; i < 12000; i++) {
  const C = new Function(`return class Synthetic${i} { constructor() { this.v = ${i}; } }`)();
  keep.push(new C());
}
globalThis.__manyClasses = keep;
