// heapscope demo app (what `heapscope demo` runs): the seed's closure leak in a tiny HTTP service.
// `unused` and `someMethod` share one closure context, which keeps `leak` (the previous theThing)
// alive, so every request to /leak chains another `longStr` array that is never freed.
'use strict';
// The one line that embeds the agent:
require('heapscope')('heapscope-demo');

const http = require('node:http');

let theThing = null;
let replaceThing = function () {
  let leak = theThing;
  let unused = function () {
    if (leak) console.log('hi');
  };

  // keeps replacing theThing's reference
  theThing = {
    longStr: new Array(100000).fill(0),
    someMethod: function () {
      console.log('a');
    },
  };
};

// Something for the CPU profile to find.
function fibonacci(n) {
  return n < 2 ? n : fibonacci(n - 1) + fibonacci(n - 2);
}

const server = http.createServer(function closureLeak(req, res) {
  if (req.url === '/leak') replaceThing();
  else if (req.url === '/work') fibonacci(24);
  res.end('Hello Node\n');
});

// Stop leaking past this many requests so a forgotten demo cannot exhaust the machine.
const maxLeaks = Number(process.env.HEAPSCOPE_DEMO_MAX_LEAKS || 400);
const everyMs = Number(process.env.HEAPSCOPE_DEMO_EVERY_MS || 250);
let leaks = 0;

server.listen(Number(process.env.HEAPSCOPE_DEMO_PORT || 0), '127.0.0.1', () => {
  const { port } = server.address();
  const hit = (path) => http.get({ host: '127.0.0.1', port, path }, (res) => res.resume()).on('error', () => {});
  setInterval(() => {
    if (leaks < maxLeaks) {
      leaks++;
      hit('/leak');
    }
    hit('/work');
  }, everyMs);
  if (process.send) process.send({ demo: 'ready', port });
});
