// The Listen card: state line, live spectrogram, and for a match the track with the *why* —
// the histogram of time offsets between query and track hashes, whose one tall bar is the
// match. Only drawing here; listen.js owns the microphone and the messages.
import { el } from './state.js';
import { youtubeLink } from './ui.js';

const SVG = 'http://www.w3.org/2000/svg';
/** Spectrogram scroll speed, CSS px per second (≈ 6 s across a 320 px card). */
const SPEED = 50;
/** The fingerprinter's band (docs/recognition.md): what is drawn is what is hashed. */
const BAND_HZ = [65, 5500];

/** m:ss.ss — offsets are precise to a frame (11.6 ms), so hundredths are meaningful. */
export function fmtOffset(s) {
  if (!Number.isFinite(s)) return '—';
  const sign = s < 0 ? '−' : '';
  const a = Math.abs(s);
  return `${sign}${Math.floor(a / 60)}:${(a % 60).toFixed(2).padStart(5, '0')}`;
}

/** The match's offset histogram as [{offset_s, count}], whatever spelling the agent used. */
export function histogramBins(match) {
  const raw = match && (match.offset_histogram ?? match.histogram);
  const list = Array.isArray(raw) ? raw : Array.isArray(raw && raw.bins) ? raw.bins : [];
  return list
    .map((b) => (Array.isArray(b) ? { offset_s: Number(b[0]), count: Number(b[1]) } : { offset_s: Number(b && b.offset_s), count: Number(b && b.count) }))
    .filter((b) => Number.isFinite(b.offset_s) && Number.isFinite(b.count) && b.count >= 0)
    .sort((a, b) => a.offset_s - b.offset_s);
}

let shownResult = null; // the answer whose match is on screen (re-rendered only when it changes)

/** Renders the card from listen.js's state; `agent` is the recognizer's identity or null. */
export function render(listen, agent) {
  const capturing = !!listen.capture;
  const result = listen.result;
  const state = listen.error ? 'error'
    : listen.starting ? 'starting'
      : result && (capturing || result.state === 'match') ? String(result.state)
        : capturing ? 'listening'
          : agent ? 'idle' : 'unavailable';
  const line = el('listen-state');
  line.dataset.state = state;
  line.textContent = stateText(state, listen, agent);
  el('listen-card').dataset.state = state;

  const start = el('listen-button');
  start.hidden = capturing || listen.starting;
  start.disabled = !agent;
  start.title = agent ? 'Stream your microphone to the room’s recognizer' : 'This room has no recognizer agent';
  el('listen-stop').hidden = !(capturing || listen.starting);

  const err = el('listen-error');
  err.hidden = !listen.error;
  err.textContent = listen.error || '';

  const sent = el('listen-sub');
  sent.textContent = capturing
    ? `${listen.capture.rate} Hz s16le · ${Math.round(listen.capture.sentBytes / 1024)} KiB sent${listen.capture.dropped ? ` · ${listen.capture.dropped} chunks dropped (slow link)` : ''}`
    : '';

  const m = result && result.state === 'match' ? result.match : null;
  el('listen-match').hidden = !m;
  if (m && result !== shownResult) renderMatch(m, result);
  shownResult = m ? result : null;
  if (!capturing) drawIdle();
}

function stateText(state, listen, agent) {
  const r = listen.result;
  const secs = (x) => (Number.isFinite(x) ? `${x.toFixed(1)} s` : '');
  const local = listen.capture ? (performance.now() - listen.capture.startedAt) / 1000 : NaN;
  switch (state) {
    case 'unavailable':
      return 'This room has no recognizer agent, so there is no one to listen: add recognizer to the room’s agents (see docs/agents.md).';
    case 'idle':
      return `Press Listen and let your microphone hear the music (a speaker, another device): ${agent} says which catalog track it is and where in the track you are.`;
    case 'starting':
      return 'Asking for the microphone…';
    case 'listening':
      return `Listening… ${secs(Number.isFinite(r && r.elapsed_s) ? Math.max(r.elapsed_s, local) : local)}`;
    case 'match': {
      const m = r.match || {};
      return `Heard after ${secs(r.elapsed_s)}: ${m.title || m.path || `track ${m.id}`}${m.artist ? ` – ${m.artist}` : ''}${listen.capture ? ' (still listening)' : ''}`;
    }
    case 'no_match':
      if (r.error) return `The recognizer could not use this audio: ${r.error}`;
      return `No match after ${secs(r.elapsed_s)}: nothing in the catalog sounds like this. Still listening — move closer to the speaker, or press Stop.`;
    case 'error':
      return 'Not listening.';
    default:
      return `State: ${state}`;
  }
}

