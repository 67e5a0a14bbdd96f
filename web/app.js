// WaveDefect browser client: join form, participants, ping, metrics, data stream, resume.
import {
  RoomClient, fetchDevToken, decodeJwt, CLOSE_REASONS, LEAVE_REASONS, ROOM_NAME_PATTERN,
} from './protocol.js';
import {
  h, fmtClock, fmtMs, fmtUs, fmtBytes, fmtRate, timeAgo, hueFor, initials, renderJSON, Sparkline,
} from './ui.js';
import { stageCard } from './stage.js';

const STREAM_CAP = 200;
const EVENTS_CAP = 100;
const LEFT_LINGER_MS = 6000;
const PING_WINDOW = 60;
const STAGE_TOPICS = { 'now-playing': 'now-playing', taste: 'taste' };

const el = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);

const app = {
  client: null,
  join: null, // {token, source: 'dev'|'pasted', name, identity, room}
  joinedOnce: false,
  wasReconnecting: false,
  me: null,
  room: null,
  people: new Map(), // identity → participant (others)
  leaving: new Map(), // identity → {participant, reason, timer}
  net: new Map(), // identity → {rtt_ms, quality} from server metrics
  rtts: [],
  stream: [], // newest first
  streamRx: 0,
  pendingRender: [],
  renderScheduled: false,
  topics: new Set(),
  paused: false,
  pausedNew: 0,
  pending: new Map(), // request id → {kind, ...}
  metricsAt: 0,
  profileDirty: false,
  profileOriginal: {},
  reconnectInfo: null,
};

const spark = new Sparkline(el('ping-spark'), PING_WINDOW);

/* ───────────────────────── helpers ───────────────────────── */

function storageGet(key) {
  try { return localStorage.getItem(key); } catch { return null; }
}
function storageSet(key, value) {
  try { localStorage.setItem(key, value); } catch { /* private mode */ }
}

/** A per-tab random suffix so two people called "Alex" do not replace each other. */
function tabSuffix() {
  let s = null;
  try { s = sessionStorage.getItem('wd.suffix'); } catch { /* ignore */ }
  if (!s) {
    s = Math.random().toString(36).slice(2, 6);
    try { sessionStorage.setItem('wd.suffix', s); } catch { /* ignore */ }
  }
  return s;
}

function deriveIdentity(name) {
  const slug = String(name || '')
    .normalize('NFKD').replace(/[\u0300-\u036f]/g, '')
    .toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return `${slug || 'guest'}-${tabSuffix()}`;
}

function displayName(identity) {
  if (identity === null || identity === undefined) return 'server';
  if (app.me && app.me.identity === identity) return app.me.name || identity;
  const p = app.people.get(identity) || app.leaving.get(identity)?.participant;
  return (p && p.name) || identity;
}

function isHost(identity) {
  return !!(app.room && app.room.host_identity && app.room.host_identity === identity);
}

function utf8Length(s) {
  return new TextEncoder().encode(s).length;
}

/* ───────────────────────── status / banner / events ───────────────────────── */

function setStatus(state, text) {
  const pill = el('conn-status');
  pill.dataset.state = state;
  el('conn-status-text').textContent = text;
}

let bannerTimer = null;
function showBanner(text, { tone = 'error', rejoin = false, back = false, autoHideMs = 0 } = {}) {
  const b = el('banner');
  b.dataset.tone = tone;
  b.setAttribute('role', tone === 'error' || tone === 'warn' ? 'alert' : 'status');
  el('banner-text').textContent = text;
  el('rejoin-btn').hidden = !rejoin;
  el('back-btn').hidden = !back;
  b.hidden = false;
  clearTimeout(bannerTimer);
  if (autoHideMs) bannerTimer = setTimeout(hideBanner, autoHideMs);
}

function hideBanner() {
  clearTimeout(bannerTimer);
  el('banner').hidden = true;
}

function addEvent(kind, text) {
  const list = el('events');
  const li = h('li', { class: `ev ev-${kind}` },
    h('time', { datetime: new Date().toISOString() }, fmtClock(Date.now()).slice(0, 8)),
    h('span', { class: 'ev-text' }, text));
  list.prepend(li);
  while (list.children.length > EVENTS_CAP) list.lastElementChild.remove();
}

