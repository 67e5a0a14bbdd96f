// WaveDefect wire protocol helpers (see docs/protocol.md): the HTTP endpoints the page uses
// besides the WebSocket, token decoding, binary frames and the human text for codes.
// No DOM access here; the WebSocket itself is RoomClient's (room-client.js).

export const ROOM_NAME_PATTERN = '[A-Za-z0-9._\\-]{1,128}';

/** Human text for WebSocket close codes the server uses. */
export const CLOSE_REASONS = {
  1000: 'Normal closure.',
  1001: 'The server is shutting down (or closed an idle connection).',
  1002: 'Protocol error.',
  1005: 'Closed without a status code.',
  1006: 'Connection dropped without a close frame.',
  1007: 'Invalid UTF-8 in a message.',
  1008: 'Policy violation.',
  1009: 'Message too big.',
  1011: 'Internal server error.',
  4000: 'Another connection joined with the same identity, so this one was closed.',
  4001: 'You were removed from the room by an admin.',
  4002: 'The room was closed or deleted.',
  4003: 'The connection could not keep up (slow consumer) and was dropped.',
  4004: 'This session was resumed on another connection.',
};

/** Human text for participant_left reasons. */
export const LEAVE_REASONS = {
  client_leave: 'left',
  connection_lost: 'connection lost',
  duplicate_identity: 'replaced by a new connection',
  removed: 'removed by an admin',
  room_closed: 'room closed',
  slow_consumer: 'dropped (too slow)',
  server_shutdown: 'server shutdown',
};

export class DevTokenError extends Error {
  constructor(message, status = 0, body = '') {
    super(message);
    this.status = status;
    this.body = body;
  }
}

/** GET /dev/token — served only by `wavedefect serve --dev`. */
export async function fetchDevToken({ identity, name, room }) {
  const q = new URLSearchParams();
  if (identity) q.set('identity', identity);
  if (name) q.set('name', name);
  if (room) q.set('room', room);
  let res;
  try {
    res = await fetch(`/dev/token?${q}`, { cache: 'no-store' });
  } catch (e) {
    throw new DevTokenError(`Could not reach the server (${e.message || e}).`);
  }
  const body = await res.text().catch(() => '');
  if (!res.ok) {
    const hint = res.status === 404
      ? ' This server is not in dev mode: /dev/token exists only with `wavedefect serve --dev`. Paste a token instead.'
      : '';
    throw new DevTokenError(`/dev/token answered HTTP ${res.status} ${res.statusText}.${hint}`, res.status, body.trim());
  }
  try {
    const json = JSON.parse(body);
    if (typeof json.token !== 'string') throw new Error('no token');
    return json;
  } catch {
    throw new DevTokenError('/dev/token returned something that is not a token.', res.status, body.slice(0, 300));
  }
}

/** Decodes a JWT's claims without verifying it (for display only), or null. */
export function decodeJwt(token) {
  const parts = String(token).trim().split('.');
  if (parts.length !== 3) return null;
  try {
    const b64 = parts[1].replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(parts[1].length / 4) * 4, '=');
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes));
    return claims && typeof claims === 'object' ? claims : null;
  } catch {
    return null;
  }
}

/** Asks /healthz whether the server is up: 'ok', 'shutting_down', or 'unreachable'. */
export async function probeHealth() {
  try {
    const res = await fetch('/healthz', { cache: 'no-store' });
    if (!res.ok) return 'unreachable';
    const json = await res.json();
    return json.status === 'ok' ? 'ok' : String(json.status || 'unknown');
  } catch {
    return 'unreachable';
  }
}

/**
 * GET /rtc/validate: the HTTP status and one-line reason the WebSocket upgrade would get
 * ({status: 200, reason: 'success'} when it would be accepted), or null when the endpoint
 * gave no usable answer (unreachable, a 5xx, or a server too old to have it).
 */
export async function validateJoin(token) {
  let res;
  let body;
  try {
    res = await fetch(`/rtc/validate?${new URLSearchParams({ access_token: token })}`, { cache: 'no-store' });
    body = await res.text();
  } catch {
    return null;
  }
  const reason = body.trim().split('\n')[0].trim();
  // A server without the endpoint answers its generic 404 for the path, which is not a
  // verdict on the token (unlike "room '…' does not exist").
  const missingEndpoint = res.status === 404 && reason.includes('/rtc/validate');
  if (res.status >= 500 || !reason || missingEndpoint) return null;
  return { status: res.status, reason };
}

/**
 * Why a WebSocket never opened. A browser cannot read the HTTP status of a refused upgrade,
 * so ask /rtc/validate for the server's verdict; /healthz tells the rest apart (server down,
 * shutting down) when the verdict is missing or says the token would be accepted.
 * Returns {validation: {status, reason} | null, health: string | null}.
 */
export async function explainRefusedUpgrade(token) {
  const validation = await validateJoin(token);
  if (validation && validation.status !== 200) return { validation, health: null };
  return { validation, health: await probeHealth() };
}

/** Parses a server → client binary frame:
 *  u8 topic_len | topic | u8 from_len | from | u64 seq | i64 ts_ms | payload */
export function parseBinaryFrame(buffer) {
  const view = new DataView(buffer);
  const dec = new TextDecoder();
  let o = 0;
  const need = (n) => { if (o + n > buffer.byteLength) throw new Error('short binary frame'); };
  need(1); const tl = view.getUint8(o); o += 1;
  need(tl); const topic = dec.decode(new Uint8Array(buffer, o, tl)); o += tl;
  need(1); const fl = view.getUint8(o); o += 1;
  need(fl); const from = dec.decode(new Uint8Array(buffer, o, fl)); o += fl;
  need(16);
  const seq = Number(view.getBigUint64(o)); o += 8;
  const ts = Number(view.getBigInt64(o)); o += 8;
  return { topic, from: from || null, seq, ts, bytes: new Uint8Array(buffer, o) };
}