function renderMatch(m, result) {
  el('listen-match-title').textContent = m.title || m.path || `Track ${m.id}`;
  el('listen-match-artist').textContent = m.artist || '';
  const facts = [`lines up with the track from ${fmtOffset(Number(m.offset_s))}`];
  if (Number.isFinite(m.score)) facts.push(`score ${Number(m.score).toFixed(1)}`);
  if (Number.isFinite(m.aligned_hashes)) facts.push(`${m.aligned_hashes} aligned hashes`);
  if (Number.isFinite(result.elapsed_s)) facts.push(`answered after ${result.elapsed_s.toFixed(1)} s`);
  el('listen-match-offset').textContent = facts.join(' · ');
  el('listen-match-offset').dataset.offset = String(m.offset_s);
  el('listen-play').disabled = !Number.isInteger(m.id);
  // The recognizer sends the same match again once the track's video is known.
  const yt = youtubeLink(m.youtube_url, 'listen-youtube', m.title || m.path);
  el('listen-youtube').replaceChildren(...(yt ? [yt] : []));
  renderHistogram(m);
}

function svg(tag, attrs = {}, text = null) {
  const n = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
  if (text !== null) n.textContent = text;
  return n;
}

/** Bars at their offsets (seconds into the track), the peak highlighted, chance as a dashed line. */
function renderHistogram(m) {
  const box = el('listen-histogram');
  const why = el('listen-why');
  const bins = histogramBins(m);
  if (!bins.length) {
    box.replaceChildren();
    box.hidden = true;
    why.textContent = 'The recognizer sent no offset histogram with this match.';
    return;
  }
  box.hidden = false;
  const W = 320;
  const H = 120;
  const pad = { l: 8, r: 8, t: 18, b: 20 };
  const peak = bins.reduce((a, b) => (b.count > a.count ? b : a));
  let lo = Math.min(...bins.map((b) => b.offset_s));
  let hi = Math.max(...bins.map((b) => b.offset_s));
  if (hi - lo < 1) { const c = (hi + lo) / 2; lo = c - 0.5; hi = c + 0.5; }
  const span = hi - lo;
  lo -= span * 0.04;
  hi += span * 0.04;
  const chance = Number(m.expected_by_chance);
  const top = Math.max(peak.count, Number.isFinite(chance) ? chance : 0, 1);
  const x = (o) => pad.l + ((o - lo) / (hi - lo)) * (W - pad.l - pad.r);
  const y = (c) => H - pad.b - (c / top) * (H - pad.t - pad.b);
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'hist-svg', 'aria-hidden': 'true' });
  root.append(svg('line', { x1: pad.l, x2: W - pad.r, y1: H - pad.b, y2: H - pad.b, class: 'hist-axis' }));
  for (const b of bins) {
    const isPeak = b === peak;
    const r = svg('rect', {
      x: (x(b.offset_s) - 2).toFixed(1), y: y(b.count).toFixed(1), width: 4,
      height: Math.max(1, H - pad.b - y(b.count)).toFixed(1), class: isPeak ? 'hist-bar hist-peak' : 'hist-bar',
      'data-offset': b.offset_s, 'data-count': b.count,
    });
    r.append(svg('title', {}, `${b.count} at ${fmtOffset(b.offset_s)}`));
    root.append(r);
  }
  if (Number.isFinite(chance) && chance > 0) {
    root.append(svg('line', { x1: pad.l, x2: W - pad.r, y1: y(chance), y2: y(chance), class: 'hist-chance' }));
    root.append(svg('text', { x: W - pad.r, y: y(chance) - 3, 'text-anchor': 'end', class: 'hist-label' }, 'chance'));
  }
  const px = x(peak.offset_s);
  root.append(svg('text', { x: Math.min(Math.max(px, 40), W - 40), y: Math.max(y(peak.count) - 5, 11), 'text-anchor': 'middle', class: 'hist-label hist-peak-label' },
    `${peak.count} at ${fmtOffset(peak.offset_s)}`));
  root.append(svg('text', { x: pad.l, y: H - 5, class: 'hist-label' }, fmtOffset(lo)));
  root.append(svg('text', { x: W - pad.r, y: H - 5, 'text-anchor': 'end', class: 'hist-label' }, fmtOffset(hi)));
  box.replaceChildren(root);
  box.dataset.peakOffset = String(peak.offset_s);
  box.dataset.bins = String(bins.length);

  // Beside the peak (±2 frames) is the same alignment; the runner-up is the best elsewhere.
  const others = bins.filter((b) => Math.abs(b.offset_s - peak.offset_s) > 0.03);
  const second = others.length ? Math.max(...others.map((b) => b.count)) : 0;
  box.setAttribute('aria-label', `Offset histogram: ${peak.count} hashes agree on ${fmtOffset(peak.offset_s)}; the best other offset has ${second}.`);
  why.textContent = `Why: ${peak.count} hash matches between what the microphone heard and this track agree on one `
    + `alignment, the track from ${fmtOffset(peak.offset_s)}; ${others.length ? `the best other offset gets ${second}` : 'no other offset gets any'}`
    + `${Number.isFinite(chance) ? `, and chance alone would give about ${chance < 1 ? chance.toFixed(2) : chance.toFixed(1)}` : ''}.`
    + ' A song that is not in the catalog gives a flat floor with no tall bar.';
}

// ── Spectrogram ─────────────────────────────────────────────────────────────────────────

