// Streams an artifact to the dashboard as `POST /api/uploads/<command id>`. The file is piped into
// the request, so TCP back-pressure paces the read and the app never holds a second copy.
import { createReadStream } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { uploadPath, type ArtifactKind } from '../protocol/index.js';

export interface UploadTarget {
  httpBase: string;
  token?: string;
  agentId: string;
  /** Trusted CAs for an https dashboard (see options.ts). */
  ca?: string[];
}

interface UploadRequest {
  commandId: string;
  kind: ArtifactKind;
  /** A file path (streamed) or an in-memory body (profiles, already JSON). */
  source: { file: string } | { buffer: Buffer };
  size: number;
  onProgress?: (bytes: number, total: number) => void;
}

export async function upload(target: UploadTarget, req: UploadRequest): Promise<void> {
  const url = new URL(uploadPath(req.commandId), target.httpBase);
  const headers: Record<string, string> = {
    'content-type': req.kind === 'heapsnapshot' ? 'application/octet-stream' : 'application/json',
    'content-length': String(req.size),
    'x-heapscope-kind': req.kind,
    'x-heapscope-agent': target.agentId,
  };
  if (target.token) headers.authorization = `Bearer ${target.token}`;
  const mod = url.protocol === 'https:' ? https : http;
  const request = mod.request(url, { method: 'POST', headers, agent: false, ...(target.ca ? { ca: target.ca } : {}) });
  request.setTimeout(120_000, () => request.destroy(new Error('upload timed out (no progress for 120 s)')));

  const response = new Promise<void>((resolve, reject) => {
    let refused = false;
    // a refusal answered before the body is done (413, 507) wins over the EPIPE of the hang-up after it
    request.once('error', (err) => {
      if (!refused) reject(err);
    });
    request.once('response', (res) => {
      const status = res.statusCode ?? 0;
      refused = status < 200 || status >= 300;
      const chunks: Buffer[] = [];
      let length = 0;
      res.on('data', (c: Buffer) => {
        if (length < 4096) chunks.push(c);
        length += c.length;
      });
      const done = (): void => {
        if (!refused) return resolve();
        reject(new Error(`dashboard refused the upload: HTTP ${status} ${Buffer.concat(chunks).toString('utf8').slice(0, 300)}`));
        request.destroy(); // stop sending what the dashboard will only throw away
      };
      res.once('error', (err) => (refused ? done() : reject(err)));
      res.once('end', done);
      res.once('close', done); // the server may hang up before the refusal's body is read
    });
  });
  // A rejection before we await it below must not become an unhandled rejection in the host.
  response.catch(() => {});

  let sent = 0;
  let lastReport = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      sent += chunk.length;
      const now = Date.now();
      if (req.onProgress && (now - lastReport > 250 || sent === req.size)) {
        lastReport = now;
        req.onProgress(sent, req.size);
      }
      cb(null, chunk);
    },
  });
  const source = 'file' in req.source ? createReadStream(req.source.file, { highWaterMark: 1 << 20 }) : [req.source.buffer];
  try {
    await pipeline(source, counter, request);
  } catch (err) {
    // A refusal cuts the request short; the dashboard's answer says why better than EPIPE does.
    // And a 2xx answer means the dashboard counted every byte (it refuses a short body): under load
    // its answer and hang-up can beat the request's 'finish', which pipeline reports as
    // "Premature close" for an upload that arrived whole.
    const answer = await Promise.race([response.then(() => 'delivered' as const, (e: unknown) => e), new Promise((r) => setTimeout(r, 2000).unref())]);
    if (answer === 'delivered') return;
    throw answer instanceof Error && /^dashboard refused/.test(answer.message) ? answer : err;
  }
  await response;
}
