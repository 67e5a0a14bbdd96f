// "Now playing" and "Your taste vs the host's": generic renderers for payloads published on
// the now-playing and taste topics. No schema is assumed: a payload with title / artist /
// album / artwork_url becomes a track card, a taste payload with a numeric score gets a meter
// and its other fields as a list; anything else falls back to JSON. The panels show the
// latest message on `now-playing` / `taste` or any `*.now-playing` / `*.taste` topic.
import { el, displayName, isHost } from './state.js';
import { h, fmtClock, safeUrl, renderJSON } from './ui.js';

const STAGE_TOPICS = { 'now-playing': 'now-playing', taste: 'taste' };

function text(v) {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.filter((x) => typeof x === 'string' || typeof x === 'number').join(', ');
  return typeof v === 'object' ? '' : String(v);
}

export function trackCard(p) {
  if (!p || typeof p !== 'object' || Array.isArray(p)) return null;
  const title = text(p.title ?? p.track ?? p.song);
  const artist = text(p.artist ?? p.artists);
  const album = text(p.album);
  if (!title && !artist && !album) return null;
  const artUrl = safeUrl(p.artwork_url ?? p.artwork ?? p.image_url);
  const placeholder = () => h('div', { class: 'art art-empty', 'aria-hidden': 'true' }, '♪');
  let art = placeholder();
  if (artUrl) {
    art = h('img', { class: 'art', src: artUrl, alt: title ? `Artwork for ${title}` : 'Artwork', loading: 'lazy', referrerpolicy: 'no-referrer' });
    art.addEventListener('error', () => art.replaceWith(placeholder()), { once: true });
  }
  const info = h('div', { class: 'track-info' },
    title ? h('div', { class: 'track-title' }, title) : null,
    artist ? h('div', { class: 'track-artist' }, artist) : null,
    album ? h('div', { class: 'track-album' }, album) : null);
  const pos = Number(p.position_ms);
  const dur = Number(p.duration_ms);
  if (Number.isFinite(pos) && Number.isFinite(dur) && dur > 0) {
    const pct = Math.max(0, Math.min(100, (pos / dur) * 100));
    info.appendChild(h('progress', { max: '100', value: pct.toFixed(1), 'aria-label': 'Playback position' }));
  }
  return h('div', { class: 'track' }, art, info);
}

const SCORE_KEYS = ['score', 'similarity', 'match', 'overlap', 'compatibility'];

export function tasteCard(p) {
  if (!p || typeof p !== 'object' || Array.isArray(p)) return null;
  const parts = [];
  const scoreKey = SCORE_KEYS.find((k) => typeof p[k] === 'number' && Number.isFinite(p[k]));
  if (scoreKey) {
    const v = p[scoreKey];
    const pct = v <= 1 && v >= 0 ? v * 100 : Math.max(0, Math.min(100, v));
    parts.push(h('div', { class: 'score' },
      h('div', { class: 'score-num' }, `${Math.round(pct)}%`),
      h('div', { class: 'score-label' }, scoreKey),
      h('meter', { min: '0', max: '100', value: pct.toFixed(1), 'aria-label': `${scoreKey} ${Math.round(pct)} percent` })));
  }
  const rest = Object.entries(p).filter(([k]) => k !== scoreKey);
  if (rest.length) {
    parts.push(h('dl', { class: 'kv' }, rest.slice(0, 16).map(([k, v]) => [
      h('dt', null, k),
      h('dd', null, text(v) && !(Array.isArray(v) && v.some((x) => typeof x === 'object')) ? text(v) : renderJSON(v, { inlineMax: 60 })),
    ])));
  }
  return parts.length ? h('div', { class: 'taste' }, parts) : null;
}

/** The card for a stage panel, or null when the payload has nothing recognisable. */
export function stageCard(kind, payload) {
  return kind === 'now-playing' ? trackCard(payload) : (trackCard(payload) || tasteCard(payload));
}

function stageKind(topic) {
  for (const [suffix, kind] of Object.entries(STAGE_TOPICS)) {
    if (topic === suffix || topic.endsWith(`.${suffix}`)) return kind;
  }
  return null;
}

/** Every stream entry passes here; those on a stage topic replace that panel's content. */
export function updateStage(entry) {
  if (entry.binary || !entry.topic) return;
  const kind = stageKind(entry.topic);
  if (kind) setStage(kind, entry);
}

export function clearStagePanels() {
  setStage('now-playing', null);
  setStage('taste', null);
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
