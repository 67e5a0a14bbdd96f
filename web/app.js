// WaveDefect browser client: wires the page's modules to its buttons and starts the join.
// Each panel lives in its own module; this file only connects them.
import { CLOSE_REASONS } from './protocol.js';
import { app, el } from './state.js';
import { hideBanner, setStatus } from './notices.js';
import { initJoinForm, autojoinOrFocus } from './join.js';
import { startSession, disposeClient, rejoin, leave, renderReconnecting } from './session.js';
import { showJoinView, copyRoomLink } from './views.js';
import { initProfileForm } from './profile.js';
import { initDataStream } from './datastream.js';
import { drawPingChart, refreshMetricsAge } from './metrics.js';

/** Once a second: the metrics report's age and the reconnect countdown. */
function tick() {
  refreshMetricsAge();
  if (app.reconnectInfo) renderReconnecting();
}

function init() {
  initJoinForm({ onJoin: startSession });
  initDataStream();
  el('leave-btn').addEventListener('click', leave);
  el('rejoin-btn').addEventListener('click', rejoin);
  el('back-btn').addEventListener('click', () => { disposeClient(); showJoinView(); setStatus('idle', 'Not connected'); });
  el('banner-close').addEventListener('click', hideBanner);
  el('copy-link-btn').addEventListener('click', copyRoomLink);
  initProfileForm();
  window.addEventListener('resize', drawPingChart);
  setInterval(tick, 1000);
  autojoinOrFocus();
}

init();

// Exposed for debugging from the console (read-only use).
window.wavedefect = { app, CLOSE_REASONS };
