// "In the room": the room header (name, head count, host) and the participant list with the
// you / host / agent badges, attributes, metadata and the server-measured network badge.
// Presence messages (participant_joined / _left / _updated, room_updated) land here; in a
// crowded room the count and the pages come from crowd.js.
import { LEAVE_REASONS } from './protocol.js';
import { app, el, displayName, isHost } from './state.js';
import { addEvent } from './notices.js';
import { fillProfile } from './profile.js';
import { h, fmtClock, fmtMs, hueFor, initials } from './ui.js';
import { nowPlayingLine, forgetNowPlaying, refreshNowPlaying } from './nowplaying.js';
import { crowd, renderPaging } from './crowd.js';

/** How long someone who left stays in the list, greyed out with the reason. */
const LEFT_LINGER_MS = 6000;

export function onParticipantJoined(p) {
  if (!p || p.identity === undefined) return;
  const l = app.leaving.get(p.identity);
  if (l) { clearTimeout(l.timer); app.leaving.delete(p.identity); }
  app.people.set(p.identity, p);
  addEvent('join', `${p.name || p.identity} joined${p.kind === 'agent' ? ' (agent)' : ''}`);
  renderPeople();
  refreshNowPlaying();
  renderRoomHeader();
}

export function onParticipantLeft(p, reason) {
  if (!p) return;
  const known = app.people.get(p.identity) || p;
  app.people.delete(p.identity);
  app.net.delete(p.identity);
  const prev = app.leaving.get(p.identity);
  if (prev) clearTimeout(prev.timer);
  const why = LEAVE_REASONS[reason] || reason || 'left';
  const timer = setTimeout(() => { app.leaving.delete(p.identity); renderPeople(); }, LEFT_LINGER_MS);
  app.leaving.set(p.identity, { participant: known, reason: why, timer });
  forgetNowPlaying(p.identity);
  addEvent('leave', `${known.name || known.identity} ${why === 'left' ? 'left' : `left (${why})`}`);
  renderPeople();
  renderRoomHeader();
}

export function onParticipantUpdated(p) {
  if (!p || p.identity === undefined) return;
  if (app.me && p.identity === app.me.identity) {
    app.me = { ...app.me, ...p };
    fillProfile(false);
  } else {
    app.people.set(p.identity, { ...(app.people.get(p.identity) || {}), ...p });
  }
  renderPeople();
}

export function onRoomUpdated(room) {
  app.room = { ...app.room, ...room };
  renderRoomHeader();
  renderPeople();
  addEvent('info', 'Room updated');
}

/** The `participants` list of a `metrics` message: RTT and quality per identity. */
export function setNetworkQuality(participants) {
  app.net.clear();
  for (const p of participants || []) if (p && p.identity !== undefined) app.net.set(p.identity, p);
  refreshNetBadges();
}

export function renderRoomHeader() {
  const r = app.room || {};
  el('room-name').textContent = r.title || r.name || '';
  // Agents are not people: the room does not count them either (num_participants). A crowded
  // room's list holds only the pages loaded so far: its count is the server's.
  const count = crowd.crowded && crowd.num !== null ? crowd.num
    : [...app.people.values()].filter((p) => p.kind !== 'agent').length + (app.me ? 1 : 0);
  const bits = [];
  if (r.title && r.name) bits.push(r.name);
  bits.push(`${count} ${count === 1 ? 'person' : 'people'}`);
  if (r.host_identity) {
    const here = app.people.has(r.host_identity) || app.me?.identity === r.host_identity;
    // In a crowded room a host not on the pages loaded may well be here: nobody announced them.
    if (here || crowd.crowded) bits.push(`hosted by ${displayName(r.host_identity)}`);
    else bits.push('the host is away: you compare with their saved taste');
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

export function renderPeople() {
  const list = el('participants');
  const items = [];
  if (app.me) items.push(personItem(app.me, { self: true }));
  for (const p of [...app.people.values()].sort(sortPeople)) items.push(personItem(p));
  for (const [, l] of app.leaving) items.push(personItem(l.participant, { left: l.reason }));
  list.replaceChildren(...items);
  renderRoomHeader();
  renderPaging();
}

function personItem(p, { self = false, left = null } = {}) {
  const identity = String(p.identity ?? '');
  const name = p.name || identity;
  const badges = [];
  if (self) badges.push(h('span', { class: 'badge badge-you' }, 'you'));
  if (isHost(identity)) badges.push(h('span', { class: 'badge badge-host' }, 'host'));
  if (p.kind === 'agent') badges.push(h('span', { class: 'badge badge-agent' }, 'agent'));
  if (left) badges.push(h('span', { class: 'badge badge-left' }, left));

  // Agents are named by their badge; their `agent.*` attributes are plumbing (the Developer view has them).
  const attrs = p.kind === 'agent' ? [] : Object.entries(p.attributes || {});
  const joined = Number.isFinite(p.joined_at_ms) ? p.joined_at_ms : Number.isFinite(p.joined_at) ? p.joined_at * 1000 : null;
  const avatar = h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(name));
  avatar.style.setProperty('--hue', String(hueFor(identity)));

  return h('li', { class: `person${self ? ' is-self' : ''}${left ? ' is-left' : ''}`, dataset: { identity, testid: 'participant' } },
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
      left ? null : nowPlayingLine(identity),
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

/** Metrics arrive every 2 s: swap only the badges instead of rebuilding the whole list. */
function refreshNetBadges() {
  for (const li of el('participants').querySelectorAll('li.person:not(.is-left)')) {
    const old = li.querySelector(':scope > .net');
    if (old) old.replaceWith(netBadge(li.dataset.identity));
  }
}