let spec = null; // {analyser, bins, lo, hi, last, carry, frame}
let columns = 0;

/** 256 colours from the card's background through blue and violet to amber and white. */
const LUT = (() => {
  const stops = [[0, [15, 21, 33]], [0.3, [30, 58, 138]], [0.55, [124, 58, 237]], [0.8, [251, 191, 36]], [1, [254, 252, 232]]];
  const lut = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = i / 255;
    let k = 0;
    while (k < stops.length - 2 && t > stops[k + 1][0]) k++;
    const [t0, c0] = stops[k];
    const [t1, c1] = stops[k + 1];
    const f = Math.min(1, Math.max(0, (t - t0) / (t1 - t0)));
    for (let j = 0; j < 3; j++) lut[i * 3 + j] = c0[j] + (c1[j] - c0[j]) * f;
  }
  return lut;
})();

function canvasContext() {
  const canvas = el('listen-spectrogram');
  const dpr = window.devicePixelRatio || 1;
  // A hidden canvas (another tab on a phone) has no size: keep the picture as it is.
  const w = canvas.clientWidth ? Math.round(canvas.clientWidth * dpr) : canvas.width;
  const h = canvas.clientHeight ? Math.round(canvas.clientHeight * dpr) : canvas.height;
  if (canvas.width !== w || canvas.height !== h) {
    // Resizing a canvas clears it: keep what was heard, stretched to the new size.
    const old = canvas.width > 1 && canvas.height > 1 ? document.createElement('canvas') : null;
    if (old) {
      old.width = canvas.width;
      old.height = canvas.height;
      old.getContext('2d').drawImage(canvas, 0, 0);
    }
    canvas.width = w;
    canvas.height = h;
    const g = canvas.getContext('2d');
    g.fillStyle = '#0f1521';
    g.fillRect(0, 0, w, h);
    if (old && columns > 0) g.drawImage(old, 0, 0, w, h);
  }
  canvas.dataset.renderer = '2d';
  return { canvas, g: canvas.getContext('2d'), w, h, dpr };
}

/** Starts drawing what `analyser` hears, one column per few milliseconds, scrolling left. */
export function startSpectrogram(analyser, rate) {
  stopSpectrogram();
  const { g, w, h } = canvasContext();
  g.fillStyle = '#0f1521';
  g.fillRect(0, 0, w, h); // a new listen starts from a blank picture (not the idle hint)
  columns = 0;
  analyser.minDecibels = -95;
  analyser.maxDecibels = -25;
  const hz = rate / analyser.fftSize;
  spec = {
    analyser,
    bins: new Uint8Array(analyser.frequencyBinCount),
    lo: Math.max(1, Math.round(BAND_HZ[0] / hz)),
    hi: Math.min(analyser.frequencyBinCount - 1, Math.round(BAND_HZ[1] / hz)),
    last: performance.now(),
    carry: 0,
    frame: 0,
  };
  const loop = (now) => {
    if (!spec) return;
    drawColumns(now);
    spec.frame = requestAnimationFrame(loop);
  };
  spec.frame = requestAnimationFrame(loop);
}

export function stopSpectrogram() {
  if (spec) cancelAnimationFrame(spec.frame);
  spec = null;
}

function drawColumns(now) {
  const { canvas, g, w, h, dpr } = canvasContext();
  spec.carry += ((now - spec.last) / 1000) * SPEED * dpr;
  spec.last = now;
  const n = Math.min(w, Math.floor(spec.carry));
  if (n < 1) return;
  spec.carry -= n;
  spec.analyser.getByteFrequencyData(spec.bins);
  g.drawImage(canvas, n, 0, w - n, h, 0, 0, w - n, h);
  const img = g.createImageData(n, h);
  const { bins, lo, hi } = spec;
  for (let row = 0; row < h; row++) {
    // Linear frequency, low at the bottom, like the fingerprinter's bins.
    const bin = Math.round(lo + ((h - 1 - row) / Math.max(1, h - 1)) * (hi - lo));
    const v = bins[bin];
    for (let c = 0; c < n; c++) {
      const o = (row * n + c) * 4;
      img.data[o] = LUT[v * 3];
      img.data[o + 1] = LUT[v * 3 + 1];
      img.data[o + 2] = LUT[v * 3 + 2];
      img.data[o + 3] = 255;
    }
  }
  g.putImageData(img, w - n, 0);
  columns += n;
  canvas.dataset.columns = String(columns);
}

/** Not capturing: the last picture stays, dimmed, with a hint when nothing was heard yet. */
function drawIdle() {
  const { g, w, h, dpr } = canvasContext();
  if (columns > 0) return;
  g.fillStyle = '#0f1521';
  g.fillRect(0, 0, w, h);
  g.fillStyle = '#8d9ab0';
  g.font = `${12 * dpr}px system-ui, sans-serif`;
  g.textAlign = 'center';
  g.textBaseline = 'middle';
  g.fillText(`microphone off · ${BAND_HZ[0]} Hz – ${BAND_HZ[1] / 1000} kHz appears here`, w / 2, h / 2);
}
