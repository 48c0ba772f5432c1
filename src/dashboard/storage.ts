// Where snapshots, reports and their metadata live. One interface so that more than one dashboard
// can share them: a directory (DirStorage: the default `--data`, local or a shared mount) or an
// S3-compatible bucket (S3Storage, s3-storage.ts: put = multipart upload of a stream, get =
// GetObject's body, list = ListObjectsV2, localFile = download to a scratch file for the analysis
// worker, which reads files). Keys are relative, '/'-separated: `artifacts/<file>`,
// `reports/<file>`, `processes/<id>.json`, `findings.json`.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, statfs } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';

export interface BlobInfo {
  key: string;
  size: number;
  /** Last modification, epoch ms. */
  mtime: number;
}

export interface BlobStorage {
  /** For messages: the directory or bucket. */
  readonly location: string;
  /** Streams `body` in; the blob becomes visible under `key` only once complete. Returns bytes stored. */
  put(key: string, body: Readable): Promise<number>;
  /** Moves a finished local file (a report the worker wrote) in under `key`. */
  putFile(key: string, file: string): Promise<void>;
  /** A stream of the blob; rejects with code ENOENT when it does not exist. */
  get(key: string): Promise<Readable>;
  stat(key: string): Promise<BlobInfo | undefined>;
  /** Keys under a prefix ('artifacts/'), not recursive. */
  list(prefix: string): Promise<BlobInfo[]>;
  delete(key: string): Promise<void>;
  /** A local file with the blob's bytes for readers that need a path; `release` when done. */
  localFile(key: string): Promise<{ path: string; release: () => Promise<void> }>;
  /** A local path to write a new blob's bytes to before putFile (same file system when possible). */
  scratchFile(name: string): Promise<string>;
  /** Bytes free for new blobs when the storage can tell (a directory's file system). */
  freeBytes(): Promise<number | undefined>;
}

const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

export function checkKey(key: string): void {
  // Keys come from ids the dashboard made, but never let one climb out of the root.
  if (!key || key.startsWith('/') || key.split('/').some((p) => p === '..' || p === '' || p === '.') || key.includes('\\') || key.includes('\0')) {
    throw new Error(`invalid storage key ${JSON.stringify(key)}`);
  }
}

/** Blobs as files under one directory; writes go to `<file>.<random>.partial` and are renamed. */
export class DirStorage implements BlobStorage {
  constructor(readonly root: string) {}

  get location(): string {
    return this.root;
  }

  path(key: string): string {
    checkKey(key);
    return join(this.root, ...key.split('/'));
  }

  private async partialFor(key: string): Promise<string> {
    const file = this.path(key);
    await mkdir(dirname(file), { recursive: true, mode: DIR_MODE });
    return `${file}.${randomBytes(4).toString('hex')}.partial`;
  }

  async put(key: string, body: Readable): Promise<number> {
    const partial = await this.partialFor(key);
    try {
      await pipeline(body, createWriteStream(partial, { flags: 'wx', mode: FILE_MODE }));
      const { size } = await stat(partial);
      await rename(partial, this.path(key));
      return size;
    } catch (err) {
      await rm(partial, { force: true });
      throw err;
    }
  }

  async putFile(key: string, file: string): Promise<void> {
    await mkdir(dirname(this.path(key)), { recursive: true, mode: DIR_MODE });
    await rename(file, this.path(key));
  }

  async get(key: string): Promise<Readable> {
    const file = this.path(key);
    await stat(file); // ENOENT now, not as a stream error after the headers went out
    return createReadStream(file);
  }

  async stat(key: string): Promise<BlobInfo | undefined> {
    try {
      const s = await stat(this.path(key));
      return { key, size: s.size, mtime: s.mtimeMs };
    } catch {
      return undefined;
    }
  }

  async list(prefix: string): Promise<BlobInfo[]> {
    const dir = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
    let names: string[];
    try {
      names = await readdir(this.path(dir));
    } catch {
      return [];
    }
    const out: BlobInfo[] = [];
    for (const name of names) {
      const info = await this.stat(`${dir}/${name}`);
      if (info) out.push(info);
    }
    return out;
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  async localFile(key: string): Promise<{ path: string; release: () => Promise<void> }> {
    return { path: this.path(key), release: async () => undefined };
  }

  async scratchFile(name: string): Promise<string> {
    const dir = join(this.root, 'scratch');
    await mkdir(dir, { recursive: true, mode: DIR_MODE });
    if (name.includes(sep) || name.includes('/')) throw new Error(`invalid scratch name ${name}`);
    return join(dir, `${name}.${randomBytes(4).toString('hex')}`);
  }

  async freeBytes(): Promise<number | undefined> {
    try {
      const s = await statfs(this.root);
      return s.bavail * s.bsize;
    } catch {
      return undefined;
    }
  }
}
