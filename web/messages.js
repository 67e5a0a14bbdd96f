// What the page does with each server message, and the bookkeeping of requests waiting for
// their `ack` or `error` (publish, update).
import { app } from './state.js';
import { addEvent, hideBanner, showBanner } from './notices.js';
import { showRoomView, putRoomInUrl } from './views.js';
import {
  onParticipantJoined, onParticipantLeft, onParticipantUpdated, onRoomUpdated, renderPeople, renderRoomHeader,
} from './participants.js';
import { onJoinedCrowd, onParticipantCount, onParticipantsPage, onParticipantsFailed } from './crowd.js';
import { fillProfile, onUpdateAcked, onUpdateRefused, onUpdateUnconfirmed } from './profile.js';
import { onData, onPublishAcked, onPublishRefused, onPublishUnconfirmed } from './datastream.js';
import { renderMetrics } from './metrics.js';
import { onChat, onChatAcked, onChatFailed } from './chat.js';
import { onNowPlaying, refreshNowPlaying } from './nowplaying.js';
import { onTaste, render as renderTaste } from './taste.js';
import { onRecs, onControlRefused, replayDiscoverState } from './discover.js';
import { sendToken, onSpotifyAcked, onSpotifyRefused, onSpotifyExpired } from './spotify.js';
import { AUDIO_TOPIC, announce, onListenRefused, onRecognition, refreshListen } from './listen.js';

/** What each topic means to the product views (the Developer view's raw stream shows them all). */
function onTopic(msg) {
  const payload = msg.payload;
  switch (msg.topic) {
    case 'chat': return onChat(msg);
    case 'now-playing': return onNowPlaying(payload, msg.from ?? null);
    case 'taste': return onTaste(payload);
    case 'recs': return onRecs(payload, msg.from ?? null);
    case 'recognition': return onRecognition(payload);
    default: return undefined;
  }
}

/** RoomClient's `message` event. */
export function onMessage(msg) {
  switch (msg.type) {
    case 'joined': return onJoined(msg);
    case 'resumed': return onResumed(msg);
    case 'participant_joined': onParticipantJoined(msg.participant); return refreshListen();
    case 'participant_left': onParticipantLeft(msg.participant, msg.reason); return refreshListen();
    case 'participant_updated': onParticipantUpdated(msg.participant); return refreshListen();
    case 'room_updated': return onRoomUpdated(msg.room);
    case 'participant_count': onParticipantCount(msg); return renderPeople();
    case 'participants': return onPage(msg);
    case 'data':
      try { onTopic(msg); } catch (e) { console.warn('could not show a message on', msg.topic, e); }
      return onData(msg);
    case 'spotify_expired': return onSpotifyExpired();
    case 'metrics': return renderMetrics(msg);
    case 'ack': return onAck(msg);
    case 'error': return onServerError(msg);
    default: return undefined; // pong handled by RoomClient; unknown types ignored
  }
}

/** First join, a resumed connection, or a reconnect that had to start a new session. */
function onJoined(msg) {
  const first = !app.joinedOnce;
  const fresh = !msg.resumed;
  app.room = msg.room || {};
  app.me = msg.participant || null;
  app.people.clear();
  for (const p of msg.participants || []) if (p && p.identity !== undefined) app.people.set(p.identity, p);
  onJoinedCrowd(msg);
  app.joinedOnce = true;
  document.body.classList.remove('offline');
  if (first) {
    showRoomView();
    fillProfile(true);
    addEvent('join', `Joined ${app.room.name} as ${app.me?.name || app.me?.identity}`);
    putRoomInUrl(app.room.name);
  } else if (fresh && app.wasReconnecting) {
    showBanner('Reconnected as a new session: the old one had expired, so messages sent meanwhile were not replayed.',
      { tone: 'warn' });
    addEvent('warn', 'Reconnected without resume (new session)');
    fillProfile(true);
  } else if (fresh) {
    hideBanner();
    addEvent('join', 'Rejoined the room');
    fillProfile(true);
  }
  app.wasReconnecting = false;
  renderRoomHeader();
  renderPeople();
  refreshNowPlaying();
  renderTaste();
  refreshListen();
  // Other people's microphones (binary frames on `audio`, 44 kB/s each) are for the recognizer;
  // a page has no use for them, so it does not receive them.
  app.client.send({ type: 'unsubscribe', topics: [AUDIO_TOPIC] });
  app.client.request({ type: 'metrics', enabled: true, interval_ms: 2000 });
  // A resumed session kept everything on the server; a fresh one starts from nothing there.
  if (fresh) {
    replayDiscoverState();
    sendToken();
    announce(); // still listening: the new session's recognizer has not heard the format yet
  }
}

function onResumed(msg) {
  const n = Number(msg.replayed) || 0;
  const gapTopics = Array.isArray(msg.gap_topics) ? msg.gap_topics : [];
  const gapText = msg.gap ? `gap: messages lost on ${gapTopics.join(', ') || 'some topics'}` : 'gap: none';
  const text = `Resumed — replayed ${n} message${n === 1 ? '' : 's'} (seq ${msg.last_seq}→${msg.seq}), ${gapText}.`;
  addEvent(msg.gap ? 'warn' : 'info', text);
  showBanner(text, { tone: msg.gap ? 'warn' : 'ok', autoHideMs: msg.gap ? 0 : 8000 });
}

/** A page of the participant list (crowd.js asked for it). */
function onPage(msg) {
  const req = app.pending.get(msg.id);
  if (!req || req.kind !== 'participants') return;
  app.pending.delete(msg.id);
  onParticipantsPage(req, msg);
  renderPeople();
  refreshNowPlaying();
}

function onAck(msg) {
  const req = app.pending.get(msg.id);
  if (!req) return;
  app.pending.delete(msg.id);
  if (req.kind === 'publish') onPublishAcked(req, msg);
  else if (req.kind === 'update') onUpdateAcked();
  else if (req.kind === 'chat') onChatAcked(req, msg);
  else if (req.kind === 'spotify') onSpotifyAcked();
}

function onServerError(msg) {
  const req = msg.id !== undefined ? app.pending.get(msg.id) : null;
  if (req) app.pending.delete(msg.id);
  const code = String(msg.code ?? 'error');
  const text = `${code}: ${msg.message ?? ''}`;
  addEvent('error', `Server error — ${text}`);
  if (req && req.kind === 'publish') onPublishRefused(req, text);
  else if (req && req.kind === 'update') onUpdateRefused(code, text);
  else if (req && req.kind === 'chat') onChatFailed(req, text);
  else if (req && req.kind === 'control') onControlRefused(text);
  else if (req && req.kind === 'spotify') onSpotifyRefused(text);
  else if (req && req.kind === 'listen') onListenRefused(text);
  else if (req && req.kind === 'participants') { onParticipantsFailed(text); renderPeople(); }
  else showBanner(`Server error — ${text}`, { tone: 'warn', autoHideMs: 8000 });
}

/** Requests in flight when a connection ends get no ack; say so instead of "Sending…" forever. */
export function failPending(why) {
  for (const req of app.pending.values()) {
    if (req.kind === 'publish') onPublishUnconfirmed(req, why);
    else if (req.kind === 'update') onUpdateUnconfirmed(why);
    else if (req.kind === 'chat') onChatFailed(req, why);
    else if (req.kind === 'participants') onParticipantsFailed(why);
  }
  app.pending.clear();
}
