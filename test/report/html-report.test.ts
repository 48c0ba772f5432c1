// The self-contained HTML heap report in real chromium, offline: suspects, force graph with
// expand/collapse and reference list on hover, a 12,000-row windowed summary, comparison, growth.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { renderHtmlReport } from '../../src/report/index.js';
import type { HeapReport, TreeNode } from '../../src/diagnosis/types.js';
import { launch, openOffline, type OfflinePage } from './browser.js';
import { syntheticReport } from './data.js';

let browser: Browser;
let dir: string;
let report: HeapReport;
let opened: OfflinePage;
let page: Page;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'heapscope-report-'));
  report = syntheticReport({ classes: 12_000 });
  // A hostile class name must stay text: it may not end the data <script> or run.
  report.classes[5].name = '</script><script>window.__pwned=1</script>';
  const file = join(dir, 'report.html');
  writeFileSync(file, renderHtmlReport(report));
  browser = await launch();
  opened = await openOffline(browser, pathToFileURL(file).href);
  page = opened.page;
  await page.waitForSelector('.hs-suspect .hs-graph canvas');
});

after(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Nodes the graph shows at first: the root, and the children of every chain node that leads on along the chain. */
function expectedInitialNodes(tree: TreeNode, chainIds: Set<number>): number {
  let n = 1;
  const walk = (t: TreeNode, isRoot: boolean) => {
    const open = isRoot || (chainIds.has(t.id) && t.children.some((c) => chainIds.has(c.id)));
    if (!open) return;
    for (const c of t.children) {
      n++;
      walk(c, false);
    }
  };
  walk(tree, true);
  return n;
}

async function graphNodeCount(index: number): Promise<number> {
  return page.evaluate((i) => {
    const el = document.querySelectorAll('.hs-suspect .hs-graph')[i];
    const chart = (window as any).HeapscopeViewer.getChart(el);
    return chart.getOption().series[0].data.length as number;
  }, index);
}

/** Page coordinates of a graph node by object id. */
async function nodePoint(index: number, id: number): Promise<{ x: number; y: number }> {
  const p = await page.evaluate(
    ([i, key]) => {
      const el = document.querySelectorAll('.hs-suspect .hs-graph')[i] as HTMLElement;
      el.scrollIntoView({ block: 'center' });
      const V = (window as any).HeapscopeViewer;
      const pos = V.graphNodePosition(V.getChart(el), key);
      const r = el.getBoundingClientRect();
      return pos ? { x: r.left + pos.x, y: r.top + pos.y } : null;
    },
    [index, String(id)] as const,
  );
  assert.ok(p, `node @${id} is drawn`);
  return p;
}

test('opens offline with no network request and no error', async () => {
  assert.deepEqual(opened.requests, []);
  assert.deepEqual(opened.errors, []);
  assert.equal(await page.evaluate(() => (window as any).__pwned), undefined);
  const headings = await page.locator('.hs-h2').allTextContents();
  for (const h of ['Heap Status', 'Memory Leak', 'Summary by class', 'Comparison', 'Growth across snapshots']) assert.ok(headings.includes(h), `section ${h}`);
  // The statistics pie is an ECharts instance with one slice per non-empty category.
  const slices = await page.evaluate(() => (window as any).HeapscopeViewer.getChart(document.querySelector('[data-chart="statistics"]')).getOption().series[0].data.length);
  assert.equal(slices, 7);
});

test('suspects table lists every suspect with its share', async () => {
  const rows = page.locator('.hs-suspects .hs-rows .hs-tr');
  assert.equal(await rows.count(), report.suspects.length);
  const first = await rows.first().textContent();
  assert.match(first!, /Route/);
  assert.match(first!, /91 %/);
  assert.match(await page.locator('.hs-suspect').first().locator('.hs-cause-title').textContent() ?? '', /Closure context chain/);
  const keys = await page.locator('.hs-suspect').first().locator('.hs-key').allTextContents();
  assert.deepEqual(keys, report.suspects[0].keys);
});

test('force graph draws the chain and subtree; clicking a node expands and collapses it', async () => {
  const s = report.suspects[0];
  const expected = expectedInitialNodes(s.tree, new Set(s.chain.map((c) => c.id)));
  assert.equal(await graphNodeCount(0), expected);
  // A collapsed side object with one child: click opens it, a second click closes it again.
  const side = s.tree.children.find((c) => c.name === 'routePart0')!;
  assert.equal(side.children.length, 1);
  let p = await nodePoint(0, side.id);
  await page.mouse.click(p.x, p.y);
  assert.equal(await graphNodeCount(0), expected + 1);
  p = await nodePoint(0, side.id);
  await page.mouse.click(p.x, p.y);
  assert.equal(await graphNodeCount(0), expected);
  // Collapsing a chain node hides its whole subtree.
  const stack = s.chain[1];
  p = await nodePoint(0, stack.id);
  await page.mouse.click(p.x, p.y);
  assert.ok((await graphNodeCount(0)) < expected / 2);
  p = await nodePoint(0, stack.id);
  await page.mouse.click(p.x, p.y);
  assert.equal(await graphNodeCount(0), expected);
});

test('hovering a node shows its reference list from the chain root', async () => {
  const s = report.suspects[0];
  const last = s.chain[s.chain.length - 1];
  const p = await nodePoint(0, last.id);
  await page.mouse.move(p.x, p.y);
  const ref = page.locator('.hs-suspect').first().locator('[data-role="reference-list"]');
  await page.waitForFunction((id) => document.querySelector('[data-role="reference-list"]')!.textContent!.includes(`@${id})`), last.id);
  const lines = (await ref.textContent())!.split('\n');
  assert.equal(lines.length, s.chain.length);
  assert.equal(lines[0], `[object] (Route::@${s.chain[0].id}) ' stack`);
  assert.equal(lines[1], `---> [array] (Array::@${s.chain[1].id}) ' [0]`);
  assert.ok(lines.some((l) => l.endsWith("' theThing")) && lines.some((l) => l.endsWith("' leak")));
  assert.equal(lines.at(-1), `---> [object] (system / Context::@${last.id})`);
  // Hovering a side object shows its own, shorter path.
  const side = s.tree.children.find((c) => c.name === 'routePart1')!;
  const q = await nodePoint(0, side.id);
  await page.mouse.move(q.x, q.y);
  await page.waitForFunction((id) => document.querySelector('[data-role="reference-list"]')!.textContent!.includes(`@${id})`), side.id);
  assert.equal(await ref.textContent(), `[object] (Route::@${s.id}) ' part1\n---> [object] (routePart1::@${side.id})`);
});

test('summary of 12,000 classes renders a bounded window, scrolls, sorts and filters', async () => {
  const summary = page.locator('.hs-summary');
  const rowCount = () => summary.locator('.hs-rows .hs-tr').count();
  const firstName = async () => (await summary.locator('.hs-rows .hs-tr').first().locator('.hs-td').first().textContent())!;
  assert.match((await summary.locator('.hs-table-count').textContent())!, /12,000 rows/);
  assert.ok((await rowCount()) < 60, 'only the visible window is in the DOM');
  // Default order: retained size, largest first.
  const biggest = [...report.classes].sort((a, b) => b.retainedSize - a.retainedSize)[0];
  assert.equal(await firstName(), biggest.name);
  // Scroll to the end: still a bounded window, now showing the smallest.
  await summary.locator('.hs-tbody').evaluate((el) => (el.scrollTop = el.scrollHeight));
  const smallest = [...report.classes].sort((a, b) => a.retainedSize - b.retainedSize)[0];
  await page.waitForFunction((name) => Array.from(document.querySelectorAll('.hs-summary .hs-rows .hs-tr')).some((r) => r.firstElementChild!.textContent === name), smallest.name);
  assert.ok((await rowCount()) < 60);
  // Sort by constructor name, ascending on the first click.
  await summary.locator('.hs-th[data-key="name"]').click();
  const byName = report.classes.map((c) => c.name).sort()[0];
  assert.equal(await firstName(), byName);
  assert.notEqual(byName, biggest.name);
  await summary.locator('.hs-th[data-key="name"]').click();
  assert.equal(await firstName(), report.classes.map((c) => c.name).sort().at(-1));
  // The hostile name is plain text in its cell.
  await summary.locator('.hs-filter').fill('/script');
  assert.equal(await rowCount(), 1);
  assert.equal(await firstName(), '</script><script>window.__pwned=1</script>');
  await summary.locator('.hs-filter').fill('class0000');
  const matching = report.classes.filter((c) => c.name.includes('Class0000')).length;
  assert.equal(await summary.locator('.hs-table-count').textContent(), `${matching} of 12,000 rows`);
});

test('comparison table sorts by size delta and shows totals; growth shows per-snapshot counts', async () => {
  const cmp = page.locator('.hs-comparison');
  const top = [...report.comparison!.rows].sort((a, b) => b.sizeDelta - a.sizeDelta)[0];
  assert.equal(await cmp.locator('.hs-rows .hs-tr').first().locator('.hs-td').first().textContent(), top.name);
  assert.match((await cmp.locator('.hs-pinned').textContent())!, /^Total/);
  await cmp.locator('.hs-th[data-key="deletedCount"]').click();
  const mostDeleted = [...report.comparison!.rows].sort((a, b) => b.deletedCount! - a.deletedCount!)[0];
  assert.equal(await cmp.locator('.hs-rows .hs-tr').first().locator('.hs-td').nth(2).textContent(), String(mostDeleted.deletedCount));
  const growth = page.locator('.hs-growth').first();
  assert.match((await growth.textContent())!, /context of arrayLeak \(app\.js:12\) → _cached/);
  assert.deepEqual(await growth.locator('tbody tr').first().locator('td.hs-right').allTextContents(), ['10', '20', '30']);
  assert.equal(await growth.locator('svg.hs-spark').count(), 2);
});

test('at 1280 px nothing overflows sideways (screenshot kept for a look)', async () => {
  await page.evaluate(() => window.scrollTo(0, 0));
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(overflow, 0, `the page is ${overflow} px wider than the 1280 px window`);
  const file = join(tmpdir(), 'heapscope-report.png');
  await page.screenshot({ path: file, fullPage: true });
  assert.ok(statSync(file).size > 10_000, 'a real screenshot, not a blank page');
});

test('bad input is a clear error', () => {
  assert.throws(() => renderHtmlReport({} as HeapReport), /expected a heapscope HeapReport/);
});
