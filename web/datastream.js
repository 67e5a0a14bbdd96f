// The "Live data" card: every `data` message and binary frame (and your own confirmed
// publishes), newest first, capped, with a topic filter, pause and clear; and the composer
// under it. Rendering is batched per animation frame so a burst of messages costs one layout.
import { app, el, displayName } from './state.js';
import { h, fmtClock, fmtBytes, renderJSON } from './ui.js';

const STREAM_CAP = 200;

export function initDataStream() {
  refreshTopicLists();
  el('composer').addEventListener('submit', onComposerSubmit);
  el('pub-body').addEventListener('keydown', onComposerKey);
  el('topic-filter').addEventListener('change', rerenderStream);
  el('stream-clear').addEventListener('click', () => {
    app.stream = [];
    app.pendingRender = [];
    el('stream').replaceChildren();
    el('stream-empty').hidden = false;
  });
  el('stream-pause').addEventListener('click', () => {
    app.paused = !app.paused;
    app.pausedNew = 0;
    el('stream-pause').setAttribute('aria-pressed', String(app.paused));
    el('stream-pause').textContent = app.paused ? 'Resume' : 'Pause';
    if (!app.paused) rerenderStream();
  });
}

/** Forgets everything received (a new session, not a resume). */
export function resetDataStream() {
  app.stream = [];
  app.streamRx = 0;
  app.topics.clear();
  app.pendingRender = [];
  el('stream').replaceChildren();
  refreshTopicLists();
  updateStreamCount();
}

/** A `data` message from the server. */
export function onData(msg) {
  addStreamEntry({
    dir: 'in', topic: String(msg.topic ?? ''), from: msg.from ?? null, seq: msg.seq,
    payload: msg.payload, reliable: msg.reliable !== false, ts: Number.isFinite(msg.ts) ? msg.ts : Date.now(),
  });
}

/** RoomClient's `binary` event: a parsed binary frame. */
export function onBinary(f) {
  addStreamEntry({ dir: 'in', topic: f.topic, from: f.from, seq: f.seq, binary: f.bytes, reliable: true, ts: f.ts });
}

function addStreamEntry(entry) {
  if (entry.dir === 'in') app.streamRx += 1;
  app.stream.unshift(entry);
  if (app.stream.length > STREAM_CAP) app.stream.length = STREAM_CAP;
  if (entry.topic && !app.topics.has(entry.topic)) {
    app.topics.add(entry.topic);
    refreshTopicLists();
  }
  updateStreamCount();
  if (app.paused) {
    app.pausedNew += 1;
    el('stream-pause').textContent = `Resume (${app.pausedNew} new)`;
    return;
  }
  if (!matchesFilter(entry)) return;
  app.pendingRender.push(entry);
  if (!app.renderScheduled) {
    app.renderScheduled = true;
    requestAnimationFrame(flushStream);
  }
}

function matchesFilter(entry) {
  const f = el('topic-filter').value;
  return !f || entry.topic === f;
}

function flushStream() {
  app.renderScheduled = false;
  const list = el('stream');
  const batch = app.pendingRender.splice(0).slice(-STREAM_CAP);
  // pendingRender is oldest → newest; prepend so the newest ends up on top.
  const frag = document.createDocumentFragment();
  for (let i = batch.length - 1; i >= 0; i--) frag.appendChild(streamItem(batch[i]));
  list.prepend(frag);
  while (list.children.length > STREAM_CAP) list.lastElementChild.remove();
  el('stream-empty').hidden = list.children.length > 0;
}

function rerenderStream() {
  app.pendingRender = [];
  const items = app.stream.filter(matchesFilter).map(streamItem);
  el('stream').replaceChildren(...items);
  el('stream-empty').hidden = items.length > 0;
}

function updateStreamCount() {
  el('stream-count').textContent = String(app.streamRx);
}

/** The filter's options and the composer's topic suggestions follow the topics seen. */
function refreshTopicLists() {
  const sel = el('topic-filter');
  const current = sel.value;
  const topics = [...app.topics].sort();
  sel.replaceChildren(h('option', { value: '' }, 'All topics'), ...topics.map((t) => h('option', { value: t }, t)));
  sel.value = topics.includes(current) ? current : '';
  const suggestions = [...new Set(['chat', 'now-playing', 'taste', ...topics])];
  el('topic-list').replaceChildren(...suggestions.map((t) => h('option', { value: t })));
}