/* ───────────────────────── join form ───────────────────────── */

const joinForm = el('join-form');
const nameInput = el('join-name');
const identityInput = el('join-identity');
const roomInput = el('join-room');
const tokenInput = el('join-token');
let identityTouched = false;

function initJoinForm() {
  roomInput.pattern = ROOM_NAME_PATTERN;
  nameInput.value = params.get('name') || storageGet('wd.name') || '';
  const room = params.get('room');
  if (room) roomInput.value = room;
  const identity = params.get('identity');
  if (identity) {
    identityInput.value = identity;
    identityTouched = true;
  } else {
    identityInput.value = deriveIdentity(nameInput.value);
  }
  nameInput.addEventListener('input', () => {
    if (!identityTouched) identityInput.value = deriveIdentity(nameInput.value);
  });
  identityInput.addEventListener('input', () => {
    identityTouched = identityInput.value.trim() !== '';
  });
  tokenInput.addEventListener('input', describeToken);
  joinForm.addEventListener('submit', onJoinSubmit);
}

function describeToken() {
  const token = tokenInput.value.trim();
  const info = el('token-info');
  const usingToken = token !== '';
  for (const input of [nameInput, identityInput, roomInput]) input.disabled = usingToken;
  joinForm.classList.toggle('using-token', usingToken);
  if (!usingToken) { info.textContent = ''; return; }
  const claims = decodeJwt(token);
  if (!claims) { info.textContent = 'This does not look like a JWT (three base64url parts).'; return; }
  const room = claims.video && claims.video.room;
  const bits = [`identity “${claims.sub ?? '?'}”`, `room “${room ?? '?'}”`];
  if (claims.name) bits.push(`name “${claims.name}”`);
  if (Number.isFinite(claims.exp)) {
    const left = claims.exp * 1000 - Date.now();
    bits.push(left > 0 ? `expires in ${Math.round(left / 60000)} min` : 'EXPIRED');
  }
  info.textContent = `Token for ${bits.join(', ')}. Name, identity and room above are ignored.`;
}

function joinError(message, detail = '') {
  const box = el('join-error');
  box.replaceChildren(h('p', null, message));
  if (detail) box.appendChild(h('pre', { class: 'error-detail' }, detail));
  setJoinBusy(false);
  box.scrollIntoView({ block: 'nearest' });
}

function setJoinBusy(busy, label = 'Join room') {
  const btn = el('join-btn');
  btn.disabled = busy;
  btn.textContent = busy ? label : 'Join room';
  joinForm.setAttribute('aria-busy', busy ? 'true' : 'false');
}

async function onJoinSubmit(e) {
  e.preventDefault();
  el('join-error').replaceChildren();
  const token = tokenInput.value.trim();
  if (token) {
    const claims = decodeJwt(token);
    if (!claims) return joinError('That token is not a JWT: expected three base64url parts separated by dots.');
    if (Number.isFinite(claims.exp) && claims.exp * 1000 < Date.now() - 60_000) {
      return joinError('That token has expired. Mint a new one.');
    }
    return startSession({
      token, source: 'pasted', identity: String(claims.sub ?? ''), name: claims.name || '',
      room: (claims.video && claims.video.room) || '',
    });
  }
  const name = nameInput.value.trim();
  const identity = identityInput.value.trim() || deriveIdentity(name);
  const room = roomInput.value.trim() || 'wave-defect-lab';
  if (!name) { nameInput.focus(); return joinError('Enter a display name.'); }
  if (utf8Length(identity) > 128) { identityInput.focus(); return joinError('The identity is longer than 128 bytes.'); }
  if (!new RegExp(`^${ROOM_NAME_PATTERN}$`).test(room)) {
    roomInput.focus();
    return joinError('Room names use letters, digits, “.”, “_” and “-” (at most 128).');
  }
  storageSet('wd.name', name);
  setJoinBusy(true, 'Getting a dev token…');
  try {
    const t = await fetchDevToken({ identity, name, room });
    startSession({ token: t.token, source: 'dev', identity: t.identity, name, room: t.room });
  } catch (err) {
    joinError(err.message, err.body ? `Server said: ${err.body}` : '');
  }
}

