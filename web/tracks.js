// What the page knows about catalog tracks: a cache filled from every payload that carries
// tracks (search results, recommendations, taste lists) and, for ids seen nowhere else
// (a point on the map), from `GET /api/tracks/{id}`. One lookup per id, ever.
const known = new Map(); // id → {id, title, artist, album, duration_s}
const inflight = new Map(); // id → Promise

/** Stores every `{id, title, artist…}` object of a list; returns the list. */
export function rememberTracks(list) {
  for (const t of Array.isArray(list) ? list : []) {
    if (t && Number.isInteger(t.id)) known.set(t.id, { ...(known.get(t.id) || {}), ...t });
  }
  return list;
}

export function knownTrack(id) {
  return known.get(id) || null;
}

/** The track with this id, from the cache or the catalog API; null when there is none. */
export function fetchTrack(id) {
  if (known.has(id)) return Promise.resolve(known.get(id));
  if (inflight.has(id)) return inflight.get(id);
  const p = fetch(`/api/tracks/${encodeURIComponent(id)}`, { cache: 'force-cache' })
    .then((r) => (r.ok ? r.json() : null))
    .then((t) => { if (t && Number.isInteger(t.id)) known.set(t.id, t); return known.get(id) || null; })
    .catch(() => null)
    .finally(() => inflight.delete(id));
  inflight.set(id, p);
  return p;
}

/** "Title – Artist", or "track N" for a track the page has not seen. */
export function trackLabel(t) {
  if (!t) return '';
  const title = t.title || t.name || (Number.isInteger(t.id) ? `track ${t.id}` : 'unknown track');
  const artist = Array.isArray(t.artists) ? t.artists.join(', ') : t.artist;
  return artist ? `${title} – ${artist}` : title;
}

/** m:ss */
export function fmtDuration(ms) {
  if (!Number.isFinite(ms) || ms < 0) return '0:00';
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
