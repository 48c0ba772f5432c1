// A leak whose size the test knows exactly: GET /add?n=N keeps N more LeakedSession objects in a
// module-level array (and replaces 300 short-lived TempRecords, so objects also die between
// snapshots); GET /inspect opens and closes an inspector session of the app's own, as a library
// or a debugger would (V8 then renumbers every heap object). Prints `port N` when listening.
'use strict';
const http = require('node:http');
const { Session } = require('node:inspector');

class LeakedSession {
  constructor(i) {
    this.i = i;
    this.user = `user-${i}`;
  }
}
class TempRecord {
  constructor(i) {
    this.i = i;
  }
}
const leakedSessions = [];
let recent = [];

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/add') {
    const n = Number(url.searchParams.get('n'));
    for (let i = 0; i < n; i++) leakedSessions.push(new LeakedSession(leakedSessions.length));
    recent = Array.from({ length: 300 }, (_, i) => new TempRecord(i));
    res.end(JSON.stringify({ added: n, total: leakedSessions.length }));
  } else if (url.pathname === '/inspect') {
    const s = new Session();
    s.connect();
    s.post('Runtime.evaluate', { expression: '1 + 1' }, () => {
      s.disconnect();
      res.end('{}');
    });
  } else res.end(JSON.stringify({ total: leakedSessions.length, recent: recent.length }));
});
server.listen(0, '127.0.0.1', () => console.log(`port ${server.address().port}`));