/* ───────────────────────── session ───────────────────────── */

function resetRoomState({ keepStream = false } = {}) {
  app.me = null;
  app.room = null;
  app.people.clear();
  for (const l of app.leaving.values()) clearTimeout(l.timer);
  app.leaving.clear();
  app.net.clear();
  app.pending.clear();
  app.rtts = [];
  spark.clear();
  app.metricsAt = 0;
  el('metrics').hidden = true;
  el('metrics-empty').hidden = false;
  el('metrics-age').textContent = '';
  renderPing(null);
  if (!keepStream) {
    app.stream = [];
    app.streamRx = 0;
    app.topics.clear();
    app.pendingRender = [];
    el('stream').replaceChildren();
    el('events').replaceChildren();
    refreshTopicLists();
    updateStreamCount();
    setStage('now-playing', null);
    setStage('taste', null);
  }
}

function startSession(join, { rejoin = false } = {}) {
  if (app.client) disposeClient();
  app.join = join;
  app.wasReconnecting = false;
  if (!rejoin) {
    app.joinedOnce = false;
    resetRoomState();
  }
  setJoinBusy(true, 'Connecting…');
  setStatus('connecting', 'Connecting…');
  const client = new RoomClient(join.token);
  app.client = client;
  const mine = (fn) => (d) => { if (app.client === client) fn(d); };
  client
    .on('state', mine(onClientState))
    .on('message', mine(onMessage))
    .on('binary', mine(onBinary))
    .on('rtt', mine(onRtt))
    .on('failed', mine(onFailed))
    .on('closed', mine(onClosed));
  client.connect();
}

function disposeClient() {
  const c = app.client;
  app.client = null;
  if (c && c.state !== 'closed') c.leave();
}

function onClientState({ state, attempt, deadline }) {
  switch (state) {
    case 'connecting':
      setStatus('connecting', 'Connecting…');
      break;
    case 'open':
      setStatus('open', 'Live');
      app.reconnectInfo = null;
      break;
    case 'reconnecting':
      if (!app.wasReconnecting) {
        addEvent('warn', 'Connection dropped — reconnecting to resume the session');
        failPending('the connection dropped before the server confirmed it');
      }
      app.wasReconnecting = true;
      app.reconnectInfo = { attempt, deadline };
      renderReconnecting();
      document.body.classList.add('offline');
      break;
    case 'closed':
      app.reconnectInfo = null;
      setStatus('closed', 'Disconnected');
      break;
    default:
      break;
  }
}

/** Requests in flight when a connection ends get no ack; say so instead of "Sending…" forever. */
function failPending(why) {
  for (const req of app.pending.values()) {
    const status = el(req.kind === 'publish' ? 'pub-status' : req.kind === 'update' ? 'profile-status' : '');
    if (!status) continue;
    status.textContent = `Not confirmed — ${why}.`;
    status.dataset.tone = 'error';
    if (req.kind === 'publish' && !el('pub-body').value) el('pub-body').value = req.body;
  }
  app.pending.clear();
}

function renderReconnecting() {
  const r = app.reconnectInfo;
  if (!r) return;
  const left = Math.max(0, Math.round((r.deadline - performance.now()) / 1000));
  setStatus('reconnecting', `Reconnecting… (attempt ${r.attempt}, ${left} s left)`);
}

function onFailed({ health }) {
  const hint = {
    ok: 'The server is up but refused the WebSocket. A browser cannot read the HTTP status of a refused '
      + 'upgrade; the usual causes are an invalid or expired token (401), a token without roomJoin or a full '
      + 'room (403), or a room that does not exist and is not created on join (404).',
    shutting_down: 'The server is shutting down.',
    unreachable: 'The server cannot be reached. Is it running?',
  }[health] || `The server reported “${health}”.`;
  if (!app.joinedOnce) {
    showJoinView();
    joinError('Could not join the room.', hint);
  } else {
    showBanner(`Could not rejoin. ${hint}`, { tone: 'error', rejoin: true, back: true });
  }
  setStatus('closed', 'Not connected');
}

