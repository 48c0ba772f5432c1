// Canvas flame graph (root on top, callees below). Click a frame to zoom into it, click the root
// or press "Reset zoom" to zoom out; hover shows function, location and times.
import { h, onResize } from '../dom.js';
import { formatMicros, formatPercent } from '../format.js';
import type { CpuModel, FlameFrame } from './model.js';

const ROW = 18;

export interface FlameHandle {
  el: HTMLElement;
  canvas: HTMLCanvasElement;
  zoomTo(frameIndex: number): void;
  reset(): void;
  /** Frame index under a point in CSS pixels relative to the canvas, or -1. */
  frameAt(x: number, y: number): number;
  /** CSS-pixel centre of a frame relative to the canvas (for tests), or null when not drawn. */
  framePosition(frameIndex: number): { x: number; y: number } | null;
  dispose(): void;
}

export interface FlameOptions {
  /** Formats a frame's weight: time by default (µs), bytes for an allocation profile. */
  format?: (n: number) => string;
  /** What the whole graph adds up to, after the total: `sampled` by default. */
  noun?: string;
}

export function mountFlameGraph(model: Pick<CpuModel, 'frames' | 'maxDepth' | 'duration'>, opts: FlameOptions = {}): FlameHandle {
  const frames = model.frames;
  const fmt = opts.format ?? formatMicros;
  const canvas = h('canvas', { class: 'hs-flame-canvas' });
  const tip = h('div', { class: 'hs-flame-tip', role: 'tooltip' });
  const crumb = h('span', { class: 'hs-muted hs-flame-crumb' });
  const reset = h('button', { class: 'hs-btn', type: 'button', disabled: true }, 'Reset zoom');
  const el = h('div', { class: 'hs-flame' }, h('div', { class: 'hs-flame-bar' }, reset, crumb), h('div', { class: 'hs-flame-wrap' }, canvas, tip));
  el.dataset.frames = String(frames.length);
  let focus = 0; // zoomed frame index
  let width = 0;
  const height = (model.maxDepth + 1) * ROW + 2;

  const viewStart = () => frames[focus].start;
  const viewSpan = () => Math.max(frames[focus].total, 1e-9);
  const isAncestorOfFocus = (i: number) => {
    for (let c = focus; c >= 0; c = frames[c].parent) if (c === i) return true;
    return false;
  };
  const rect = (i: number) => {
    const f = frames[i];
    const scale = width / viewSpan();
    const inFocus = isAncestorOfFocus(i);
    // Ancestors of the zoomed frame span the full width, greyed out.
    const x = inFocus ? 0 : (f.start - viewStart()) * scale;
    const w = inFocus ? width : f.total * scale;
    return { x, y: f.depth * ROW, w, inFocus };
  };

  function draw() {
    width = canvas.parentElement?.clientWidth || 800;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = '11px system-ui, -apple-system, "Segoe UI", sans-serif';
    ctx.textBaseline = 'middle';
    const s0 = viewStart();
    const s1 = s0 + viewSpan();
    let drawn = 0;
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i];
      const inFocus = isAncestorOfFocus(i);
      if (!inFocus && (f.start + f.total <= s0 || f.start >= s1 || f.depth <= frames[focus].depth)) continue;
      const r = rect(i);
      if (r.w < 0.4) continue;
      ctx.fillStyle = inFocus && i !== focus ? '#cbd5e1' : frameColor(f);
      ctx.fillRect(r.x, r.y, Math.max(r.w - 0.5, 0.4), ROW - 1);
      drawn++;
      if (r.w > 28) {
        ctx.fillStyle = '#111827';
        ctx.save();
        ctx.beginPath();
        ctx.rect(r.x, r.y, r.w - 2, ROW);
        ctx.clip();
        ctx.fillText(fit(ctx, f.name, r.w - 8), r.x + 4, r.y + ROW / 2);
        ctx.restore();
      }
    }
    el.dataset.drawn = String(drawn);
    el.dataset.focus = String(focus);
    reset.disabled = focus === 0;
    crumb.textContent = focus ? `zoomed into ${frames[focus].name} (${fmt(frames[focus].total)})` : `${fmt(model.duration)} ${opts.noun ?? 'sampled'} · click a frame to zoom`;
  }

  function frameAt(x: number, y: number): number {
    const depth = Math.floor(y / ROW);
    for (let i = frames.length - 1; i >= 0; i--) {
      if (frames[i].depth !== depth) continue;
      const r = rect(i);
      if (!r.inFocus && depth <= frames[focus].depth) continue;
      if (x >= r.x && x < r.x + r.w) return i;
    }
    return -1;
  }

  canvas.addEventListener('mousemove', (e) => {
    const i = frameAt(e.offsetX, e.offsetY);
    if (i < 0) {
      tip.style.display = 'none';
      canvas.style.cursor = '';
      return;
    }
    const f = frames[i];
    canvas.style.cursor = 'pointer';
    tip.replaceChildren(
      h('b', null, f.name),
      h('div', { class: 'hs-muted' }, f.url ? `${f.url}:${f.line}:${f.column}` : 'native / VM'),
      h('div', null, `total ${fmt(f.total)} (${formatPercent(f.total / Math.max(model.duration, 1))}) · self ${fmt(f.self)}`),
    );
    tip.style.display = 'block';
    const maxLeft = (canvas.parentElement?.clientWidth ?? width) - 320;
    tip.style.left = `${Math.max(0, Math.min(e.offsetX + 12, maxLeft))}px`;
    tip.style.top = `${e.offsetY + 16}px`;
  });
  canvas.addEventListener('mouseleave', () => (tip.style.display = 'none'));
  canvas.addEventListener('click', (e) => {
    const i = frameAt(e.offsetX, e.offsetY);
    if (i >= 0) handle.zoomTo(i === focus ? Math.max(frames[i].parent, 0) : i);
  });
  reset.addEventListener('click', () => handle.reset());
  const stop = onResize(el, () => draw());

  const handle: FlameHandle = {
    el,
    canvas,
    zoomTo(i) {
      focus = i >= 0 && i < frames.length ? i : 0;
      draw();
    },
    reset() {
      focus = 0;
      draw();
    },
    frameAt,
    framePosition(i) {
      if (!frames[i]) return null;
      const r = rect(i);
      return r.w >= 0.4 ? { x: r.x + Math.min(r.w / 2, 40), y: r.y + ROW / 2 } : null;
    },
    dispose: stop,
  };
  requestAnimationFrame(draw);
  draw();
  return handle;
}

/** Warm hues for JavaScript, green for Node internals, grey for VM states (idle, GC, program). */
function frameColor(f: FlameFrame): string {
  if (!f.url) return f.name.startsWith('(') ? '#d1d5db' : '#c4b5fd';
  const hash = [...f.name].reduce((a, c) => (a * 31 + c.charCodeAt(0)) >>> 0, 7);
  if (f.url.startsWith('node:')) return `hsl(${140 + (hash % 30)}, 45%, ${62 + (hash % 12)}%)`;
  return `hsl(${18 + (hash % 32)}, 85%, ${60 + (hash % 14)}%)`;
}

function fit(ctx: CanvasRenderingContext2D, text: string, max: number): string {
  if (ctx.measureText(text).width <= max) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ctx.measureText(`${text.slice(0, mid)}…`).width <= max) lo = mid;
    else hi = mid - 1;
  }
  return lo ? `${text.slice(0, lo)}…` : '';
}
