// The taste view: what the `taste` agent publishes (docs/agents.md) — you beside the host (the
// two track lists, similarity gauge, closest pairs, pockets, explanation) and the room blend.
// The host sees one guest at a time and can pick which.
import { app, el, displayName, isHost } from './state.js';
import { h } from './ui.js';
import { rememberTracks, trackLabel } from './tracks.js';
import { playButton } from './discover.js';

export const taste = {
  byGuest: new Map(), // guest identity → latest comparison payload
  blend: null,
  hostTracks: [],
  myTracks: [],
  shownGuest: null,
};
const listeners = new Set();
export function onTasteChange(fn) { listeners.add(fn); }

export function resetTaste() {
  taste.byGuest.clear();
  taste.blend = null;
  render();
}

/** A payload on `taste`. */
export function onTaste(p) {
  if (!p || typeof p !== 'object') return;
  if (p.room_blend && typeof p.room_blend === 'object') {
    taste.blend = p.room_blend;
    rememberTracks(p.room_blend.tracks);
    renderBlend();
    return;
  }
  if (typeof p.guest !== 'string') return;
  rememberTracks(p.host_tracks);
  rememberTracks(p.guest_tracks);
  taste.byGuest.set(p.guest, p);
  render();
}

/** The comparison to show: mine as a guest; as the host, the one picked (else the newest). */
function shown() {
  const me = app.me ? app.me.identity : null;
  if (me && taste.byGuest.has(me)) return taste.byGuest.get(me);
  if (me && (isHost(me) || !taste.byGuest.size)) {
    if (taste.shownGuest && taste.byGuest.has(taste.shownGuest)) return taste.byGuest.get(taste.shownGuest);
    const all = [...taste.byGuest.values()];
    return isHost(me) ? all[all.length - 1] || null : null;
  }
  return null;
}

function list(box, tracks) {
  box.replaceChildren(...(tracks || []).slice(0, 30).map((t) => h('li', { class: 'tl-item', dataset: { trackId: String(t.id) } },
    playButton(t), h('span', { class: 'tl-text' }, trackLabel(t)))));
}

export function render() {
  const p = shown();
  const me = app.me ? app.me.identity : null;
  const amHost = isHost(me);
  el('taste-title').textContent = amHost && p ? `Your taste beside ${displayName(p.guest)}’s` : 'Your taste beside the host’s';
  el('taste-host-title').textContent = amHost ? 'Your tracks (host)' : `${p ? displayName(p.host) : 'Host'}’s tracks`;
  el('taste-guest-title').textContent = amHost ? (p ? `${displayName(p.guest)}’s tracks` : 'Guest’s tracks') : 'Your tracks';
  renderGuestPicker(amHost);
  taste.hostTracks = p && Array.isArray(p.host_tracks) ? p.host_tracks : [];
  taste.myTracks = p && Array.isArray(p.guest_tracks) ? p.guest_tracks : [];
  list(el('taste-host'), taste.hostTracks);
  list(el('taste-guest'), taste.myTracks);
  el('taste-host-empty').hidden = taste.hostTracks.length > 0;
  el('taste-host-empty').textContent = amHost
    ? 'Your profile (the room’s host_profile and what you add) shows here once a guest is compared with you.'
    : 'The host’s profile appears here once the taste agent has compared you.';
  el('taste-guest-empty').hidden = taste.myTracks.length > 0;
  el('taste-guest-empty').textContent = amHost
    ? 'No guest has a profile yet: when one adds seeds, their tracks appear here.'
    : 'Nothing yet: every seed you add in Discover joins your profile.';

  const sim = p && Number.isFinite(p.similarity) ? Math.max(0, Math.min(1, p.similarity)) : null;
  el('taste-similarity').textContent = sim === null ? '—' : `${Math.round(sim * 100)}%`;
  el('taste-similarity').dataset.value = sim === null ? '' : String(sim);
  el('taste-gauge-fill').style.strokeDasharray = `${sim === null ? 0 : sim * 100} 100`;
  el('taste-gauge-fill').style.opacity = sim ? '1' : '0';
  el('taste-gauge').setAttribute('aria-label', sim === null ? 'Similarity not known yet' : `${Math.round(sim * 100)} percent alike`);
  el('taste-explanation').replaceChildren(p && p.explanation
    ? document.createTextNode(String(p.explanation))
    : emptyExplanation(amHost));
  el('taste-sub').textContent = p ? `by the taste agent` : '';

  const matches = p && Array.isArray(p.matches) ? p.matches : [];
  const pockets = p && Array.isArray(p.pockets) ? p.pockets : [];
  el('taste-details').hidden = !matches.length && !pockets.length;
  el('taste-matches').replaceChildren(...matches.map((m) => h('li', { class: 'match' },
    h('span', null, trackLabel(m.host_track)),
    h('span', { class: 'match-arrow', 'aria-label': 'matches' }, ' ↔ '),
    h('span', null, trackLabel(m.guest_track)),
    Number.isFinite(m.score) ? h('span', { class: 'match-score' }, ` ${m.score.toFixed(2)}`) : null)));
  el('taste-pockets').replaceChildren(...pockets.map((k) => h('li', { class: `pocket${k.shared ? ' pocket-shared' : ''}` },
    h('strong', null, String(k.label ?? 'pocket')),
    h('span', { class: 'muted' }, ` host ${k.host ?? 0} · ${amHost ? 'guest' : 'you'} ${k.guest ?? 0}${k.shared ? ' · shared' : ''}`))));
  renderBlend();
  for (const fn of listeners) fn();
}

function emptyExplanation(amHost) {
  const f = document.createDocumentFragment();
  if (amHost) {
    f.append('When a guest adds tracks they like, the taste agent compares them with yours and the result shows here.');
  } else {
    f.append('Add a few tracks you like in ', h('strong', null, 'Discover'), ' (or connect Spotify): the taste agent compares them with the host’s and the result shows here.');
  }
  return f;
}

function renderGuestPicker(amHost) {
  let picker = el('taste-guest-picker');
  const guests = [...taste.byGuest.keys()];
  if (!amHost || guests.length < 2) { if (picker) picker.remove(); return; }
  if (!picker) {
    picker = h('select', { id: 'taste-guest-picker', 'aria-label': 'Guest to compare with', onchange: (e) => { taste.shownGuest = e.target.value; render(); } });
    el('taste-sub').after(picker);
  }
  const cur = shown()?.guest;
  picker.replaceChildren(...guests.map((g) => h('option', { value: g, selected: g === cur }, displayName(g))));
}

function renderBlend() {
  const b = taste.blend;
  const pockets = b && Array.isArray(b.pockets) ? b.pockets : [];
  const tracks = b && Array.isArray(b.tracks) ? b.tracks : [];
  const n = b && Array.isArray(b.participants) ? b.participants.length : 0;
  el('blend-sub').textContent = b ? `${n} ${n === 1 ? 'person' : 'people'}${Number.isFinite(b.cohesion) ? ` · cohesion ${Math.round(b.cohesion * 100)}%` : ''}` : '';
  el('blend-pockets').replaceChildren(...pockets.slice(0, 8).map((k) => h('li', { class: `pocket${k.shared_by > 1 ? ' pocket-shared' : ''}` },
    h('strong', null, String(k.label ?? 'pocket')),
    h('span', { class: 'muted' }, ` shared by ${k.shared_by ?? 0}`))));
  list(el('blend-tracks'), tracks.slice(0, 8));
  el('blend-empty').hidden = !!b && (pockets.length > 0 || tracks.length > 0);
}