function onClosed({ code, reason, text, rejoinable, byUser, lost }) {
  document.body.classList.remove('offline');
  failPending('the connection closed');
  if (byUser) {
    setStatus('idle', 'Left the room');
    showJoinView();
    return;
  }
  document.body.classList.add('offline');
  const advice = CLOSE_ADVICE[code] || '';
  const message = lost
    ? `${text} Rejoin to start a new session.`
    : `Disconnected — ${reason ? `${reason}.` : text} (close code ${code})${advice ? ` ${advice}` : ''}`;
  addEvent('error', message);
  showBanner(message, { tone: 'error', rejoin: rejoinable && code !== 4000 && code !== 4004, back: true });
}

const CLOSE_ADVICE = {
  1001: 'Rejoin when the server is back.',
  4000: 'Another tab or device joined with your identity and took over.',
  4001: 'An admin removed you from the room.',
  4002: 'The room no longer exists.',
  4003: 'This connection fell too far behind and was dropped.',
  4004: 'Your session continued on another connection.',
};

async function rejoin() {
  const join = app.join;
  if (!join) return showJoinView();
  hideBanner();
  setStatus('connecting', 'Rejoining…');
  if (join.source === 'dev') {
    try {
      const t = await fetchDevToken({ identity: join.identity, name: app.me?.name || join.name, room: join.room });
      join.token = t.token;
    } catch (err) {
      setStatus('closed', 'Not connected');
      return showBanner(`Could not get a new dev token: ${err.message}`, { tone: 'error', rejoin: true, back: true });
    }
  } else {
    const claims = decodeJwt(join.token);
    if (claims && Number.isFinite(claims.exp) && claims.exp * 1000 < Date.now()) {
      return showBanner('Your token has expired; go back and paste a new one.', { tone: 'error', back: true });
    }
  }
  startSession(join, { rejoin: true });
}

function leave() {
  if (app.client) app.client.leave();
  else showJoinView();
}

function showJoinView() {
  document.body.classList.remove('offline', 'in-room');
  el('room-view').hidden = true;
  el('join-view').hidden = false;
  el('leave-btn').hidden = true;
  el('copy-link-btn').hidden = true;
  el('room-summary').hidden = true;
  hideBanner();
  setJoinBusy(false);
  app.joinedOnce = false;
}

function showRoomView() {
  document.body.classList.add('in-room');
  el('join-view').hidden = true;
  el('room-view').hidden = false;
  el('leave-btn').hidden = false;
  el('copy-link-btn').hidden = false;
  el('room-summary').hidden = false;
  setJoinBusy(false);
  requestAnimationFrame(() => spark.draw());
}

/* ───────────────────────── messages ───────────────────────── */

function onMessage(msg) {
  switch (msg.type) {
    case 'joined': return onJoined(msg);
    case 'resumed': return onResumed(msg);
    case 'participant_joined': return onParticipantJoined(msg.participant);
    case 'participant_left': return onParticipantLeft(msg.participant, msg.reason);
    case 'participant_updated': return onParticipantUpdated(msg.participant);
    case 'room_updated':
      app.room = { ...app.room, ...msg.room };
      renderRoomHeader();
      renderPeople();
      addEvent('info', 'Room updated');
      return undefined;
    case 'data':
      return addStreamEntry({
        dir: 'in', topic: String(msg.topic ?? ''), from: msg.from ?? null, seq: msg.seq,
        payload: msg.payload, reliable: msg.reliable !== false, ts: Number.isFinite(msg.ts) ? msg.ts : Date.now(),
      });
    case 'metrics': return renderMetrics(msg);
    case 'ack': return onAck(msg);
    case 'error': return onServerError(msg);
    default: return undefined; // pong handled by RoomClient; unknown types ignored
  }
}

