// Access control. A heap snapshot holds the app's secrets, so with a token set every page, API
// call, download, trigger and agent connection must present it: browsers once as `?token=` (turned
// into an HttpOnly SameSite=Strict cookie), scripts and agents as `Authorization: Bearer`.
// Without a token (loopback only) we still refuse foreign Host headers (DNS rebinding) and
// cross-origin writes (CSRF from any page the developer has open).
import { timingSafeEqual, createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';

const COOKIE = 'heapscope_token';

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

function sameSecret(a: string, b: string): boolean {
  // Hash first so lengths match and timing says nothing about the token.
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return undefined;
}

/** The token a request presents, from the Bearer header, the cookie or `?token=`. */
function presentedToken(req: FastifyRequest): string | undefined {
  // RFC 7235: the scheme is case-insensitive ("bearer", "BEARER").
  const bearer = /^bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  if (bearer) return bearer[1]!.trim();
  const fromCookie = cookieValue(req.headers.cookie, COOKIE);
  if (fromCookie) return fromCookie;
  const q = (req.query as Record<string, unknown> | undefined)?.token;
  return typeof q === 'string' ? q : undefined;
}

export function tokenOk(req: FastifyRequest, token: string | undefined): boolean {
  if (!token) return true;
  const given = presentedToken(req);
  return given !== undefined && sameSecret(given, token);
}

function hostName(hostHeader: string | undefined): string {
  if (!hostHeader) return '';
  if (hostHeader.startsWith('[')) return hostHeader.slice(0, hostHeader.indexOf(']') + 1);
  return hostHeader.split(':')[0]!;
}

interface Guard {
  token?: string;
  loopbackOnly: boolean;
}

/** Routes anyone may call: liveness only, nothing about processes or snapshots. */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set(['/api/health']);

/** Refuse with a JSON error; a refused WebSocket upgrade also gets its socket closed, or it lingers. */
function deny(req: FastifyRequest, reply: FastifyReply, status: number, error: string): void {
  if (req.headers.upgrade) {
    reply.header('connection', 'close');
    reply.raw.once('finish', () => req.raw.socket?.destroySoon?.());
  }
  void reply.code(status).send({ error });
}

/** Fastify onRequest hook enforcing the rules above. Returns true when the request may proceed. */
export function checkRequest(guard: Guard, req: FastifyRequest, reply: FastifyReply): boolean {
  const path = req.url.split('?')[0]!;
  if (guard.loopbackOnly && !guard.token && !isLoopbackHost(hostName(req.headers.host))) {
    deny(req, reply, 403, 'forbidden host header');
    return false;
  }
  const origin = req.headers.origin;
  // WebSocket handshakes (the UI's and the agents') are GETs that SOP does not protect, so they get
  // the origin check too: agents send no Origin, a web page always does.
  if (origin && ((req.method !== 'GET' && req.method !== 'HEAD') || path.startsWith('/ws/') || req.headers.upgrade)) {
    let ok = false;
    try {
      ok = new URL(origin).host === req.headers.host;
    } catch {
      ok = false;
    }
    if (!ok) {
      deny(req, reply, 403, 'cross-origin request refused');
      return false;
    }
  }
  if (PUBLIC_PATHS.has(path)) return true;
  if (!tokenOk(req, guard.token)) {
    const missing = presentedToken(req) === undefined;
    if (wantsHtml(req)) {
      void reply.code(401).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(unauthorizedPage(missing));
      return false;
    }
    deny(
      req,
      reply,
      401,
      missing
        ? 'token required (Authorization: Bearer <token>, or open the page with ?token=)'
        : 'wrong token (the dashboard was started with another HEAPSCOPE_TOKEN / --token)',
    );
    return false;
  }
  return true;
}

/** A browser navigating to a page (not a script calling the API, not a WebSocket). */
function wantsHtml(req: FastifyRequest): boolean {
  return !req.headers.upgrade && req.method === 'GET' && /\btext\/html\b/.test(req.headers.accept ?? '');
}

/** The 401 a browser shows: how to pass the token, nothing about the dashboard's contents. */
function unauthorizedPage(missing: boolean): string {
  const why = missing ? 'This heapscope dashboard needs a token.' : 'The token this browser sent is not the dashboard&#39;s token.';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>heapscope: token required</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:40em;margin:4em auto;padding:0 1em;color:#222}code{background:#f2f2f2;padding:.1em .3em}</style>
</head><body>
<h1>401: token required</h1>
<p>${why}</p>
<p>Open this page once with the token in the address: <code>?token=&lt;your token&gt;</code>
(the value given to <code>heapscope dashboard --token</code> or <code>HEAPSCOPE_TOKEN</code>). The dashboard then keeps it
in a cookie for this site and removes it from the address bar.</p>
<p>Scripts send <code>Authorization: Bearer &lt;token&gt;</code>; agents read <code>HEAPSCOPE_TOKEN</code>.</p>
</body></html>
`;
}

export function tokenCookie(token: string, secure = false): string {
  return `${COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/${secure ? '; Secure' : ''}`;
}
