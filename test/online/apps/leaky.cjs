// A service whose module-level registry only grows (LEAK_KB per 100 ms, default 40 KB).
'use strict';
const registry = new Map();
const kb = Number(process.env.LEAK_KB || 40);
setInterval(function registerClient() {
  for (let i = 0; i < kb / 4; i++) registry.set(`client-${registry.size}`, { since: Date.now(), buf: new Array(500).fill(registry.size) });
}, 100);
if (process.send) process.send({ ready: true });
console.log(`leaky pid ${process.pid} ready`);