function onJoined(msg) {
  const first = !app.joinedOnce;
  const fresh = !msg.resumed;
  app.room = msg.room || {};
  app.me = msg.participant || null;
  app.people.clear();
  for (const p of msg.participants || []) if (p && p.identity !== undefined) app.people.set(p.identity, p);
  app.joinedOnce = true;
  document.body.classList.remove('offline');
  if (first) {
    showRoomView();
    fillProfile(true);
    addEvent('join', `Joined ${app.room.name} as ${app.me?.name || app.me?.identity}`);
    const url = new URL(location.href);
    if (app.room.name && url.searchParams.get('room') !== app.room.name) {
      url.searchParams.set('room', app.room.name);
      history.replaceState(null, '', url);
    }
  } else if (fresh && app.wasReconnecting) {
    showBanner('Reconnected as a new session: the old one had expired, so messages sent meanwhile were not replayed.',
      { tone: 'warn' });
    addEvent('warn', 'Reconnected without resume (new session)');
    fillProfile(true);
  } else if (fresh) {
    hideBanner();
    addEvent('join', 'Rejoined the room');
    fillProfile(true);
  }
  app.wasReconnecting = false;
  renderRoomHeader();
  renderPeople();
  app.client.request({ type: 'metrics', enabled: true, interval_ms: 2000 });
}

function onResumed(msg) {
  const n = Number(msg.replayed) || 0;
  const gapTopics = Array.isArray(msg.gap_topics) ? msg.gap_topics : [];
  const gapText = msg.gap ? `gap: messages lost on ${gapTopics.join(', ') || 'some topics'}` : 'gap: none';
  const text = `Resumed — replayed ${n} message${n === 1 ? '' : 's'} (seq ${msg.last_seq}→${msg.seq}), ${gapText}.`;
  addEvent(msg.gap ? 'warn' : 'info', text);
  showBanner(text, { tone: msg.gap ? 'warn' : 'ok', autoHideMs: msg.gap ? 0 : 8000 });
}

function onParticipantJoined(p) {
  if (!p || p.identity === undefined) return;
  const l = app.leaving.get(p.identity);
  if (l) { clearTimeout(l.timer); app.leaving.delete(p.identity); }
  app.people.set(p.identity, p);
  addEvent('join', `${p.name || p.identity} joined${p.kind === 'agent' ? ' (agent)' : ''}`);
  renderPeople();
  renderRoomHeader();
}

function onParticipantLeft(p, reason) {
  if (!p) return;
  const known = app.people.get(p.identity) || p;
  app.people.delete(p.identity);
  app.net.delete(p.identity);
  const prev = app.leaving.get(p.identity);
  if (prev) clearTimeout(prev.timer);
  const why = LEAVE_REASONS[reason] || reason || 'left';
  const timer = setTimeout(() => { app.leaving.delete(p.identity); renderPeople(); }, LEFT_LINGER_MS);
  app.leaving.set(p.identity, { participant: known, reason: why, timer });
  addEvent('leave', `${known.name || known.identity} ${why === 'left' ? 'left' : `left (${why})`}`);
  renderPeople();
  renderRoomHeader();
}

function onParticipantUpdated(p) {
  if (!p || p.identity === undefined) return;
  if (app.me && p.identity === app.me.identity) {
    app.me = { ...app.me, ...p };
    fillProfile(false);
  } else {
    app.people.set(p.identity, { ...(app.people.get(p.identity) || {}), ...p });
  }
  renderPeople();
}

function onAck(msg) {
  const req = app.pending.get(msg.id);
  if (!req) return;
  app.pending.delete(msg.id);
  if (req.kind === 'publish') {
    el('pub-status').textContent = `Sent to “${req.topic}”.`;
    addStreamEntry({
      dir: 'out', topic: req.topic, from: app.me?.identity ?? null, seq: null, payload: req.payload,
      reliable: req.reliable, ts: Date.now(), destinations: req.destinations,
    });
  } else if (req.kind === 'update') {
    app.profileDirty = false;
    fillProfile(true);
    el('profile-status').textContent = 'Saved.';
  }
}

function onServerError(msg) {
  const req = msg.id !== undefined ? app.pending.get(msg.id) : null;
  if (req) app.pending.delete(msg.id);
  const code = String(msg.code ?? 'error');
  const text = `${code}: ${msg.message ?? ''}`;
  addEvent('error', `Server error — ${text}`);
  if (req && req.kind === 'publish') {
    el('pub-status').textContent = `Not sent — ${text}`;
    el('pub-status').dataset.tone = 'error';
    const body = el('pub-body');
    if (!body.value) body.value = req.body;
  } else if (req && req.kind === 'update') {
    el('profile-status').textContent = code === 'forbidden'
      ? `Not saved — your token does not allow updating your own profile (${text}).`
      : `Not saved — ${text}`;
    el('profile-status').dataset.tone = 'error';
  } else {
    showBanner(`Server error — ${text}`, { tone: 'warn', autoHideMs: 8000 });
  }
}

