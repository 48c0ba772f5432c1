// Answering an upload that is refused before its body is all read (over the cap, the disk floor, a
// stall, a broken .gz). Node's server ends such a connection as soon as the answer is written
// (Connection: close, then destroySoon), and closing a socket while the client's data sits unread
// in it makes the kernel send a reset, which can throw our answer away in the client's receive
// buffer before the client reads it: the agent then logs "write EPIPE", not why (seen in CI). So
// the body is detached from the pipeline that failed (destroying it would destroy the socket), the
// rest is read and dropped, and the connection is half-closed after the answer and closed when
// the client closes or LINGER_MS later (a "lingering close", as nginx does). heapscope's agent
// stops sending as soon as it reads a refusal.
import type { IncomingMessage } from 'node:http';
import { PassThrough, finished, type Readable } from 'node:stream';

const LINGER_MS = 2000;

/**
 * A stream of `body`'s bytes that a failing pipeline may destroy without destroying `body` (and so
 * the socket); a client that hangs up still fails it.
 */
export function detachable(body: Readable): Readable {
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  body.pipe(out);
  finished(body, (err) => {
    if (err && !out.destroyed) out.destroy(err);
  });
  return out;
}

/** Before answering a refusal: drop what the client still sends, and linger before hanging up. */
export function lingerThenClose(req: IncomingMessage): void {
  if (req.complete || req.socket.destroyed) return;
  const socket = req.socket;
  req.unpipe();
  req.resume();
  // Called by Node's server once the answer is written (see above): half-close instead.
  socket.destroySoon = function lingeringClose(this: typeof socket): void {
    this.end();
    const timer = setTimeout(() => this.destroy(), LINGER_MS).unref();
    this.once('close', () => clearTimeout(timer));
  };
}
