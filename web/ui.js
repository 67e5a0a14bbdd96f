// DOM helpers. Everything that comes from the network is inserted as text (textContent /
// text nodes), never as HTML.

/** h('div', {class: 'x', onclick: fn}, 'text', childNode, [more]) */
export function h(tag, attrs = null, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'text') el.textContent = v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

export const $ = (sel, root = document) => root.querySelector(sel);

export function pad(n, w = 2) {
  return String(n).padStart(w, '0');
}

/** HH:MM:SS.mmm in local time. */
export function fmtClock(ms) {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return '';
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function fmtMs(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
}

export function fmtUs(us) {
  if (us === null || us === undefined || !Number.isFinite(us)) return '—';
  if (us < 1000) return `${us < 10 ? us.toFixed(1) : Math.round(us)} µs`;
  return fmtMs(us / 1000);
}

export function fmtBytes(n) {
  if (!Number.isFinite(n)) return '—';
  if (n < 1024) return `${Math.round(n)} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export function fmtRate(n, unit) {
  if (!Number.isFinite(n)) return '—';
  return `${n < 10 ? n.toFixed(1) : Math.round(n)}${unit}`;
}

export function timeAgo(ms) {
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  return `${Math.floor(s / 3600)}h ago`;
}

/** Stable hue for an identity (avatars). */
export function hueFor(str) {
  let x = 2166136261;
  for (let i = 0; i < str.length; i++) x = Math.imul(x ^ str.charCodeAt(i), 16777619);
  return Math.abs(x) % 360;
}

export function initials(name) {
  const words = String(name || '?').replace(/<[^>]*>/g, ' ').split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  const s = words.length > 1 ? words[0][0] + words[1][0] : (words[0] || '?').slice(0, 2);
  return s.toUpperCase();
}

/** Only http(s) URLs may be used as image sources. */
export function safeUrl(u) {
  if (typeof u !== 'string') return null;
  try {
    const url = new URL(u, location.href);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * A "YouTube" link to a track's video (`youtube_url` in now-playing, recs and recognitions;
 * docs/youtube.md), opened in a new tab; null when there is no usable URL.
 */
export function youtubeLink(url, testid, label) {
  const href = safeUrl(url);
  if (!href) return null;
  return h('a', {
    class: 'yt-link', href, target: '_blank', rel: 'noopener noreferrer', 'data-testid': testid,
    'aria-label': label ? `${label} on YouTube (new tab)` : 'On YouTube (new tab)',
  }, 'YouTube');
}

const JSON_MAX_CHARS = 4000;

/**
 * Renders a JSON value as syntax-coloured text: on one line when short, indented when long,
 * and plain truncated text when huge.
 */
export function renderJSON(value, { inlineMax = 100 } = {}) {
  const pre = h('pre', { class: 'json' });
  let flat;
  try { flat = JSON.stringify(value); } catch { flat = String(value); }
  if (flat === undefined) flat = String(value);
  if (flat.length > JSON_MAX_CHARS) {
    const pretty = JSON.stringify(value, null, 2);
    pre.textContent = `${pretty.slice(0, JSON_MAX_CHARS)}\n… (${flat.length} chars, truncated)`;
    return pre;
  }
  emitJSON(pre, value, 0, flat.length > inlineMax);
  return pre;
}

/** Children whose one-line form is at most this long stay on one line inside indented output. */
const INLINE_CHILD = 56;

function fitsInline(v) {
  if (v === null || typeof v !== 'object') return true;
  try { return JSON.stringify(v).length <= INLINE_CHILD; } catch { return true; }
}

function tok(parent, cls, text) {
  parent.appendChild(h('span', { class: cls }, text));
}

function emitJSON(out, v, indent, multi) {
  const nl = (n) => out.appendChild(document.createTextNode(multi ? `\n${' '.repeat(n)}` : ''));
  const sep = () => out.appendChild(document.createTextNode(multi ? ',' : ', '));
  if (v === null) return tok(out, 'j-null', 'null');
  if (Array.isArray(v)) {
    if (v.length === 0) return out.appendChild(document.createTextNode('[]'));
    out.appendChild(document.createTextNode('['));
    v.forEach((item, i) => {
      if (i) sep();
      nl(indent + 2);
      emitJSON(out, item, indent + 2, multi && !fitsInline(item));
    });
    nl(indent);
    out.appendChild(document.createTextNode(']'));
    return;
  }
  switch (typeof v) {
    case 'object': {
      const keys = Object.keys(v);
      if (keys.length === 0) return out.appendChild(document.createTextNode('{}'));
      out.appendChild(document.createTextNode('{'));
      keys.forEach((k, i) => {
        if (i) sep();
        nl(indent + 2);
        tok(out, 'j-key', JSON.stringify(k));
        out.appendChild(document.createTextNode(': '));
        emitJSON(out, v[k], indent + 2, multi && !fitsInline(v[k]));
      });
      nl(indent);
      out.appendChild(document.createTextNode('}'));
      return;
    }
    case 'string': return tok(out, 'j-str', JSON.stringify(v));
    case 'number': return tok(out, 'j-num', String(v));
    case 'boolean': return tok(out, 'j-bool', String(v));
    default: return tok(out, 'j-null', String(v));
  }
}

/** A tiny line chart of the last `capacity` samples on a canvas. */
export class Sparkline {
  constructor(canvas, capacity = 60) {
    this.canvas = canvas;
    this.capacity = capacity;
    this.samples = [];
  }

  push(v) {
    this.samples.push(v);
    if (this.samples.length > this.capacity) this.samples.shift();
  }

  clear() {
    this.samples = [];
    this.draw();
  }

  draw() {
    const c = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const w = c.clientWidth || 240;
    const ht = c.clientHeight || 48;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(ht * dpr)) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(ht * dpr);
    }
    const ctx = c.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, ht);
    const s = this.samples;
    if (s.length < 2) return;
    const css = getComputedStyle(c);
    const line = css.getPropertyValue('--spark-line').trim() || '#7dd3fc';
    const fill = css.getPropertyValue('--spark-fill').trim() || 'rgba(125,211,252,0.15)';
    const max = Math.max(...s) * 1.15 || 1;
    const step = w / (this.capacity - 1);
    const x0 = w - (s.length - 1) * step;
    const y = (v) => ht - 2 - (v / max) * (ht - 4);
    ctx.beginPath();
    s.forEach((v, i) => (i ? ctx.lineTo(x0 + i * step, y(v)) : ctx.moveTo(x0, y(v))));
    ctx.strokeStyle = line;
    ctx.lineWidth = 1.5;
    ctx.lineJoin = 'round';
    ctx.stroke();
    ctx.lineTo(x0 + (s.length - 1) * step, ht);
    ctx.lineTo(x0, ht);
    ctx.closePath();
    ctx.fillStyle = fill;
    ctx.fill();
    const last = s[s.length - 1];
    ctx.beginPath();
    ctx.arc(x0 + (s.length - 1) * step, y(last), 2.5, 0, Math.PI * 2);
    ctx.fillStyle = line;
    ctx.fill();
  }
}
