// The terminal report: one byte formatter for every line (heap status, classes, largest objects,
// suspects), so sizes read the same wherever they appear.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderReportText } from '../../src/report/index.js';
import { formatBytes, type HeapReport } from '../../src/diagnosis/index.js';

const GB = 1024 ** 3;

test('sizes read the same in every section of the analyze text (one decimal, binary units)', () => {
  assert.deepEqual([formatBytes(512), formatBytes(1536), formatBytes(24 * 1024 ** 2), formatBytes(1.25 * GB)], ['512 B', '1.5 KB', '24.0 MB', '1.3 GB']);
  const total = 3.25 * GB;
  const report: HeapReport = {
    version: 1,
    kind: 'analyze',
    generatedAt: new Date(0).toISOString(),
    snapshot: { file: 'big.heapsnapshot', nodeCount: 10, edgeCount: 20, totalSize: total },
    statistics: { total, native: { total: 0, typedArrays: 0 }, v8heap: { total, code: 0, jsArrays: 2.5 * GB, strings: 0, system: 0 } },
    classes: [{ name: 'Array', count: 1, distance: 2, selfSize: 2.5 * GB, retainedSize: 2.5 * GB }],
    largest: [{ id: 7, type: 'object', name: 'Array', selfSize: 2.5 * GB, retainedSize: 2.5 * GB, distance: 2, path: '[object] (global::@1)' }],
    suspects: [],
  };
  const text = renderReportText(report);
  // every 2.5 GB is written "2.5 GB" (the heap status table used to say "2.50 GB")
  assert.equal(text.match(/2\.5 GB/g)?.length, 4, text);
  assert.doesNotMatch(text, /\d\.\d\d GB/);
  assert.match(text, /total size +3\.3 GB/);
  assert.match(text, /Suspected leaks, by retained size/);
});