/* ───────────────────────── room header + people ───────────────────────── */

function renderRoomHeader() {
  const r = app.room || {};
  el('room-name').textContent = r.title || r.name || '';
  const count = app.people.size + (app.me ? 1 : 0);
  const bits = [];
  if (r.title && r.name) bits.push(r.name);
  bits.push(`${count} ${count === 1 ? 'person' : 'people'}`);
  if (r.host_identity) {
    const here = app.people.has(r.host_identity) || app.me?.identity === r.host_identity;
    bits.push(`host: ${displayName(r.host_identity)}${here ? '' : ' (not here)'}`);
  }
  el('room-meta').textContent = bits.join(' · ');
  el('people-count').textContent = String(count);
  el('room-desc').textContent = roomDescription(r.metadata);
  el('room-desc').hidden = !el('room-desc').textContent;
  document.title = `${r.name || 'Room'} — WaveDefect`;
}

/** Room metadata is free text; show its "description" when it is JSON with one. */
function roomDescription(metadata) {
  if (typeof metadata !== 'string' || !metadata) return '';
  try {
    const m = JSON.parse(metadata);
    if (m && typeof m === 'object') return typeof m.description === 'string' ? m.description : '';
  } catch { /* plain text */ }
  return metadata.length > 200 ? `${metadata.slice(0, 200)}…` : metadata;
}

function sortPeople(a, b) {
  const rank = (p) => (isHost(p.identity) ? 0 : p.kind === 'agent' ? 2 : 1);
  return rank(a) - rank(b) || (a.joined_at_ms || 0) - (b.joined_at_ms || 0)
    || String(a.identity).localeCompare(String(b.identity));
}

function renderPeople() {
  const list = el('participants');
  const items = [];
  if (app.me) items.push(personItem(app.me, { self: true }));
  for (const p of [...app.people.values()].sort(sortPeople)) items.push(personItem(p));
  for (const [, l] of app.leaving) items.push(personItem(l.participant, { left: l.reason }));
  list.replaceChildren(...items);
  renderRoomHeader();
}

function personItem(p, { self = false, left = null } = {}) {
  const identity = String(p.identity ?? '');
  const name = p.name || identity;
  const badges = [];
  if (self) badges.push(h('span', { class: 'badge badge-you' }, 'you'));
  if (isHost(identity)) badges.push(h('span', { class: 'badge badge-host' }, 'host'));
  if (p.kind === 'agent') badges.push(h('span', { class: 'badge badge-agent' }, 'agent'));
  if (left) badges.push(h('span', { class: 'badge badge-left' }, left));

  const attrs = Object.entries(p.attributes || {});
  const joined = Number.isFinite(p.joined_at_ms) ? p.joined_at_ms : Number.isFinite(p.joined_at) ? p.joined_at * 1000 : null;
  const avatar = h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(name));
  avatar.style.setProperty('--hue', String(hueFor(identity)));

  return h('li', { class: `person${self ? ' is-self' : ''}${left ? ' is-left' : ''}`, dataset: { identity } },
    avatar,
    h('div', { class: 'person-main' },
      h('div', { class: 'person-line' }, h('strong', { class: 'person-name' }, name), ...badges),
      h('div', { class: 'person-id' },
        h('code', null, identity),
        joined ? h('span', { class: 'muted', title: new Date(joined).toLocaleString() }, ` · since ${fmtClock(joined).slice(0, 5)}`) : null),
      attrs.length
        ? h('ul', { class: 'chips', 'aria-label': 'attributes' },
          attrs.map(([k, v]) => h('li', { class: 'chip' }, h('span', { class: 'chip-k' }, k), h('span', { class: 'chip-v' }, String(v)))))
        : null,
      p.metadata ? h('div', { class: 'person-meta', title: String(p.metadata) }, String(p.metadata)) : null),
    left ? null : netBadge(identity));
}

