// A small live service that does nothing but stay up (guards and signal tests need a real agent).
'use strict';
const http = require('node:http');
const keep = [];
for (let i = 0; i < 2000; i++) keep.push({ i, s: `item-${i}` });
// MAP_ENTRIES: Maps of 100K small objects keyed by numbers (large tables that name every third slot).
for (let left = Number(process.env.MAP_ENTRIES || 0); left > 0; left -= 100_000) {
  const m = new Map();
  for (let k = 0; k < Math.min(left, 100_000); k++) m.set(k, { k });
  keep.push(m);
}
http.createServer((req, res) => res.end(String(keep.length))).listen(0, '127.0.0.1', () => {
  if (process.send) process.send({ ready: true });
  console.log(`idle pid ${process.pid} ready`);
});
