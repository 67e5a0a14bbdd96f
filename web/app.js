// WaveDefect browser client: wires the page's modules to its buttons and starts the join.
// Each view lives in its own module; this file only connects them.
import { CLOSE_REASONS } from './protocol.js';
import { app, el } from './state.js';
import { hideBanner, setStatus } from './notices.js';
import { initJoinForm, autojoinOrFocus } from './join.js';
import { startSession, disposeClient, rejoin, leave, renderReconnecting } from './session.js';
import { showJoinView, copyRoomLink } from './views.js';
import { initProfileForm } from './profile.js';
import { initDataStream } from './datastream.js';
import { drawPingChart, refreshMetricsAge } from './metrics.js';
import { initLayout, onLayoutChange } from './layout.js';
import { initChat } from './chat.js';
import { tickNowPlaying, onNowPlayingChange } from './nowplaying.js';
import { renderPeople } from './participants.js';
import { requestPage } from './crowd.js';
import { onTasteChange } from './taste.js';
import { initDiscover, onDiscoverChange } from './discover.js';
import { initPlayer } from './player.js';
import { initMap, loadMap, scheduleDraw } from './map.js';
import { consumeRedirect, initSpotify } from './spotify.js';
import { initListen, listen } from './listen.js';

/** Once a second: the metrics report's age, the reconnect countdown, now-playing progress. */
function tick() {
  refreshMetricsAge();
  tickNowPlaying();
  if (app.reconnectInfo) renderReconnecting();
}

function init() {
  // Back from Spotify's login: restores room, name and identity before the join form reads them.
  consumeRedirect();
  initJoinForm({ onJoin: startSession });
  initDataStream();
  el('leave-btn').addEventListener('click', leave);
  el('rejoin-btn').addEventListener('click', rejoin);
  el('back-btn').addEventListener('click', () => { disposeClient(); showJoinView(); setStatus('idle', 'Not connected'); });
  el('banner-close').addEventListener('click', hideBanner);
  el('copy-link-btn').addEventListener('click', copyRoomLink);
  el('participants-more').addEventListener('click', () => { if (requestPage()) renderPeople(); });
  el('participants-refresh').addEventListener('click', () => { if (requestPage({ refresh: true })) renderPeople(); });
  initProfileForm();
  initLayout();
  initChat();
  initPlayer();
  initDiscover();
  initMap();
  initSpotify();
  initListen();
  onDiscoverChange(scheduleDraw);
  onNowPlayingChange(() => renderPeople());
  onTasteChange(scheduleDraw);
  onLayoutChange(scheduleDraw);
  window.addEventListener('resize', drawPingChart);
  setInterval(tick, 1000);
  autojoinOrFocus();
}

init();

// Exposed for debugging from the console (read-only use).
window.wavedefect = { app, listen, CLOSE_REASONS, loadMap };
