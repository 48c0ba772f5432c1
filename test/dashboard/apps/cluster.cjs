// A cluster primary with 2 workers; the agent is preloaded in all of them (NODE_OPTIONS-free:
// cluster.fork reuses the primary's execArgv, which carries --require).
'use strict';
const cluster = require('node:cluster');
const http = require('node:http');

if (cluster.isPrimary) {
  for (let i = 0; i < 2; i++) cluster.fork();
} else {
  http.createServer((req, res) => res.end('ok')).listen(0, '127.0.0.1');
}
