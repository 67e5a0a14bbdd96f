// The catalog map: every track of `GET /api/map` (the server's PCA of the vectors search
// compares) as a point on a WebGL canvas. The host's tracks, yours (profile and seeds) and the
// recommendations are highlighted; hovering shows the track, a click opens Play / + Seed.
// Keyboard: focus the map, arrows move between points, Enter opens the same menu.
import { el } from './state.js';
import { Painter, rgba } from './gl.js';
import { rememberTracks, knownTrack, trackLabel } from './tracks.js';
import { discover, addSeed } from './discover.js';
import { taste } from './taste.js';
import { playTrack, currentTrackId, onPlayerChange } from './player.js';

const canvas = el('catalog-map');
const painter = new Painter(canvas);
let points = []; // [{id, x, y}] in −1…1
let screen = []; // [{id, sx, sy}] CSS pixels
let hover = null;
let focusIndex = -1;
let menuTrack = null;
let loading = null;
let pending = false;

const COLORS = {
  bg: rgba('#0f1521'),
  base: rgba('#64748b', 0.55),
  host: rgba('#fbbf24'),
  mine: rgba('#38bdf8'),
  rec: rgba('#a78bfa'),
  play: rgba('#4ade80'),
  ring: rgba('#ffffff', 0.9),
};

export function initMap() {
  canvas.addEventListener('mousemove', (e) => setHover(nearest(e.offsetX, e.offsetY), e.offsetX, e.offsetY));
  canvas.addEventListener('mouseleave', () => setHover(null));
  canvas.addEventListener('click', (e) => {
    const p = nearest(e.offsetX, e.offsetY);
    if (p) openMenu(p, e.offsetX, e.offsetY); else closeMenu();
  });
  canvas.addEventListener('keydown', onKey);
  el('map-play').addEventListener('click', () => { if (menuTrack) playTrack(knownTrack(menuTrack.id) || menuTrack); closeMenu(); });
  el('map-seed').addEventListener('click', () => { if (menuTrack) addSeed(menuTrack.id); closeMenu(); });
  el('map-close').addEventListener('click', closeMenu);
  el('map-menu').addEventListener('keydown', (e) => { if (e.key === 'Escape') { closeMenu(); canvas.focus(); } });
  window.addEventListener('resize', () => scheduleDraw());
  onPlayerChange(() => scheduleDraw());
  if (window.ResizeObserver) new ResizeObserver(() => scheduleDraw()).observe(canvas);
}

/** Loads the map once (it changes only when the catalog does); safe to call again. */
export function loadMap() {
  if (loading) return loading;
  el('map-sub').textContent = 'loading…';
  loading = fetch('/api/map', { cache: 'no-store' })
    .then(async (res) => {
      const body = await res.json().catch(() => null);
      if (!res.ok || !body || !Array.isArray(body.points)) {
        throw new Error(body && body.message ? body.message : `HTTP ${res.status}`);
      }
      points = body.points.filter((p) => Number.isInteger(p.id) && Number.isFinite(p.x) && Number.isFinite(p.y));
      rememberTracks(points.filter((p) => p.title).map(({ id, title, artist, album }) => ({ id, title, artist, album })));
      el('map-sub').textContent = `${points.length} tracks${body.model ? ` · ${body.model}` : ''}`;
      canvas.dataset.points = String(points.length);
      scheduleDraw();
    })
    .catch((err) => {
      loading = null;
      el('map-sub').textContent = `unavailable (${err.message})`;
    });
  return loading;
}

export function scheduleDraw() {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => { pending = false; draw(); });
}

function highlights() {
  const host = new Set(taste.hostTracks.map((t) => t.id));
  const mine = new Set([...taste.myTracks.map((t) => t.id), ...discover.seeds]);
  const recs = new Set(discover.recs.map((t) => t.id));
  return { host, mine, recs };
}

