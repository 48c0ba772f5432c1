// A cluster primary with WORKERS workers (default 3), every worker leaking the same way: a
// module-level list of sessions that only grows. The agent is preloaded in all of them.
'use strict';
const cluster = require('node:cluster');

if (cluster.isPrimary) {
  const n = Number(process.env.WORKERS || 3);
  for (let i = 0; i < n; i++) cluster.fork();
} else {
  const openSessions = [];
  setInterval(function trackSession() {
    for (let i = 0; i < 20; i++) openSessions.push({ id: openSessions.length, user: `user-${i}`, history: new Array(200).fill(i) });
  }, 50);
}
