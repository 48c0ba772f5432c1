// The cgroup reader on the layouts a production container has. This machine's kernel mounts the
// memory controller as cgroup v1 (commands.test.ts runs a real v1 cgroup and the kernel's OOM
// killer), so the v2 layout is laid out here as the files the kernel would show, under a root
// the reader is pointed at.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cgroupMemory } from '../../src/agent/headroom.js';

const MB = 1024 * 1024;

function tree(t: { after: (fn: () => void) => void }, files: Record<string, string | number>): string {
  const root = mkdtempSync(join(tmpdir(), 'heapscope-cgroup-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  for (const [path, body] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), `${body}\n`);
  }
  return root;
}

const linuxOnly = process.platform !== 'linux' ? 'the reader is Linux-only' : false;

test('cgroup v2: the tightest of memory.max and memory.high up the hierarchy, usage less inactive page cache', { skip: linuxOnly }, (t) => {
  const root = tree(t, {
    'proc/self/cgroup': '0::/kubepods/pod1/app',
    // The pod's limit is tighter than the container's own once usage is counted.
    'sys/fs/cgroup/kubepods/pod1/app/memory.max': 'max',
    'sys/fs/cgroup/kubepods/pod1/app/memory.high': 1024 * MB,
    'sys/fs/cgroup/kubepods/pod1/app/memory.current': 300 * MB,
    'sys/fs/cgroup/kubepods/pod1/app/memory.stat': `anon ${250 * MB}\ninactive_file ${40 * MB}\nactive_file ${10 * MB}`,
    'sys/fs/cgroup/kubepods/pod1/memory.max': 512 * MB,
    'sys/fs/cgroup/kubepods/pod1/memory.high': 'max',
    'sys/fs/cgroup/kubepods/pod1/memory.current': 400 * MB,
    'sys/fs/cgroup/kubepods/pod1/memory.stat': `inactive_file ${0}`,
    'sys/fs/cgroup/kubepods/memory.max': 'max',
    'sys/fs/cgroup/kubepods/memory.current': 9000 * MB,
  });
  assert.deepEqual(cgroupMemory(root), { limit: 512 * MB, usage: 400 * MB, source: 'cgroup memory.max' });
});

test('cgroup v2: memory.high counts when it is the tightest; "max" everywhere is no limit', { skip: linuxOnly }, (t) => {
  const high = tree(t, {
    'proc/self/cgroup': '0::/app',
    'sys/fs/cgroup/app/memory.max': 2048 * MB,
    'sys/fs/cgroup/app/memory.high': 600 * MB,
    'sys/fs/cgroup/app/memory.current': 100 * MB,
    'sys/fs/cgroup/app/memory.stat': `inactive_file ${20 * MB}`,
  });
  assert.deepEqual(cgroupMemory(high), { limit: 600 * MB, usage: 80 * MB, source: 'cgroup memory.high' });
  const none = tree(t, {
    'proc/self/cgroup': '0::/app',
    'sys/fs/cgroup/app/memory.max': 'max',
    'sys/fs/cgroup/app/memory.high': 'max',
    'sys/fs/cgroup/app/memory.current': 100 * MB,
  });
  assert.equal(cgroupMemory(none), undefined);
});

test('a container in its own cgroup namespace sees "0::/" and the limit at the mount root', { skip: linuxOnly }, (t) => {
  const root = tree(t, {
    'proc/self/cgroup': '0::/',
    'sys/fs/cgroup/memory.max': 256 * MB,
    'sys/fs/cgroup/memory.current': 64 * MB,
    'sys/fs/cgroup/memory.stat': `inactive_file ${4 * MB}`,
  });
  assert.deepEqual(cgroupMemory(root), { limit: 256 * MB, usage: 60 * MB, source: 'cgroup memory.max' });
});

test('cgroup v1 (and hybrid: a v2 line without a v2 memory controller): limit_in_bytes, its "no limit" number ignored', { skip: linuxOnly }, (t) => {
  const root = tree(t, {
    'proc/self/cgroup': '12:pids:/\n4:memory:/docker/abc\n0::/',
    'sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes': 300 * MB,
    'sys/fs/cgroup/memory/docker/abc/memory.usage_in_bytes': 120 * MB,
    'sys/fs/cgroup/memory/docker/abc/memory.stat': `cache ${30 * MB}\ntotal_inactive_file ${20 * MB}`,
    'sys/fs/cgroup/memory/docker/memory.limit_in_bytes': '9223372036854771712',
    'sys/fs/cgroup/memory/memory.limit_in_bytes': '9223372036854771712',
  });
  assert.deepEqual(cgroupMemory(root), { limit: 300 * MB, usage: 100 * MB, source: 'cgroup memory.limit_in_bytes' });
});
