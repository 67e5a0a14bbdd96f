// Discover: fuzzy catalog search (`/api/tracks?q=`) to pick seeds, and the recommender's
// answers on `recs` steered with `recs.control` (seeds, thumbs, knobs, more; docs/agents.md).
// The page keeps the seeds, thumbs and knobs itself, so a new session (after a dropped
// connection that could not resume) sends them again and the list comes back as it was.
import { app, el } from './state.js';
import { h, youtubeLink } from './ui.js';
import { rememberTracks, knownTrack, trackLabel } from './tracks.js';
import { playTrack, onPlayerChange, currentTrackId, isPlaying } from './player.js';

export const discover = {
  seeds: [], // track ids, in the order added
  downed: new Set(), // thumbed down: never shown again
  upped: new Set(),
  knobs: { breadth: 0.5, explore: 0.3 },
  recs: [], // [{id, title, artist, score, why}]
};
const changeListeners = new Set();
/** fn() after seeds or recommendations change (the map redraws its highlights). */
export function onDiscoverChange(fn) { changeListeners.add(fn); }
function changed() { for (const fn of changeListeners) fn(); }

let searchSeq = 0;
let searchTimer = 0;
let knobTimer = 0;

export function initDiscover() {
  const input = el('catalog-search');
  input.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(runSearch, 180);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') { e.preventDefault(); clearTimeout(searchTimer); runSearch(); }
    if (e.key === 'ArrowDown') { const b = el('search-results').querySelector('button'); if (b) { e.preventDefault(); b.focus(); } }
    if (e.key === 'Escape') { input.value = ''; runSearch(); }
  });
  for (const name of ['breadth', 'explore']) {
    const knob = el(`knob-${name}`);
    knob.value = String(discover.knobs[name]);
    el(`knob-${name}-out`).textContent = Number(knob.value).toFixed(2);
    knob.addEventListener('input', () => {
      discover.knobs[name] = Number(knob.value);
      el(`knob-${name}-out`).textContent = discover.knobs[name].toFixed(2);
      clearTimeout(knobTimer);
      knobTimer = setTimeout(() => sendControl({ knobs: { ...discover.knobs } }, 'Re-ranking…'), 150);
    });
  }
  el('recs-more').addEventListener('click', () => sendControl({ more: true }, 'Fetching more…'));
  onPlayerChange(renderPlayButtons);
  renderSeeds();
  renderRecs();
}

async function runSearch() {
  const q = el('catalog-search').value.trim();
  const seq = ++searchSeq;
  const status = el('search-status');
  if (!q) {
    el('search-results').replaceChildren();
    status.textContent = 'Type a few letters (typos are fine) and add what you like as a seed.';
    return;
  }
  status.textContent = 'Searching…';
  let body;
  try {
    const res = await fetch(`/api/tracks?${new URLSearchParams({ q, limit: '8' })}`, { cache: 'no-store' });
    body = await res.json();
    if (!res.ok) throw new Error(body && body.message ? body.message : `HTTP ${res.status}`);
  } catch (err) {
    if (seq === searchSeq) status.textContent = `Search failed: ${err.message || err}`;
    return;
  }
  if (seq !== searchSeq) return;
  const tracks = rememberTracks(Array.isArray(body.tracks) ? body.tracks : []);
  status.textContent = tracks.length ? `${tracks.length} match${tracks.length === 1 ? '' : 'es'} for “${q}”` : `Nothing in the catalog matches “${q}”.`;
  el('search-results').replaceChildren(...tracks.map(resultItem));
}

function resultItem(t) {
  const isSeed = discover.seeds.includes(t.id);
  return h('li', { class: 'result', 'data-testid': 'search-result', dataset: { trackId: String(t.id) } },
    playButton(t),
    trackText(t),
    h('button', {
      class: 'btn btn-small', type: 'button', 'data-testid': 'add-seed', disabled: isSeed,
      'aria-label': `Add ${trackLabel(t)} as a seed`,
      onclick: (e) => { addSeed(t.id); e.currentTarget.disabled = true; e.currentTarget.textContent = '✓ Seed'; },
    }, isSeed ? '✓ Seed' : '+ Seed'));
}

function trackText(t, extra = null) {
  return h('div', { class: 'track-text' },
    h('span', { class: 'tt-title' }, t.title || `Track ${t.id}`),
    h('span', { class: 'tt-artist' }, [t.artist, t.album].filter(Boolean).join(' · ')),
    extra);
}

export function playButton(t) {
  const playing = currentTrackId() === t.id && isPlaying();
  return h('button', {
    class: 'btn btn-icon play-btn', type: 'button', 'data-testid': 'play', dataset: { trackId: String(t.id) },
    'aria-label': `${playing ? 'Pause' : 'Play'} ${trackLabel(t)}`, 'aria-pressed': playing ? 'true' : 'false',
    onclick: () => playTrack(knownTrack(t.id) || t),
  }, playing ? '❚❚' : '▶');
}

function renderPlayButtons(id, state) {
  for (const b of document.querySelectorAll('.play-btn')) {
    const on = Number(b.dataset.trackId) === id && (state === 'playing' || state === 'loading');
    b.textContent = on ? '❚❚' : '▶';
    b.setAttribute('aria-pressed', on ? 'true' : 'false');
  }
}

/** Adds a seed (search result, map click); the recommender answers and the taste profile grows. */
export function addSeed(id) {
  if (!Number.isInteger(id) || discover.seeds.includes(id)) return;
  discover.seeds.push(id);
  discover.downed.delete(id);
  renderSeeds();
  sendControl({ seeds: [...discover.seeds] }, 'Finding tracks near your seeds…');
  changed();
}

