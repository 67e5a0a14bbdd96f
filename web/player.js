// The player: one HTMLAudioElement playing `GET /api/tracks/{id}/audio` (the server answers
// Range requests, so seeking works), routed through a Web Audio AnalyserNode whose spectrum
// the visualizer canvas draws while the track plays. The AudioContext is created on the first
// play, which always follows a click or key press (browsers refuse to start audio otherwise).
import { el } from './state.js';
import { Painter, rgba } from './gl.js';
import { fmtDuration, trackLabel } from './tracks.js';

const audio = el('audio');
const canvas = el('audio-visualizer');
const painter = new Painter(canvas);
let ctx = null;
let analyser = null;
let bins = null;
let current = null; // {id, title, artist}
let frame = 0;
let sounding = false; // between the element's `playing` and the next pause / stall / error
const listeners = new Set();

/** fn(trackId | null, state) whenever the playing track or its state changes. */
export function onPlayerChange(fn) { listeners.add(fn); }

function notify() {
  // `paused` turns false as soon as play() is called; only the `playing` event says sound flows.
  const state = !current ? 'idle' : sounding ? 'playing' : audio.paused ? 'paused' : 'loading';
  el('audio-visualizer').closest('.player-card').dataset.state = audio.error ? 'error' : state;
  for (const fn of listeners) fn(current ? current.id : null, state);
  const btn = el('player-toggle');
  btn.disabled = !current;
  const pausable = state === 'playing' || state === 'loading';
  btn.textContent = pausable ? '❚❚' : '▶';
  btn.setAttribute('aria-label', pausable ? 'Pause' : 'Play');
}

export function currentTrackId() { return current ? current.id : null; }
export function isPlaying() { return !!current && !audio.paused; }

function ensureGraph() {
  if (ctx) return;
  const Ctx = window.AudioContext || window.webkitAudioContext;
  if (!Ctx) return;
  ctx = new Ctx();
  const source = ctx.createMediaElementSource(audio);
  analyser = ctx.createAnalyser();
  analyser.fftSize = 256;
  analyser.smoothingTimeConstant = 0.75;
  bins = new Uint8Array(analyser.frequencyBinCount);
  source.connect(analyser);
  analyser.connect(ctx.destination);
}

/** Plays a catalog track, or pauses it when it is the one playing. */
export function playTrack(track) {
  if (!track || !Number.isInteger(track.id)) return;
  ensureGraph();
  if (ctx && ctx.state === 'suspended') ctx.resume().catch(() => {});
  if (current && current.id === track.id) {
    if (audio.paused) audio.play().catch(showPlayError); else audio.pause();
    return;
  }
  current = { id: track.id, title: track.title, artist: track.artist };
  audio.src = `/api/tracks/${track.id}/audio`;
  el('player-title-text').textContent = track.title || `Track ${track.id}`;
  el('player-artist').textContent = track.artist || '';
  el('player-sub').textContent = 'loading…';
  audio.play().catch(showPlayError);
  notify();
}

function showPlayError(err) {
  if (err && err.name === 'AbortError') return; // replaced by another track
  el('player-sub').textContent = 'could not play';
  el('player-artist').textContent = err && err.name === 'NotAllowedError'
    ? 'The browser blocked playback: press ▶ again.'
    : `This track cannot be played (${trackLabel(current)}).`;
  notify();
}

export function initPlayer() {
  el('player-toggle').addEventListener('click', () => { if (current) playTrack(current); });
  const seek = el('player-seek');
  seek.addEventListener('input', () => {
    if (Number.isFinite(audio.duration) && audio.duration > 0) audio.currentTime = (seek.value / 1000) * audio.duration;
  });
  audio.addEventListener('playing', () => { sounding = true; el('player-sub').textContent = 'playing'; notify(); startDrawing(); });
  audio.addEventListener('pause', () => {
    sounding = false;
    if (!audio.error) el('player-sub').textContent = audio.ended ? 'ended' : 'paused';
    notify();
  });
  audio.addEventListener('waiting', () => { sounding = false; el('player-sub').textContent = 'buffering…'; notify(); });
  audio.addEventListener('emptied', () => { sounding = false; });
  audio.addEventListener('error', () => {
    sounding = false;
    if (!current) return;
    const code = audio.error ? audio.error.code : 0;
    el('player-sub').textContent = 'unavailable';
    el('player-artist').textContent = code === 4
      ? 'The server has no playable file for this track (it may have been removed).'
      : 'The audio could not be loaded.';
    notify();
  });
  audio.addEventListener('timeupdate', renderProgress);
  audio.addEventListener('durationchange', renderProgress);
  window.addEventListener('resize', () => drawBars(null));
  drawBars(null);
}

function renderProgress() {
  const d = audio.duration;
  const seek = el('player-seek');
  seek.disabled = !Number.isFinite(d) || d <= 0;
  el('player-pos').textContent = fmtDuration(audio.currentTime * 1000);
  el('player-dur').textContent = Number.isFinite(d) ? fmtDuration(d * 1000) : '0:00';
  if (Number.isFinite(d) && d > 0) seek.value = String(Math.round((audio.currentTime / d) * 1000));
}

function startDrawing() {
  if (frame) return;
  const loop = () => {
    if (analyser && !audio.paused) analyser.getByteFrequencyData(bins);
    drawBars(analyser && !audio.paused ? bins : null);
    frame = audio.paused ? 0 : requestAnimationFrame(loop);
    if (!frame) drawBars(null);
  };
  frame = requestAnimationFrame(loop);
}

const BG = rgba('#0f1521');
const LOW = rgba('#38bdf8');
const HIGH = rgba('#a78bfa');

/** Spectrum bars, or a flat baseline when nothing plays. */
function drawBars(data) {
  if (!painter.resize()) return;
  painter.clear(BG);
  const w = painter.width;
  const ht = painter.height;
  const n = 48;
  const gap = 2;
  const bw = (w - gap * (n - 1)) / n;
  const rects = [];
  for (let i = 0; i < n; i++) {
    // Lower bins carry most of the energy: spread the bars over the first ~70 % of them.
    const v = data ? data[Math.floor((i / n) * data.length * 0.7)] / 255 : 0;
    const bh = Math.max(2, v * (ht - 4));
    const t = i / (n - 1);
    const c = LOW.map((x, k) => x + (HIGH[k] - x) * t);
    rects.push(i * (bw + gap), ht - bh, bw, bh, c[0], c[1], c[2], data ? 0.95 : 0.35);
  }
  painter.rects(rects);
}