function draw() {
  if (!painter.resize()) return;
  const w = painter.width;
  const ht = painter.height;
  const pad = 14;
  const scale = Math.min(w, ht) / 2 - pad;
  const cx = w / 2;
  const cy = ht / 2;
  screen = points.map((p) => ({ id: p.id, sx: cx + p.x * scale, sy: cy - p.y * scale }));
  painter.clear(COLORS.bg);
  const { host, mine, recs } = highlights();
  const playing = currentTrackId();
  const base = [];
  const marked = [];
  let lit = 0;
  for (const s of screen) {
    let c = null;
    if (s.id === playing) c = COLORS.play;
    else if (recs.has(s.id)) c = COLORS.rec;
    else if (mine.has(s.id)) c = COLORS.mine;
    else if (host.has(s.id)) c = COLORS.host;
    if (c) { marked.push(s.sx, s.sy, 13, ...COLORS.ring, s.sx, s.sy, 10, ...c); lit += 1; } else base.push(s.sx, s.sy, 5, ...COLORS.base);
  }
  painter.points(base);
  // Highlighted points last, each over a white ring, so they stand out from the crowd.
  const rings = [];
  const dots = [];
  for (let i = 0; i < marked.length; i += 14) { rings.push(...marked.slice(i, i + 7)); dots.push(...marked.slice(i + 7, i + 14)); }
  painter.points(rings);
  painter.points(dots);
  const f = focusIndex >= 0 ? screen[focusIndex] : hover;
  if (f) painter.points([f.sx, f.sy, 18, ...COLORS.ring.slice(0, 3), 0.35]);
  canvas.dataset.highlighted = String(lit);
  canvas.dataset.draws = String(Number(canvas.dataset.draws || 0) + 1);
}

function nearest(x, y) {
  let best = null;
  let bestD = 12 * 12;
  for (const s of screen) {
    const d = (s.sx - x) ** 2 + (s.sy - y) ** 2;
    if (d < bestD) { bestD = d; best = s; }
  }
  return best;
}

function setHover(s, x, y) {
  const tip = el('map-tip');
  hover = s;
  canvas.style.cursor = s ? 'pointer' : 'default';
  if (!s) { tip.hidden = true; scheduleDraw(); return; }
  const t = knownTrack(s.id) || { id: s.id };
  tip.textContent = trackLabel(t);
  tip.hidden = false;
  place(tip, x ?? s.sx, y ?? s.sy);
  scheduleDraw();
}

function place(box, x, y) {
  const w = canvas.clientWidth;
  box.style.left = `${Math.min(Math.max(0, x + 12), Math.max(0, w - 180))}px`;
  box.style.top = `${Math.max(0, y + 12)}px`;
}

function openMenu(s, x, y) {
  const t = knownTrack(s.id) || { id: s.id };
  menuTrack = t;
  el('map-menu-title').textContent = trackLabel(t);
  el('map-seed').disabled = discover.seeds.includes(s.id);
  el('map-tip').hidden = true;
  const menu = el('map-menu');
  menu.hidden = false;
  place(menu, x, y);
  el('map-play').focus();
}

function closeMenu() {
  el('map-menu').hidden = true;
  menuTrack = null;
}

function onKey(e) {
  if (!screen.length) return;
  const dirs = { ArrowRight: [1, 0], ArrowLeft: [-1, 0], ArrowDown: [0, 1], ArrowUp: [0, -1] };
  if (dirs[e.key]) {
    e.preventDefault();
    const [dx, dy] = dirs[e.key];
    const from = focusIndex >= 0 ? screen[focusIndex] : { sx: canvas.clientWidth / 2, sy: canvas.clientHeight / 2 };
    // The nearest point in that direction (within a 45° cone).
    let best = -1;
    let bestD = Infinity;
    screen.forEach((s, i) => {
      const vx = s.sx - from.sx;
      const vy = s.sy - from.sy;
      const along = vx * dx + vy * dy;
      if (along <= 0 || Math.abs(vx * dy - vy * dx) > along) return;
      const d = vx * vx + vy * vy;
      if (d < bestD) { bestD = d; best = i; }
    });
    if (best < 0 && focusIndex < 0) best = 0;
    if (best >= 0) {
      focusIndex = best;
      setHover(screen[best], screen[best].sx, screen[best].sy);
    }
  } else if ((e.key === 'Enter' || e.key === ' ') && focusIndex >= 0) {
    e.preventDefault();
    const s = screen[focusIndex];
    openMenu(s, s.sx, s.sy);
  } else if (e.key === 'Escape') {
    closeMenu();
    focusIndex = -1;
    setHover(null);
  }
}
