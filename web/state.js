// The page's shared state and the lookups every panel needs. There is one page and at most
// one live connection, so the modules share one plain object instead of a store; it is also
// what `window.wavedefect.app` shows in the console.

export const app = {
  client: null,
  join: null, // {token, source: 'dev'|'pasted', name, identity, room}
  joinedOnce: false,
  wasReconnecting: false,
  me: null,
  room: null,
  people: new Map(), // identity → participant (others)
  leaving: new Map(), // identity → {participant, reason, timer}
  net: new Map(), // identity → {rtt_ms, quality} from server metrics
  rtts: [],
  stream: [], // newest first
  streamRx: 0,
  pendingRender: [],
  renderScheduled: false,
  topics: new Set(),
  paused: false,
  pausedNew: 0,
  pending: new Map(), // request id → {kind, ...}
  metricsAt: 0,
  profileDirty: false,
  profileOriginal: {},
  reconnectInfo: null,
};

export const el = (id) => document.getElementById(id);

export const params = new URLSearchParams(location.search);

/** The name to show for an identity; people who just left keep theirs while greyed out. */
export function displayName(identity) {
  if (identity === null || identity === undefined) return 'server';
  if (app.me && app.me.identity === identity) return app.me.name || identity;
  const p = app.people.get(identity) || app.leaving.get(identity)?.participant;
  return (p && p.name) || identity;
}

export function isHost(identity) {
  return !!(app.room && app.room.host_identity && app.room.host_identity === identity);
}