function streamItem(e) {
  const who = e.dir === 'out' ? 'you' : displayName(e.from);
  const head = h('div', { class: 'msg-head' },
    h('time', { class: 'msg-time', datetime: new Date(e.ts).toISOString() }, fmtClock(e.ts)),
    h('span', { class: 'topic-tag' }, e.topic || '(no topic)'),
    h('span', { class: 'msg-from' }, e.dir === 'out' ? 'you →' : who,
      e.dir === 'in' && e.from && who !== e.from ? h('code', { class: 'muted' }, ` ${e.from}`) : null),
    e.destinations && e.destinations.length ? h('span', { class: 'muted' }, `to ${e.destinations.join(', ')}`) : null,
    e.reliable ? null : h('span', { class: 'badge badge-lossy' }, 'lossy'),
    h('span', { class: 'msg-seq' }, Number.isFinite(e.seq) ? `#${e.seq}` : 'sent'));
  let body;
  if (e.binary) {
    const preview = Array.from(e.binary.subarray(0, 24), (b) => b.toString(16).padStart(2, '0')).join(' ');
    body = h('pre', { class: 'json' }, `binary, ${fmtBytes(e.binary.length)}: ${preview}${e.binary.length > 24 ? ' …' : ''}`);
  } else {
    body = renderJSON(e.payload);
  }
  return h('li', { class: `msg msg-${e.dir}` }, head, body);
}

/* ── composer: publishes text (as {"text": …}) or JSON to a topic, reliable or lossy,
   optionally to some identities only. A message joins the stream only once the server
   acks it, so the stream never shows something that was refused. ── */

function payloadKind() {
  return document.querySelector('input[name="pub-kind"]:checked').value;
}

function onComposerSubmit(e) {
  e.preventDefault();
  const status = el('pub-status');
  delete status.dataset.tone;
  const fail = (text) => { status.textContent = text; status.dataset.tone = 'error'; };
  if (!app.client) return fail('Not connected.');
  const topic = el('pub-topic').value.trim();
  if (!topic) return fail('Enter a topic.');
  const body = el('pub-body').value;
  const kind = payloadKind();
  let payload;
  if (kind === 'json') {
    try { payload = JSON.parse(body); } catch (err) { return fail(`Invalid JSON: ${err.message}`); }
  } else {
    if (!body.trim()) return fail('Type a message.');
    payload = { text: body };
  }
  const destinations = el('pub-dest').value.split(',').map((s) => s.trim()).filter(Boolean);
  const reliable = el('pub-reliable').checked;
  const msg = { type: 'publish', topic, payload, reliable };
  if (destinations.length) msg.destinations = destinations;
  const id = app.client.request(msg);
  if (!id) return fail('Not connected.');
  app.pending.set(id, { kind: 'publish', topic, payload, reliable, destinations, body });
  status.textContent = 'Sending…';
  el('pub-body').value = '';
  return undefined;
}

/** Text: Enter sends, Shift+Enter breaks the line. JSON is usually multi-line: Ctrl/⌘+Enter sends. */
function onComposerKey(e) {
  if (e.key !== 'Enter' || e.isComposing) return;
  const send = payloadKind() === 'text' ? !e.shiftKey : (e.ctrlKey || e.metaKey);
  if (send) {
    e.preventDefault();
    el('composer').requestSubmit();
  }
}

/** The server's `ack` for a publish carries the seq the message took in the room. */
export function onPublishAcked(req, ack) {
  const seq = Number.isFinite(ack.seq) ? ack.seq : null;
  el('pub-status').textContent = `Sent to “${req.topic}”${seq === null ? '' : ` as #${seq}`}.`;
  addStreamEntry({
    dir: 'out', topic: req.topic, from: app.me?.identity ?? null, seq, payload: req.payload,
    reliable: req.reliable, ts: Date.now(), destinations: req.destinations,
  });
}

/** Gives the text back so a refused or unconfirmed message is not lost. */
function restoreBody(req) {
  const body = el('pub-body');
  if (!body.value) body.value = req.body;
}

export function onPublishRefused(req, text) {
  el('pub-status').textContent = `Not sent — ${text}`;
  el('pub-status').dataset.tone = 'error';
  restoreBody(req);
}

export function onPublishUnconfirmed(req, why) {
  const status = el('pub-status');
  status.textContent = `Not confirmed — ${why}.`;
  status.dataset.tone = 'error';
  restoreBody(req);
}