function netBadge(identity) {
  const n = app.net.get(identity);
  const quality = n ? String(n.quality || 'unknown') : 'unknown';
  const hasRtt = n && Number.isFinite(n.rtt_ms);
  const rtt = hasRtt ? fmtMs(n.rtt_ms) : 'not measured yet';
  return h('span', {
    class: 'net', dataset: { quality }, title: `Server-measured RTT: ${rtt}; quality: ${quality}`,
  }, h('span', { class: 'net-dot', 'aria-hidden': 'true' }),
  h('span', { class: 'net-rtt' }, hasRtt ? fmtMs(n.rtt_ms) : (n ? quality : '')),
  h('span', { class: 'sr-only' }, hasRtt ? `, quality ${quality}` : ''));
}

function refreshNetBadges() {
  for (const li of el('participants').querySelectorAll('li.person:not(.is-left)')) {
    const old = li.querySelector(':scope > .net');
    if (old) old.replaceWith(netBadge(li.dataset.identity));
  }
}

/* ───────────────────────── profile (update) ───────────────────────── */

function attrRow(k = '', v = '') {
  const row = h('div', { class: 'attr-row' });
  const key = h('input', { class: 'attr-k', value: k, placeholder: 'key', 'aria-label': 'Attribute key', spellcheck: 'false' });
  const val = h('input', { class: 'attr-v', value: v, placeholder: 'value', 'aria-label': 'Attribute value', spellcheck: 'false' });
  const del = h('button', {
    class: 'btn btn-ghost btn-small', type: 'button', 'aria-label': 'Remove attribute',
    onclick: () => { row.remove(); app.profileDirty = true; },
  }, '✕');
  row.append(key, val, del);
  return row;
}

function fillProfile(force) {
  if (!app.me || (app.profileDirty && !force)) return;
  el('profile-name').value = app.me.name || '';
  el('profile-metadata').value = app.me.metadata || '';
  app.profileOriginal = { ...(app.me.attributes || {}) };
  const rows = Object.entries(app.profileOriginal).map(([k, v]) => attrRow(k, String(v)));
  el('attr-rows').replaceChildren(...rows);
  app.profileDirty = false;
}

function onProfileSubmit(e) {
  e.preventDefault();
  const status = el('profile-status');
  delete status.dataset.tone;
  if (!app.client) return;
  const attributes = {};
  for (const row of el('attr-rows').querySelectorAll('.attr-row')) {
    const k = row.querySelector('.attr-k').value.trim();
    if (k) attributes[k] = row.querySelector('.attr-v').value;
  }
  for (const k of Object.keys(app.profileOriginal)) if (!(k in attributes)) attributes[k] = '';
  const update = {
    type: 'update',
    name: el('profile-name').value.trim(),
    metadata: el('profile-metadata').value,
    attributes,
  };
  const id = app.client.request(update);
  if (!id) { status.textContent = 'Not connected.'; status.dataset.tone = 'error'; return; }
  app.pending.set(id, { kind: 'update' });
  status.textContent = 'Saving…';
}

/* ───────────────────────── ping ───────────────────────── */

