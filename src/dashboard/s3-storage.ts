// BlobStorage on an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, R2, ...), through the AWS SDK.
// The SDK is an optional peer dependency loaded only when S3 is configured: the agent ships in the
// same package, and an app that preloads it must not pull the SDK in.
//   put      a multipart upload of the stream (lib-storage's Upload: a few parts in memory, never
//            the whole blob); S3 shows the object only once the upload is complete
//   get      GetObject's body;  stat = HeadObject;  list = ListObjectsV2 with a '/' delimiter
//   localFile  a download to the data directory's scratch/ (0600 files in a 0700 directory: the
//            snapshots can be GBs, too big for a tmpfs /tmp); release removes it
// Credentials come from the SDK's usual chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a
// profile, an instance or task role), never from the command line.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { checkKey, type BlobInfo, type BlobStorage } from './storage.js';

type ClientModule = typeof import('@aws-sdk/client-s3');
type StorageModule = typeof import('@aws-sdk/lib-storage');

export interface S3StorageOptions {
  /** s3://BUCKET[/PREFIX]: blobs go under PREFIX/ in BUCKET. */
  url: string;
  /** An S3-compatible server's endpoint (http(s)://host:port); default: AWS S3 for the region. */
  endpoint?: string;
  /** Default: the SDK's (AWS_REGION, the profile), else us-east-1. */
  region?: string;
  /** Bucket in the path (http://host/BUCKET/key), as most S3-compatible servers need; default: true with an endpoint. */
  forcePathStyle?: boolean;
  /** Local directory for downloads and scratch files (the dashboard's --data). */
  localDir: string;
  /** Multipart part size, bytes (default 8 MiB; S3's minimum is 5 MiB). */
  partSize?: number;
}

/** HEAPSCOPE_S3 (the URL), HEAPSCOPE_S3_ENDPOINT, HEAPSCOPE_S3_REGION, HEAPSCOPE_S3_FORCE_PATH_STYLE. */
export function s3FromEnv(env: NodeJS.ProcessEnv = process.env): Omit<S3StorageOptions, 'localDir' | 'url'> & { url?: string } {
  const style = env.HEAPSCOPE_S3_FORCE_PATH_STYLE;
  if (style && !/^(1|0|true|false)$/i.test(style)) throw new Error(`HEAPSCOPE_S3_FORCE_PATH_STYLE must be true or false, got ${JSON.stringify(style)}`);
  return {
    url: env.HEAPSCOPE_S3 || undefined,
    endpoint: env.HEAPSCOPE_S3_ENDPOINT || undefined,
    region: env.HEAPSCOPE_S3_REGION || undefined,
    forcePathStyle: style ? /^(1|true)$/i.test(style) : undefined,
  };
}

/** s3://BUCKET[/PREFIX] -> bucket and a prefix ending in '/' (or ''). */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/?#]+)(?:\/([^?#]*))?$/.exec(url);
  // bucket names: 3-63 of lowercase letters, digits, dots and hyphens
  if (!m || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(m[1]!)) {
    // never echo what may hold credentials (s3://KEY:SECRET@...): they belong in the environment
    const shown = url.includes('@') ? '' : ` ${JSON.stringify(url)}`;
    throw new Error(`invalid S3 location${shown}: expected s3://BUCKET[/PREFIX] (credentials go in the environment, e.g. AWS_ACCESS_KEY_ID)`);
  }
  const prefix = (m[2] ?? '').replace(/^\/+|\/+$/g, '');
  if (prefix) checkKey(prefix);
  return { bucket: m[1]!, prefix: prefix ? `${prefix}/` : '' };
}

async function loadSdk(): Promise<{ s3: ClientModule; storage: StorageModule }> {
  try {
    const [s3, storage] = await Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/lib-storage')]);
    return { s3, storage };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw err;
    throw new Error('S3 storage needs the AWS SDK, an optional dependency of heapscope: npm install @aws-sdk/client-s3 @aws-sdk/lib-storage');
  }
}

/** The SDK's "no such key" (GetObject: NoSuchKey; HeadObject has no body, so NotFound / 404). */
function isMissing(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

function enoent(key: string, location: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`no blob ${key} in ${location}`), { code: 'ENOENT' });
}

const MiB = 1024 * 1024;
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

export class S3Storage implements BlobStorage {
  readonly location: string;
  private readonly scratchDir: string;

  private constructor(
    private readonly sdk: { s3: ClientModule; storage: StorageModule },
    readonly client: S3Client,
    readonly bucket: string,
    readonly prefix: string,
    localDir: string,
    private readonly partSize: number,
  ) {
    this.location = `s3://${bucket}/${prefix}`;
    this.scratchDir = join(localDir, 'scratch');
  }

