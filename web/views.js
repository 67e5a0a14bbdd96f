// Switching between the join form and the room view, and the room's address: the URL keeps
// `?room=` after joining so a reload or a shared link opens the same room.
import { app, el } from './state.js';
import { hideBanner, showBanner } from './notices.js';
import { setJoinBusy } from './join.js';
import { drawPingChart } from './metrics.js';
import { loadMap, scheduleDraw } from './map.js';

export function showJoinView() {
  document.body.classList.remove('offline', 'in-room');
  el('room-view').hidden = true;
  el('join-view').hidden = false;
  el('leave-btn').hidden = true;
  el('copy-link-btn').hidden = true;
  el('dev-btn').hidden = true;
  el('room-summary').hidden = true;
  hideBanner();
  setJoinBusy(false);
  app.joinedOnce = false;
}

export function showRoomView() {
  document.body.classList.add('in-room');
  el('join-view').hidden = true;
  el('room-view').hidden = false;
  el('leave-btn').hidden = false;
  el('copy-link-btn').hidden = false;
  el('dev-btn').hidden = false;
  el('room-summary').hidden = false;
  setJoinBusy(false);
  requestAnimationFrame(() => { drawPingChart(); scheduleDraw(); });
  loadMap();
}

export function putRoomInUrl(name) {
  const url = new URL(location.href);
  if (name && url.searchParams.get('room') !== name) {
    url.searchParams.set('room', name);
    history.replaceState(null, '', url);
  }
}

export function copyRoomLink() {
  const name = app.room?.name || app.join?.room || '';
  const url = `${location.origin}${location.pathname}?room=${encodeURIComponent(name)}`;
  const done = (ok) => {
    el('copy-link-btn').textContent = ok ? 'Link copied' : 'Copy failed';
    setTimeout(() => { el('copy-link-btn').textContent = 'Copy room link'; }, 2000);
    // Without clipboard access (plain http on another host) the user can still copy it by hand.
    if (!ok) showBanner(`Room link: ${url}`, { tone: 'info' });
  };
  if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(url).then(() => done(true), () => done(false));
  else done(false);
}
