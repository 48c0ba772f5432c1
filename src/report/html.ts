// Self-contained HTML files: the viewer bundle, its CSS and the data inlined into one page that
// opens offline. A Content-Security-Policy forbids every network request.
import type { HeapReport } from '../diagnosis/index.js';
import { viewerAssets } from './assets.js';
import { buildCpuModel, type CpuProfile } from './viewer/cpu/model.js';

export interface HtmlOptions {
  /** Page and report heading. */
  title?: string;
}

const CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:; font-src data:";

/** One HTML file showing a heap report (`heapscope analyze|diff --html FILE`). */
export function renderHtmlReport(report: HeapReport, opts: HtmlOptions = {}): string {
  if (!report || typeof report !== 'object' || !report.snapshot || !Array.isArray(report.suspects)) {
    throw new TypeError('renderHtmlReport: expected a heapscope HeapReport (with "snapshot" and "suspects").');
  }
  const title = opts.title ?? (report.kind === 'diff' ? 'heapscope: snapshot comparison' : 'heapscope: heap report');
  return page(title, { kind: 'heap', title: opts.title, data: report });
}

/** One HTML file showing a V8 .cpuprofile (flame graph and top functions). */
export function renderCpuProfileHtml(profile: CpuProfile, opts: HtmlOptions = {}): string {
  buildCpuModel(profile); // throws a clear CpuProfileError on anything that is not a profile
  return page(opts.title ?? 'heapscope: CPU profile', { kind: 'cpu', title: opts.title, data: profile });
}

function page(title: string, payload: { kind: 'heap' | 'cpu'; title?: string; data: unknown }): string {
  const { js, css } = viewerAssets();
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="heapscope">
<title>${escapeHtml(title)}</title>
<style>html,body{margin:0;background:#fff}${escapeStyle(css)}</style>
</head>
<body>
<div id="heapscope-root"></div>
<script type="application/json" id="heapscope-data">${jsonForScript(payload)}</script>
<script>${escapeScript(js)}</script>
<script>HeapscopeViewer.boot();</script>
</body>
</html>
`;
}

/** JSON that cannot close its <script> element: `<` becomes \u003c (JSON.parse reads it back). */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** `</script` and `<!--` only occur inside string/regex literals of the bundle, where \x3C means `<`. */
function escapeScript(js: string): string {
  return js.replace(/<(\/script|!--)/gi, '\\x3C$1');
}

function escapeStyle(css: string): string {
  return css.replace(/<\/style/gi, '\\3C /style');
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
