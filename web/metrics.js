// The right-hand column's numbers: the browser's own ping (last RTT, avg / min / max / jitter
// over the last minute, sparkline) and the server's periodic `metrics` report.
import { app, el } from './state.js';
import { setNetworkQuality } from './participants.js';
import { h, fmtMs, fmtUs, fmtBytes, fmtRate, timeAgo, Sparkline } from './ui.js';

const PING_WINDOW = 60;

const spark = new Sparkline(el('ping-spark'), PING_WINDOW);

/** Clears both panels for a new session. */
export function resetLatencyPanels() {
  app.rtts = [];
  spark.clear();
  app.metricsAt = 0;
  el('metrics').hidden = true;
  el('metrics-empty').hidden = false;
  el('metrics-age').textContent = '';
  renderPing(null);
}

/** The canvas has no size while its view is hidden, so redraw once it is shown or resized. */
export function drawPingChart() {
  spark.draw();
}

/** RoomClient's `rtt` event: one ping round trip measured by the browser. */
export function onRtt({ rtt }) {
  if (!Number.isFinite(rtt) || rtt < 0) return;
  app.rtts.push(rtt);
  if (app.rtts.length > PING_WINDOW) app.rtts.shift();
  spark.push(rtt);
  spark.draw();
  renderPing(rtt);
}

function renderPing(last) {
  const s = app.rtts;
  el('ping-last').textContent = last === null ? '—' : fmtMs(last);
  if (!s.length) {
    for (const id of ['ping-avg', 'ping-min', 'ping-max', 'ping-jitter']) el(id).textContent = '—';
    return;
  }
  const avg = s.reduce((a, b) => a + b, 0) / s.length;
  let jitter = 0;
  for (let i = 1; i < s.length; i++) jitter += Math.abs(s[i] - s[i - 1]);
  jitter = s.length > 1 ? jitter / (s.length - 1) : 0;
  el('ping-avg').textContent = fmtMs(avg);
  el('ping-min').textContent = fmtMs(Math.min(...s));
  el('ping-max').textContent = fmtMs(Math.max(...s));
  el('ping-jitter').textContent = fmtMs(jitter);
}

/** A `metrics` message from the server. */
export function renderMetrics(m) {
  app.metricsAt = Date.now();
  el('metrics').hidden = false;
  el('metrics-empty').hidden = true;
  el('metrics-age').textContent = 'just now';
  el('m-rtt').textContent = Number.isFinite(m.rtt_ms) ? fmtMs(m.rtt_ms) : 'pending';
  el('m-rtt-help').hidden = false;
  const q = el('m-quality');
  q.replaceChildren(h('span', { class: 'quality', dataset: { quality: String(m.quality || 'unknown') } }, String(m.quality ?? '—')));
  el('m-dropped').textContent = Number.isFinite(m.dropped_lossy) ? String(m.dropped_lossy) : '—';

  const lat = m.publish_latency_us || {};
  el('m-p50').textContent = fmtUs(lat.p50);
  el('m-p90').textContent = fmtUs(lat.p90);
  el('m-p99').textContent = fmtUs(lat.p99);
  el('m-max').textContent = fmtUs(lat.max);
  el('m-lat-count').textContent = Number.isFinite(lat.count) ? `${lat.count} sends` : '';

  const rows = Object.entries(m.topics || {}).sort(([a], [b]) => a.localeCompare(b)).map(([topic, t]) => h('tr', null,
    h('th', { scope: 'row' }, topic),
    h('td', null, String(t.messages ?? '—')),
    h('td', null, fmtBytes(t.bytes)),
    h('td', null, fmtRate(t.messages_per_s, '')),
    h('td', null, fmtRate(t.bytes_per_s, ''))));
  el('m-topics').replaceChildren(...(rows.length ? rows : [h('tr', null, h('td', { colspan: '5', class: 'muted' }, 'No topics yet'))]));

  setNetworkQuality(m.participants);
}

/** Called every second, so a stalled report shows its age instead of a stale "just now". */
export function refreshMetricsAge() {
  if (!app.metricsAt) return;
  const age = Date.now() - app.metricsAt;
  el('metrics-age').textContent = age < 1500 ? 'just now' : `updated ${timeAgo(app.metricsAt)}`;
}
