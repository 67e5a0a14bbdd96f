// Now playing: one card per participant whose Spotify playback the server polls (topic
// `now-playing`, docs/spotify.md). The progress bar advances between polls from the
// `progress_ms` of the last report and the time it arrived; a paused track stands still.
import { app, el, displayName, isHost } from './state.js';
import { h, safeUrl, youtubeLink } from './ui.js';
import { fmtDuration } from './tracks.js';
import { crowd } from './crowd.js';

const playing = new Map(); // identity → {p, at: performance.now()}
const listeners = new Set();
/** fn(identity) when someone's now-playing changes (the participant list shows it too). */
export function onNowPlayingChange(fn) { listeners.add(fn); }

export function resetNowPlaying() {
  playing.clear();
  render();
}

/** Normalizes the server's payload and the older `{title, artist, …}` shape a host may publish. */
function normalize(payload, from) {
  if (!payload || typeof payload !== 'object') return null;
  const identity = typeof payload.identity === 'string' ? payload.identity : from;
  if (typeof identity !== 'string') return null;
  let track = payload.track;
  if (track === undefined && (payload.title || payload.name)) {
    track = {
      name: payload.title || payload.name, artists: payload.artist ? [String(payload.artist)] : [],
      album: payload.album, image: payload.artwork_url || payload.image, duration_ms: payload.duration_ms,
    };
  }
  if (track !== null && (typeof track !== 'object' || Array.isArray(track))) track = null;
  const progress = Number(payload.progress_ms ?? payload.position_ms);
  return {
    identity, track,
    isPlaying: payload.is_playing !== undefined ? payload.is_playing === true : !!track,
    progress: Number.isFinite(progress) ? progress : 0,
  };
}

/** A payload on `now-playing`. */
export function onNowPlaying(payload, from) {
  const p = normalize(payload, from);
  if (!p) return;
  playing.set(p.identity, { p, at: performance.now() });
  render();
  for (const fn of listeners) fn(p.identity);
}

/** Someone left for good: their card goes. */
export function forgetNowPlaying(identity) {
  if (playing.delete(identity)) render();
}

function position(entry) {
  const { p, at } = entry;
  const dur = Number(p.track && p.track.duration_ms);
  let pos = p.progress + (p.isPlaying ? performance.now() - at : 0);
  if (Number.isFinite(dur) && dur > 0) pos = Math.min(pos, dur);
  return pos;
}

function artists(track) {
  if (Array.isArray(track.artists)) return track.artists.filter((a) => typeof a === 'string').join(', ');
  return typeof track.artist === 'string' ? track.artist : '';
}

function card(identity, entry) {
  const { p } = entry;
  const who = `${app.me && app.me.identity === identity ? 'You' : displayName(identity)}${isHost(identity) ? ' (host)' : ''}`;
  const head = h('div', { class: 'np-who' }, who);
  if (!p.track) {
    return h('article', { class: 'np-card np-idle', 'data-testid': 'now-playing', dataset: { identity } },
      h('div', { class: 'art art-empty', 'aria-hidden': 'true' }, '♪'),
      h('div', { class: 'np-info' }, head, h('div', { class: 'muted' }, 'Nothing playing on Spotify right now')));
  }
  const t = p.track;
  const title = String(t.name ?? t.title ?? 'Unknown track');
  const placeholder = () => h('div', { class: 'art art-empty', 'aria-hidden': 'true' }, '♪');
  let art = placeholder();
  const src = safeUrl(t.image);
  if (src) {
    art = h('img', { class: 'art', src, alt: `Artwork for ${title}`, loading: 'lazy', referrerpolicy: 'no-referrer' });
    art.addEventListener('error', () => art.replaceWith(placeholder()), { once: true });
  }
  const dur = Number(t.duration_ms);
  const pos = position(entry);
  const hasDur = Number.isFinite(dur) && dur > 0;
  return h('article', { class: `np-card${p.isPlaying ? '' : ' np-paused'}`, 'data-testid': 'now-playing', dataset: { identity } },
    art,
    h('div', { class: 'np-info' },
      head,
      h('div', { class: 'track-title' }, title),
      h('div', { class: 'track-artist' }, artists(t)),
      t.album ? h('div', { class: 'track-album' }, String(t.album)) : null,
      youtubeLink(t.youtube_url, 'now-playing-youtube', title),
      h('div', { class: 'np-progress' },
        h('progress', { max: String(hasDur ? dur : 1), value: String(hasDur ? pos : 0), 'aria-label': `Position in ${title}` }),
        h('span', { class: 'np-time mono' }, hasDur ? `${fmtDuration(pos)} / ${fmtDuration(dur)}` : fmtDuration(pos)),
        p.isPlaying ? null : h('span', { class: 'badge np-paused-badge' }, 'paused'))));
}

function render() {
  // A card shows only for someone in the room; in a crowded room, whose departures nobody
  // announces and whose list may not be loaded, for whoever reported playback.
  const ids = [...playing.keys()].filter((id) => crowd.crowded || app.people.has(id) || (app.me && app.me.identity === id));
  const cards = ids.map((id) => card(id, playing.get(id)));
  el('now-playing-list').replaceChildren(...cards);
  el('now-playing-empty').hidden = cards.length > 0;
}

/** Once a second: move the progress bars of playing tracks without rebuilding the cards. */
export function tickNowPlaying() {
  for (const node of el('now-playing-list').querySelectorAll('.np-card')) {
    const entry = playing.get(node.dataset.identity);
    if (!entry || !entry.p.track || !entry.p.isPlaying) continue;
    const dur = Number(entry.p.track.duration_ms);
    const pos = position(entry);
    const bar = node.querySelector('progress');
    if (bar && Number.isFinite(dur) && dur > 0) bar.value = pos;
    const time = node.querySelector('.np-time');
    if (time) time.textContent = Number.isFinite(dur) && dur > 0 ? `${fmtDuration(pos)} / ${fmtDuration(dur)}` : fmtDuration(pos);
  }
}

/** The line the participant list shows under someone listening ("♪ Song – Artist"), or null. */
export function nowPlayingLine(identity) {
  const entry = playing.get(identity);
  if (!entry || !entry.p.track) return null;
  const t = entry.p.track;
  const text = `${entry.p.isPlaying ? '♪' : '❚❚'} ${t.name ?? t.title ?? ''}${artists(t) ? ` – ${artists(t)}` : ''}`;
  return h('div', { class: 'person-np', title: entry.p.isPlaying ? 'Playing on Spotify' : 'Paused on Spotify' }, text);
}

/** Re-renders when presence changes (a card only shows for someone in the room). */
export function refreshNowPlaying() { render(); }
