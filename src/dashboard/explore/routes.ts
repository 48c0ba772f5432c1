// HTTP routes for drill-down and for snapshots opened from the browser. They sit behind the same
// onRequest auth hook as every other API route (a snapshot holds secrets): with a token, nothing
// here answers without it.
//   GET  /api/reports/:id/explore/instances?class=NAME&offset&limit[&snapshot=i]
//   GET  /api/reports/:id/explore/nodes/:node            (`@123` or `123`: search by id)
//   GET  /api/reports/:id/explore/nodes/:node/retainers?offset&limit
//   GET  /api/reports/:id/explore/nodes/:node/edges?offset&limit
//   GET  /api/reports/:id/explore/roots?offset&limit     (Containment's first level)
//   GET  /api/explore/status                             (loaded analyses and the budget)
//   POST /api/snapshots                                  (raw .heapsnapshot[.gz] body; X-Heapscope-Filename)
import type { FastifyInstance } from 'fastify';
import type { Readable } from 'node:stream';
import { HubError, type Hub } from '../hub/index.js';
import { lingerThenClose } from '../linger.js';
import type { Explorer } from './explorer.js';
import type { ExploreOp } from './messages.js';
import { receiveBrowserUpload } from './upload.js';

interface PageQuery {
  offset?: string;
  limit?: string;
  snapshot?: string;
}

const int = (v: string | undefined, name: string): number | undefined => {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new HubError(400, `${name} must be a non-negative integer`);
  return n;
};

const paging = (q: PageQuery): { offset?: number; limit?: number } => ({ offset: int(q.offset, 'offset'), limit: int(q.limit, 'limit') });

const nodeParam = (s: string): string => {
  if (!/^@?\d{1,10}$/.test(s)) throw new HubError(400, 'object id must be a number, as in @12345');
  return s;
};

/** Where browsers upload snapshots (streamed: exempt from the whole-request deadline, like agents' uploads). */
export const BROWSER_UPLOAD_PATH = '/api/snapshots';

export function registerExploreRoutes(app: FastifyInstance, hub: Hub, explorer: Explorer): void {
  const ask = (id: string, q: PageQuery, op: ExploreOp): Promise<unknown> => explorer.query(id, op, int(q.snapshot, 'snapshot'));
  type R<Q = PageQuery, P = Record<string, never>> = { Params: { id: string } & P; Querystring: Q };

  app.get<R<PageQuery & { class?: string }>>('/api/reports/:id/explore/instances', async (req) => {
    const name = req.query.class;
    if (typeof name !== 'string' || !name) throw new HubError(400, 'class is required: ?class=NAME');
    return ask(req.params.id, req.query, { op: 'instances', className: name, ...paging(req.query) });
  });
  app.get<R<PageQuery, { node: string }>>('/api/reports/:id/explore/nodes/:node', async (req) => ask(req.params.id, req.query, { op: 'node', id: nodeParam(req.params.node) }));
  app.get<R<PageQuery, { node: string }>>('/api/reports/:id/explore/nodes/:node/retainers', async (req) =>
    ask(req.params.id, req.query, { op: 'retainers', id: nodeParam(req.params.node), ...paging(req.query) }),
  );
  app.get<R<PageQuery, { node: string }>>('/api/reports/:id/explore/nodes/:node/edges', async (req) =>
    ask(req.params.id, req.query, { op: 'edges', id: nodeParam(req.params.node), ...paging(req.query) }),
  );
  app.get<R>('/api/reports/:id/explore/roots', async (req) => ask(req.params.id, req.query, { op: 'roots', ...paging(req.query) }));
  app.get('/api/explore/status', async () => explorer.status());

  // raw streamed body, as the agents' uploads (no JSON parsing, no body limit: meter() bounds it)
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
    scope.post(BROWSER_UPLOAD_PATH, async (req, reply) => {
      const len = req.headers['content-length'];
      const length = len === undefined ? undefined : Number(len);
      const name = req.headers['x-heapscope-filename'];
      const body = (req.body as Readable | undefined) ?? req.raw;
      req.raw.socket.setTimeout(Math.max(hub.limits.idleTimeoutMs, hub.limits.uploadIdleMs + 5000));
      try {
        const { artifact, job } = await receiveBrowserUpload(hub, body, Number.isFinite(length) ? length : undefined, typeof name === 'string' ? name : undefined);
        return await reply.code(201).send({ ok: true, artifactId: artifact.id, size: artifact.size, jobId: job.id, job });
      } catch (err) {
        lingerThenClose(req.raw);
        throw err;
      }
    });
  });
}
