// Report renderers (Node side) of a HeapReport: text, JSON and HTML. The browser viewer lives in
// ./viewer and is bundled to dist/report/viewer.js (global `HeapscopeViewer`) for the HTML files
// and the dashboard.
export { renderHtmlReport, renderCpuProfileHtml, jsonForScript, type HtmlOptions } from './html.js';
export { renderJson } from './json.js';
export { renderReportText, renderHeapText, renderDiagnosisText, renderGrowthText, renderComparisonText } from './text.js';
export { GROWTH_AFTER_RESET, NO_SUSPECTS } from './messages.js';
export { viewerAssets, viewerAssetDir, type ViewerAssets } from './assets.js';
export { buildCpuModel, CpuProfileError, type CpuProfile, type CpuModel, type FunctionStats, type FlameFrame } from './viewer/cpu/model.js';
export { referenceList, edgeLabel, nodeLabel } from './viewer/reference.js';
