// A real S3-compatible server for the S3 storage tests: s3rver (a Node implementation of the S3
// REST API over a directory) on a free loopback port, with the buckets the test names.
import { createRequire } from 'node:module';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
  on(event: 'event', fn: (ev: { Records: { eventName: string; s3: { object: { key: string } } }[] }) => void): void;
}
type S3rverClass = new (opts: Record<string, unknown>) => S3rverInstance;

/** s3rver's fixed credentials (it checks the key id; V4 signatures it does not verify). */
export const S3_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };

export interface S3Server {
  endpoint: string;
  /** Where s3rver keeps the objects. */
  dir: string;
  /** Objects created so far, as `<event>:<key>`: ObjectCreated:Put for PutObject, ObjectCreated:Post for a completed multipart upload. */
  created: string[];
  stop(): Promise<void>;
}

export async function startS3(buckets: string[]): Promise<S3Server> {
  const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;
  const dir = await mkdtemp(join(tmpdir(), 'heapscope-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: buckets.map((name) => ({ name, configs: [] })) });
  const created: string[] = [];
  server.on('event', (ev) => {
    for (const r of ev.Records) if (r.eventName.startsWith('ObjectCreated:')) created.push(`${r.eventName}:${r.s3.object.key}`);
  });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    dir,
    created,
    stop: async () => {
      await server.close().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