function onRtt({ rtt }) {
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

/* ───────────────────────── metrics ───────────────────────── */

function renderMetrics(m) {
  app.metricsAt = Date.now();
  el('metrics').hidden = false;
  el('metrics-empty').hidden = true;
  el('metrics-age').textContent = 'just now';
  el('m-rtt').textContent = Number.isFinite(m.rtt_ms) ? fmtMs(m.rtt_ms) : 'pending';
  el('m-rtt-help').hidden = Number.isFinite(m.rtt_ms);
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

  app.net.clear();
  for (const p of m.participants || []) if (p && p.identity !== undefined) app.net.set(p.identity, p);
  refreshNetBadges();
}

/* ───────────────────────── data stream ───────────────────────── */

function onBinary(f) {
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
  updateStage(entry);
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

/* ───────────────────────── composer ───────────────────────── */

function onComposerSubmit(e) {
  e.preventDefault();
  const status = el('pub-status');
  delete status.dataset.tone;
  const fail = (text) => { status.textContent = text; status.dataset.tone = 'error'; };
  if (!app.client) return fail('Not connected.');
  const topic = el('pub-topic').value.trim();
  if (!topic) return fail('Enter a topic.');
  const body = el('pub-body').value;
  const kind = document.querySelector('input[name="pub-kind"]:checked').value;
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

function onComposerKey(e) {
  if (e.key !== 'Enter' || e.isComposing) return;
  const kind = document.querySelector('input[name="pub-kind"]:checked').value;
  const send = kind === 'text' ? !e.shiftKey : (e.ctrlKey || e.metaKey);
  if (send) {
    e.preventDefault();
    el('composer').requestSubmit();
  }
}

/* ───────────────────────── stage: now playing + taste ───────────────────────── */

function stageKind(topic) {
  for (const [suffix, kind] of Object.entries(STAGE_TOPICS)) {
    if (topic === suffix || topic.endsWith(`.${suffix}`)) return kind;
  }
  return null;
}

function updateStage(entry) {
  if (entry.binary || !entry.topic) return;
  const kind = stageKind(entry.topic);
  if (kind) setStage(kind, entry);
}

function setStage(kind, entry) {
  const box = el(kind === 'now-playing' ? 'now-playing' : 'taste');
  if (!entry) {
    box.replaceChildren(h('p', { class: 'empty' }, kind === 'now-playing' ? 'Nothing playing yet' : 'No taste comparison yet'));
    return;
  }
  const p = entry.payload;
  const card = stageCard(kind, p);
  const who = entry.dir === 'out' ? 'you' : displayName(entry.from);
  box.replaceChildren(
    card || renderJSON(p),
    h('p', { class: 'stage-from muted' }, `from ${who}${isHost(entry.from) ? ' (host)' : ''} · ${fmtClock(entry.ts).slice(0, 8)} · ${entry.topic}`));
}

/* ───────────────────────── wiring ───────────────────────── */

function copyRoomLink() {
  const name = app.room?.name || app.join?.room || '';
  const url = `${location.origin}${location.pathname}?room=${encodeURIComponent(name)}`;
  const done = (ok) => {
    el('copy-link-btn').textContent = ok ? 'Link copied' : 'Copy failed';
    setTimeout(() => { el('copy-link-btn').textContent = 'Copy room link'; }, 2000);
    if (!ok) showBanner(`Room link: ${url}`, { tone: 'info' });
  };
  if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(url).then(() => done(true), () => done(false));
  else done(false);
}

function tick() {
  if (app.metricsAt) {
    const age = Date.now() - app.metricsAt;
    el('metrics-age').textContent = age < 1500 ? 'just now' : `updated ${timeAgo(app.metricsAt)}`;
  }
  if (app.reconnectInfo) renderReconnecting();
}

function init() {
  initJoinForm();
  refreshTopicLists();
  el('leave-btn').addEventListener('click', leave);
  el('rejoin-btn').addEventListener('click', rejoin);
  el('back-btn').addEventListener('click', () => { disposeClient(); showJoinView(); setStatus('idle', 'Not connected'); });
  el('banner-close').addEventListener('click', hideBanner);
  el('copy-link-btn').addEventListener('click', copyRoomLink);
  el('profile-form').addEventListener('submit', onProfileSubmit);
  el('profile-form').addEventListener('input', () => { app.profileDirty = true; });
  el('attr-add').addEventListener('click', () => {
    const row = attrRow();
    el('attr-rows').appendChild(row);
    row.querySelector('input').focus();
    app.profileDirty = true;
  });
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
  window.addEventListener('resize', () => spark.draw());
  setInterval(tick, 1000);

  if (params.get('autojoin') === '1') {
    if (!nameInput.value.trim()) {
      nameInput.value = `Guest ${Math.floor(1000 + Math.random() * 9000)}`;
      if (!identityTouched) identityInput.value = deriveIdentity(nameInput.value);
    }
    joinForm.requestSubmit();
  } else {
    (nameInput.value ? roomInput : nameInput).focus();
  }
}

init();

// Exposed for debugging from the console (read-only use).
window.wavedefect = { app, CLOSE_REASONS };