  /** Loads the SDK, and checks that the bucket answers (a clear error at start, not at the first upload). */
  static async open(opts: S3StorageOptions): Promise<S3Storage> {
    const { bucket, prefix } = parseS3Url(opts.url);
    if (opts.endpoint) {
      try {
        new URL(opts.endpoint);
      } catch {
        throw new Error(`invalid S3 endpoint ${JSON.stringify(opts.endpoint)}: expected http(s)://HOST[:PORT]`);
      }
    }
    const sdk = await loadSdk();
    const region = opts.region ?? (process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || undefined);
    const client = new sdk.s3.S3Client({
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      // The profile may name one; an S3-compatible server rarely cares which.
      ...(region ? { region } : opts.endpoint ? { region: 'us-east-1' } : {}),
      forcePathStyle: opts.forcePathStyle ?? !!opts.endpoint,
      // Checksums only where S3 requires them: many S3-compatible servers reject the SDK's default
      // aws-chunked uploads with trailing CRCs. TLS and Content-MD5/ETag still guard the bytes.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    const storage = new S3Storage(sdk, client, bucket, prefix, opts.localDir, opts.partSize ?? 8 * MiB);
    try {
      await client.send(new sdk.s3.HeadBucketCommand({ Bucket: bucket }));
    } catch (err) {
      client.destroy();
      const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
      const status = e.$metadata?.httpStatusCode;
      const why = status === 404 ? 'no such bucket' : status === 403 ? 'access denied (check the credentials: AWS_ACCESS_KEY_ID, AWS_PROFILE, ...)' : e.message || e.name;
      throw new Error(`cannot use S3 storage ${storage.location}${opts.endpoint ? ` at ${opts.endpoint}` : ''}: ${why}`);
    }
    return storage;
  }

  private k(key: string): string {
    checkKey(key);
    return this.prefix + key;
  }

  async put(key: string, body: Readable): Promise<number> {
    const Key = this.k(key);
    let bytes = 0;
    const counted = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        bytes += chunk.length;
        cb(null, chunk);
      },
    });
    // A failing source fails the upload (which then aborts its parts), never completes it short.
    let failed: Error | undefined;
    body.once('error', (err) => counted.destroy((failed = err)));
    body.pipe(counted);
    const upload = new this.sdk.storage.Upload({ client: this.client, params: { Bucket: this.bucket, Key, Body: counted }, partSize: this.partSize, queueSize: 4 });
    try {
      await upload.done();
    } catch (err) {
      body.destroy();
      // the source's reason (a dropped connection, a limit), not how aborting the parts went
      throw failed ?? err;
    }
    return bytes;
  }

  async putFile(key: string, file: string): Promise<void> {
    await this.put(key, createReadStream(file));
    await rm(file, { force: true });
  }

  async get(key: string): Promise<Readable> {
    try {
      const out = await this.client.send(new this.sdk.s3.GetObjectCommand({ Bucket: this.bucket, Key: this.k(key) }));
      return out.Body as Readable;
    } catch (err) {
      if (isMissing(err)) throw enoent(key, this.location);
      throw err;
    }
  }

  async stat(key: string): Promise<BlobInfo | undefined> {
    try {
      const out = await this.client.send(new this.sdk.s3.HeadObjectCommand({ Bucket: this.bucket, Key: this.k(key) }));
      return { key, size: out.ContentLength ?? 0, mtime: out.LastModified?.getTime() ?? 0 };
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async list(prefix: string): Promise<BlobInfo[]> {
    const dir = prefix.endsWith('/') ? prefix : `${prefix}/`;
    const Prefix = this.k(dir.slice(0, -1)) + '/';
    const out: BlobInfo[] = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await this.client.send(new this.sdk.s3.ListObjectsV2Command({ Bucket: this.bucket, Prefix, Delimiter: '/', ContinuationToken }));
      for (const o of page.Contents ?? []) {
        if (!o.Key || o.Key === Prefix) continue;
        out.push({ key: o.Key.slice(this.prefix.length), size: o.Size ?? 0, mtime: o.LastModified?.getTime() ?? 0 });
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    return out;
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new this.sdk.s3.DeleteObjectCommand({ Bucket: this.bucket, Key: this.k(key) }));
  }

  async localFile(key: string): Promise<{ path: string; release: () => Promise<void> }> {
    const body = await this.get(key);
    // keeps the name's extension: readers tell a .gz by it
    const path = await this.scratchFile(basename(key));
    try {
      await pipeline(body, createWriteStream(path, { flags: 'wx', mode: FILE_MODE }));
    } catch (err) {
      await rm(path, { force: true });
      throw err;
    }
    return { path, release: () => rm(path, { force: true }) };
  }

  async scratchFile(name: string): Promise<string> {
    if (name.includes('/') || name.includes('\\') || name.includes('\0') || name.startsWith('.')) throw new Error(`invalid scratch name ${name}`);
    await mkdir(this.scratchDir, { recursive: true, mode: DIR_MODE });
    return join(this.scratchDir, `${randomBytes(4).toString('hex')}-${name}`);
  }

  /** A bucket has no free-space figure: the disk floor applies to directories only. */
  async freeBytes(): Promise<number | undefined> {
    return undefined;
  }

  close(): void {
    this.client.destroy();
  }
}
