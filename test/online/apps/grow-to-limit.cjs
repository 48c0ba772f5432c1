// Grows toward its heap limit and dies of it: ~2 MB of retained strings every 100 ms (few objects,
// so the snapshot taken on the way is quick), until V8's out-of-memory.
'use strict';
const keep = [];
let n = 0;
setInterval(() => {
  for (let i = 0; i < 32; i++) {
    // a fresh flat string each time (padEnd or concatenation would share one filler)
    const b = Buffer.alloc(64 * 1024, 'x');
    b.write(`${n++}:`);
    keep.push(b.toString('latin1'));
  }
}, 100);
console.log(`grow-to-limit pid ${process.pid} ready`);
