// A session's life: connect with the join's token, show reconnect progress, explain a
// failed join or a close, rejoin (with a fresh dev token when possible) and leave.
import { decodeJwt, fetchDevToken } from './protocol.js';
import { RoomClient } from './room-client.js';
import { app, el } from './state.js';
import { addEvent, hideBanner, setStatus, showBanner } from './notices.js';
import { joinError, joinFailureText, setJoinBusy } from './join.js';
import { showJoinView } from './views.js';
import { onMessage, failPending } from './messages.js';
import { onBinary, resetDataStream } from './datastream.js';
import { onRtt, resetLatencyPanels } from './metrics.js';
import { resetChat } from './chat.js';
import { resetNowPlaying } from './nowplaying.js';
import { resetTaste } from './taste.js';
import { resetListen, stopListening } from './listen.js';

const CLOSE_ADVICE = {
  1001: 'Rejoin when the server is back.',
  4000: 'Another tab or device joined with your identity and took over.',
  4001: 'An admin removed you from the room.',
  4002: 'The room no longer exists.',
  4003: 'This connection fell too far behind and was dropped.',
  4004: 'Your session continued on another connection.',
};

/** Forgets the previous session's room. A rejoin skips this, so what was on screen stays readable. */
function resetRoomState({ keepStream = false } = {}) {
  app.me = null;
  app.room = null;
  app.people.clear();
  for (const l of app.leaving.values()) clearTimeout(l.timer);
  app.leaving.clear();
  app.net.clear();
  app.pending.clear();
  resetLatencyPanels();
  if (!keepStream) {
    resetDataStream();
    el('events').replaceChildren();
    resetChat();
    resetNowPlaying();
    resetTaste();
    resetListen();
  }
}

/** `join` is {token, source: 'dev'|'pasted', name, identity, room}. */
export function startSession(join, { rejoin = false } = {}) {
  if (app.client) disposeClient();
  app.join = join;
  app.wasReconnecting = false;
  if (!rejoin) {
    app.joinedOnce = false;
    resetRoomState();
  }
  setJoinBusy(true, 'Connecting…');
  setStatus('connecting', 'Connecting…');
  const client = new RoomClient(join.token);
  app.client = client;
  // Events of a client that has since been replaced (rejoin, back) must not touch the page.
  const mine = (fn) => (d) => { if (app.client === client) fn(d); };
  client
    .on('state', mine(onClientState))
    .on('message', mine(onMessage))
    .on('binary', mine(onBinary))
    .on('rtt', mine(onRtt))
    .on('failed', mine(onFailed))
    .on('closed', mine(onClosed));
  client.connect();
}

export function disposeClient() {
  const c = app.client;
  app.client = null;
  if (c && c.state !== 'closed') c.leave();
}

function onClientState({ state, attempt, deadline }) {
  switch (state) {
    case 'connecting':
      setStatus('connecting', 'Connecting…');
      break;
    case 'open':
      setStatus('open', 'Live');
      app.reconnectInfo = null;
      break;
    case 'reconnecting':
      if (!app.wasReconnecting) {
        addEvent('warn', 'Connection dropped — reconnecting to resume the session');
        failPending('the connection dropped before the server confirmed it');
      }
      app.wasReconnecting = true;
      app.reconnectInfo = { attempt, deadline };
      renderReconnecting();
      document.body.classList.add('offline');
      break;
    case 'closed':
      app.reconnectInfo = null;
      setStatus('closed', 'Disconnected');
      break;
    default:
      break;
  }
}

/** Called every second while reconnecting, so the countdown moves. */
export function renderReconnecting() {
  const r = app.reconnectInfo;
  if (!r) return;
  const left = Math.max(0, Math.round((r.deadline - performance.now()) / 1000));
  setStatus('reconnecting', `Reconnecting… (attempt ${r.attempt}, ${left} s left)`);
}

/** The WebSocket never opened: {validation, health} say why (see RoomClient). */
function onFailed(why) {
  const hint = joinFailureText(why);
  if (!app.joinedOnce) {
    showJoinView();
    joinError('Could not join the room.', hint);
  } else {
    showBanner(`Could not rejoin. ${hint}`, { tone: 'error', rejoin: true, back: true });
  }
  setStatus('closed', 'Not connected');
}

function onClosed({ code, reason, text, rejoinable, byUser, lost }) {
  document.body.classList.remove('offline');
  failPending('the connection closed');
  stopListening(byUser ? null : 'Stopped listening: the connection to the room closed.');
  if (byUser) {
    setStatus('idle', 'Left the room');
    showJoinView();
    return;
  }
  document.body.classList.add('offline');
  const advice = CLOSE_ADVICE[code] || '';
  const message = lost
    ? `${text} Rejoin to start a new session.`
    : `Disconnected — ${reason ? `${reason}.` : text} (close code ${code})${advice ? ` ${advice}` : ''}`;
  addEvent('error', message);
  // After 4000 / 4004 the session lives on elsewhere; rejoining would take it back.
  showBanner(message, { tone: 'error', rejoin: rejoinable && code !== 4000 && code !== 4004, back: true });
}

/** Dev tokens are re-minted (the old one may be near expiry); a pasted one is reused if still valid. */
export async function rejoin() {
  const join = app.join;
  if (!join) return showJoinView();
  hideBanner();
  setStatus('connecting', 'Rejoining…');
  if (join.source === 'dev') {
    try {
      const t = await fetchDevToken({ identity: join.identity, name: app.me?.name || join.name, room: join.room });
      join.token = t.token;
    } catch (err) {
      setStatus('closed', 'Not connected');
      return showBanner(`Could not get a new dev token: ${err.message}`, { tone: 'error', rejoin: true, back: true });
    }
  } else {
    const claims = decodeJwt(join.token);
    if (claims && Number.isFinite(claims.exp) && claims.exp * 1000 < Date.now()) {
      return showBanner('Your token has expired; go back and paste a new one.', { tone: 'error', back: true });
    }
  }
  startSession(join, { rejoin: true });
  return undefined;
}

export function leave() {
  if (app.client) app.client.leave();
  else showJoinView();
}
