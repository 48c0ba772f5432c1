// A small live service that does nothing but stay up (guards and signal tests need a real agent).
'use strict';
const http = require('node:http');
const keep = [];
for (let i = 0; i < 2000; i++) keep.push({ i, s: `item-${i}` });
// MAP_ENTRIES: that many small objects in Maps keyed by numbers.
keep.push(...require('../../fixtures/lib/heap-shapes.cjs').mapsOfObjects(Number(process.env.MAP_ENTRIES || 0)));
http.createServer((req, res) => res.end(String(keep.length))).listen(0, '127.0.0.1', () => {
  if (process.send) process.send({ ready: true });
  console.log(`idle pid ${process.pid} ready`);
});
