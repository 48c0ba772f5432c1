// The dashboard's one HTML page: a shell for the bundled UI (dist/dashboard/ui/app.global.js).
// No CDN, no external fonts: it must work offline and behind firewalls.
export function pageHtml(version: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>heapscope dashboard</title>
<link rel="icon" type="image/svg+xml" href="${FAVICON}">
<link rel="stylesheet" href="/ui/app.css">
<style>${CSS}</style>
</head>
<body>
<header class="top"><a href="#/" class="brand">heapscope</a><span class="muted">v${version}</span><a href="#/findings" id="findings-link" class="findings">findings</a><a href="#/snapshots" id="snapshots-link" class="snapshots">snapshots</a><span id="conn" class="conn">connecting…</span></header>
<div id="banner"></div>
<div class="layout">
  <nav id="procs" class="procs" aria-label="Processes"></nav>
  <main id="main" class="main"><p class="muted">Connecting to the dashboard…</p></main>
</div>
<div id="toasts" class="toasts" aria-live="polite"></div>
<script src="/ui/app.js"></script>
</body>
</html>`;
}

/** A heap growing in three steps, on the header's dark blue: inline, so no request and no 404. */
const FAVICON = `data:image/svg+xml,${encodeURIComponent(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#111827"/><rect x="6" y="18" width="5" height="8" rx="1" fill="#60a5fa"/><rect x="13.5" y="12" width="5" height="14" rx="1" fill="#60a5fa"/><rect x="21" y="6" width="5" height="20" rx="1" fill="#f87171"/></svg>',
)}`;

const CSS = `
:root { --fg:#1f2328; --muted:#667085; --line:#e4e7ec; --bg:#f7f8fa; --accent:#2563eb; --ok:#16a34a; --bad:#dc2626; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif; color:var(--fg); background:var(--bg); }
code { font-family: ui-monospace,SFMono-Regular,Menlo,monospace; font-size:12px; }
.top { display:flex; gap:12px; align-items:baseline; padding:10px 16px; background:#111827; color:#fff; }
.top .brand { color:#fff; font-weight:700; text-decoration:none; font-size:16px; }
.top .muted { color:#9ca3af; }
.conn { margin-left:auto; font-size:12px; color:#9ca3af; }
.conn.up { color:#86efac; }
.layout { display:flex; min-height:calc(100vh - 42px); }
.procs { width:300px; flex:none; border-right:1px solid var(--line); background:#fff; padding:8px; overflow:auto; }
.main { flex:1; padding:16px; min-width:0; }
.muted { color:var(--muted); }
.group { margin:6px 0 2px; font-weight:600; }
.group.host { margin-left:10px; font-weight:500; color:var(--muted); font-size:12px; }
.proc { display:flex; gap:6px; align-items:center; margin-left:18px; padding:4px 6px; border-radius:6px; cursor:pointer; font-size:13px; }
.proc:hover { background:#f1f5f9; }
.proc.sel { background:#dbeafe; }
.dot { width:8px; height:8px; border-radius:50%; background:#cbd5e1; flex:none; }
.dot.live { background:var(--ok); }
.proc .sub { color:var(--muted); font-size:11px; margin-left:auto; }
.card { background:#fff; border:1px solid var(--line); border-radius:8px; padding:12px 14px; margin-bottom:14px; }
.card h2 { margin:0 0 8px; font-size:15px; }
.actions { display:flex; gap:8px; align-items:center; flex-wrap:wrap; }
button { font:inherit; padding:5px 12px; border-radius:6px; border:1px solid #cbd5e1; background:#fff; cursor:pointer; }
button.primary { background:var(--accent); border-color:var(--accent); color:#fff; font-weight:600; }
button:disabled { opacity:.5; cursor:default; }
input[type=number] { width:64px; font:inherit; padding:4px; }
.charts { display:grid; grid-template-columns:1fr 1fr; gap:14px; }
.chart { height:240px; }
.job { display:flex; gap:10px; align-items:center; padding:4px 0; font-size:13px; }
.job .bar { width:160px; height:8px; background:#e5e7eb; border-radius:4px; overflow:hidden; }
.job .bar > i { display:block; height:100%; background:var(--accent); }
.job.failed { color:var(--bad); }
.job.ready { color:var(--ok); }
table.hist { border-collapse:collapse; width:100%; font-size:13px; }
table.hist td, table.hist th { text-align:left; padding:4px 8px; border-bottom:1px solid var(--line); }
.err { color:var(--bad); }
.back { margin-bottom:10px; }
.report-host { background:#fff; border:1px solid var(--line); border-radius:8px; padding:12px; }
/* findings (ui/findings.ts) */
#banner .banner { display:flex; gap:8px; align-items:center; flex-wrap:wrap; padding:8px 16px; background:#fef2f2; border-bottom:1px solid #fecaca; color:#7f1d1d; font-size:13px; }
#banner .banner code { background:#fff; padding:1px 4px; border-radius:4px; }
#banner .banner button { padding:2px 8px; font-size:12px; }
.top a.findings { color:#fca5a5; text-decoration:none; font-size:13px; }
.top a.snapshots { color:#cbd5e1; text-decoration:none; font-size:13px; }
.top a.snapshots { color:#cbd5e1; text-decoration:none; font-size:13px; } /* explore */
.pill { display:inline-block; padding:0 6px; border-radius:8px; font-size:11px; background:#e5e7eb; }
.pill.open, .pill.leak { background:#fee2e2; color:#991b1b; }
.pill.growing { background:#fef3c7; color:#92400e; }
.pill.watching { background:#dcfce7; color:#166534; }
.toggle { margin-right:14px; }
#det-reason { font-size:13px; margin-top:6px; }
/* home overview (ui/views/home.ts) */
.actions .spacer { flex:1; }
.actions h2 { margin:0; }
table.overview td { vertical-align:middle; }
table.overview th.sortable { cursor:pointer; user-select:none; white-space:nowrap; }
table.overview th.sortable.active { color:var(--accent); }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
table.hist td.num, table.hist th.num { text-align:right; }
.spark { width:180px; height:34px; }
.growth.up { color:var(--bad); font-weight:600; }
.growth.down { color:var(--ok); }
.growth.flat { color:var(--muted); }
.note { font-size:12px; margin:8px 0 0; }
button.small { padding:2px 8px; font-size:12px; }
/* GC card (ui/views/charts.ts) */
.chart-pair { display:grid; grid-template-columns:1fr 1fr; gap:8px; }
.chart.half { height:206px; }
.caption { font-size:12px; color:var(--muted); }
.card h2 .sub { font-size:12px; font-weight:400; }
.gc-summary { display:flex; flex-wrap:wrap; gap:14px; font-size:12px; color:var(--muted); margin-top:4px; }
.gc-kind i { display:inline-block; width:9px; height:9px; border-radius:2px; margin-right:5px; }
/* notifications (ui/views/notify.ts) */
.toasts { position:fixed; right:16px; bottom:16px; display:flex; flex-direction:column; gap:8px; z-index:20; max-width:380px; }
.toast { background:#fff; border:1px solid var(--line); border-left:4px solid var(--ok); border-radius:8px; padding:10px 12px; box-shadow:0 6px 20px rgba(15,23,42,.15); font-size:13px; }
.toast.failed { border-left-color:var(--bad); }
.toast .reason { color:var(--bad); margin-top:2px; }
.toast .actions { margin-top:6px; }
.toast .close { margin-left:auto; border:none; background:none; font-size:16px; line-height:1; padding:0 4px; color:var(--muted); }
@media (max-width: 900px) { .charts { grid-template-columns:1fr; } .procs { width:220px; } }
`;
