// A long-lived EventEmitter that gains a listener per request (each closure keeps its request's
// session), under a steady self-driven HTTP load: ~30 MB/min, fast enough for the test detector.
'use strict';
const http = require('node:http');
const { EventEmitter } = require('node:events');

const configBus = new EventEmitter();
configBus.setMaxListeners(0);
// the last 500 responses' bodies, kept a few seconds like a response cache: garbage that lives long
// enough to reach the old generation, so V8 runs major GCs every few seconds (as a busy service
// does) and the detector gets its post-GC samples within the test's short window
const recent = new Array(500);
let slot = 0;

const server = http.createServer(function handleRequest(req, res) {
  const session = { url: req.url, history: new Array(600).fill(req.url.length) };
  recent[slot++ % recent.length] = new Array(2500).fill(slot);
  // the leak: subscribed per request, never unsubscribed
  configBus.on('config-changed', function onConfigChanged(cfg) {
    session.config = cfg;
  });
  res.end('ok');
});

server.listen(0, '127.0.0.1', () => {
  const port = server.address().port;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  let seq = 0;
  setInterval(() => {
    // a pooled keep-alive socket that the server timed out during a snapshot's pause answers
    // ECONNRESET: the load must shrug it off, not crash the app
    for (let i = 0; i < 10; i++) http.get({ host: '127.0.0.1', port, path: `/${++seq}`, agent }, (r) => r.resume()).on('error', () => {});
  }, 100);
  console.log(`listener-leak pid ${process.pid} listening on ${port}`);
});