function removeSeed(id) {
  discover.seeds = discover.seeds.filter((s) => s !== id);
  renderSeeds();
  if (discover.seeds.length) sendControl({ seeds: [...discover.seeds] }, 'Re-ranking…');
  else sendControl({ seeds: [] }, '');
  changed();
}

function renderSeeds() {
  const chips = discover.seeds.map((id) => {
    const t = knownTrack(id) || { id };
    return h('li', { class: 'chip seed-chip', dataset: { trackId: String(id) } },
      h('span', { class: 'chip-v' }, trackLabel(t)),
      h('button', { class: 'chip-x', type: 'button', 'aria-label': `Remove seed ${trackLabel(t)}`, onclick: () => removeSeed(id) }, '✕'));
  });
  el('seed-list').replaceChildren(...chips);
  el('seed-empty').hidden = chips.length > 0;
}

/** The identity of the agent participant named `name` (its `agent.name` attribute), else null. */
function agentIdentity(name) {
  for (const p of app.people.values()) {
    if (p.kind === 'agent' && p.attributes && p.attributes['agent.name'] === name) return p.identity;
  }
  return null;
}

/** Controls go to the recommender (it answers them) and to the taste agent, which adds seeds to
 * the sender's profile so the taste view fills as the listener picks. */
function controlDestinations() {
  return [agentIdentity('recommender') || 'agent-recommender', agentIdentity('taste')].filter(Boolean);
}

function sendControl(payload, statusText) {
  const status = el('recs-status');
  if (!app.client) { status.textContent = 'Not connected.'; return; }
  const id = app.client.request({
    type: 'publish', topic: 'recs.control', payload, reliable: true, destinations: controlDestinations(),
  });
  if (!id) { status.textContent = 'Not connected: this change is sent when the connection is back.'; return; }
  app.pending.set(id, { kind: 'control' });
  if (statusText) status.textContent = statusText;
}

/** A new session (not a resume): the recommender forgot us, so tell it our seeds, knobs and thumbs again. */
export function replayDiscoverState() {
  if (!discover.seeds.length) return;
  sendControl({ knobs: { ...discover.knobs } }, '');
  for (const id of discover.upped) sendControl({ thumb: { id, up: true } }, '');
  for (const id of discover.downed) sendControl({ thumb: { id, up: false } }, '');
  sendControl({ seeds: [...discover.seeds] }, 'Restoring your recommendations…');
}

export function onControlRefused(text) {
  el('recs-status').textContent = `The recommender did not get that: ${text}`;
}

/** A `recs` payload: {"for", "tracks":[…]} or {"error"}. */
export function onRecs(payload, from) {
  if (!payload || typeof payload !== 'object') return;
  if (app.me && payload.for !== undefined && payload.for !== app.me.identity) return;
  const status = el('recs-status');
  if (typeof payload.error === 'string') {
    status.textContent = discover.seeds.length ? `Recommender: ${payload.error}` : 'Add a seed to get recommendations.';
    return;
  }
  if (!Array.isArray(payload.tracks)) return;
  const tracks = rememberTracks(payload.tracks.filter((t) => t && Number.isInteger(t.id) && !discover.downed.has(t.id)));
  discover.recs = tracks;
  status.textContent = tracks.length
    ? `${tracks.length} tracks from ${from === null || from === undefined ? 'the recommender' : 'the recommender agent'} · breadth ${discover.knobs.breadth.toFixed(2)}, explore ${discover.knobs.explore.toFixed(2)}`
    : 'The recommender has nothing more to suggest: add another seed or raise explore.';
  renderSeeds();
  renderRecs();
  changed();
}

function renderRecs() {
  const items = discover.recs.map((t, i) => h('li', { class: 'rec', 'data-testid': 'rec-item', dataset: { trackId: String(t.id) } },
    h('span', { class: 'rec-rank', 'aria-hidden': 'true' }, String(i + 1)),
    playButton(t),
    trackText(t, t.why ? h('span', { class: 'tt-why' }, t.why) : null),
    h('div', { class: 'thumbs' },
      youtubeLink(t.youtube_url, 'rec-youtube', trackLabel(t)),
      h('button', {
        class: 'btn btn-icon thumb', type: 'button', 'data-testid': 'thumb-up', 'aria-label': `More like ${trackLabel(t)}`,
        'aria-pressed': discover.upped.has(t.id) ? 'true' : 'false', onclick: () => thumb(t.id, true),
      }, '▲'),
      h('button', {
        class: 'btn btn-icon thumb', type: 'button', 'data-testid': 'thumb-down', 'aria-label': `Not for me: ${trackLabel(t)}`,
        onclick: () => thumb(t.id, false),
      }, '▼'))));
  el('recs-list').replaceChildren(...items);
  el('recs-empty').hidden = items.length > 0;
  el('recs-more').disabled = items.length === 0;
}

function thumb(id, up) {
  if (up) {
    discover.upped.add(id);
    discover.downed.delete(id);
  } else {
    discover.downed.add(id);
    discover.upped.delete(id);
    discover.seeds = discover.seeds.filter((s) => s !== id);
    // Gone at once; the recommender's next list excludes it too.
    discover.recs = discover.recs.filter((t) => t.id !== id);
    renderSeeds();
    renderRecs();
    const next = el('recs-list').querySelector('button');
    if (next) next.focus();
  }
  sendControl({ thumb: { id, up } }, up ? 'Finding more like it…' : 'Removed; re-ranking…');
  changed();
}
