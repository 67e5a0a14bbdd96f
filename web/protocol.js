// WaveDefect wire protocol client (see docs/protocol.md).
// No DOM access here: RoomClient owns the WebSocket, the 1 s ping loop, the resume state
// (resume_token + highest seq) and automatic reconnection after an abnormal close.

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

/** Codes after which the client must not reconnect automatically. */
const NO_AUTO_RECONNECT = new Set([1000, 1001, 1002, 1007, 1008, 1009, 1011, 4000, 4001, 4002, 4003, 4004]);
/** Codes after which a manual "Rejoin" makes sense. */
const REJOINABLE = new Set([1001, 1002, 1005, 1006, 1007, 1009, 1011, 4003]);

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

function wsBase() {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}`;
}

/**
 * One participant's connection to a room.
 * Emits (via on(type, fn)):
 *   state      {state, attempt?, deadline?}       'connecting' | 'open' | 'reconnecting' | 'closed'
 *   message    server JSON message (every one, after internal bookkeeping)
 *   binary     parsed binary data frame
 *   rtt        {rtt, id}                          client-measured ping round trip (ms)
 *   failed     {health, resuming}                 the WebSocket never opened (HTTP refusal / down)
 *   closed     {code, reason, text, rejoinable, byUser, lost?}
 */
export class RoomClient {
  constructor(token, { pingIntervalMs = 1000, stallMs = 10000 } = {}) {
    this.token = token;
    this.pingIntervalMs = pingIntervalMs;
    this.stallMs = stallMs;
    this.ws = null;
    this.state = 'idle';
    this.resumeToken = null;
    this.lastSeq = 0;
    this.departureMs = 20000;
    this.pingId = 0;
    this.reqId = 0;
    this.timer = null;
    this.retryTimer = null;
    this.deadline = 0;
    this.attempt = 0;
    this.leaving = false;
    this.opened = false;
    this.lastRx = 0;
    this.oldestUnanswered = 0; // performance.now() of the oldest ping not yet followed by any message
    this.listeners = new Map();
  }

  on(type, fn) {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type).add(fn);
    return this;
  }

  emit(type, detail) {
    for (const fn of this.listeners.get(type) || []) {
      try { fn(detail); } catch (e) { console.error(`RoomClient ${type} listener failed`, e); }
    }
  }

  setState(state, extra = {}) {
    this.state = state;
    this.emit('state', { state, ...extra });
  }

  /** Ordinary join (no resume). */
  connect() {
    this.leaving = false;
    this.resumeToken = null;
    this.lastSeq = 0;
    this.setState('connecting');
    this.open(false);
  }

  /** Sends a close frame: the server makes us leave at once (client_leave). */
  leave() {
    this.leaving = true;
    clearTimeout(this.retryTimer);
    this.stopTimer();
    if (this.ws && this.ws.readyState <= WebSocket.OPEN) {
      this.ws.close(1000, 'leave');
    } else {
      this.ws = null;
      this.setState('closed');
      this.emit('closed', { code: 1000, reason: 'leave', text: CLOSE_REASONS[1000], rejoinable: true, byUser: true });
    }
  }

  send(obj) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN || this.state !== 'open') return false;
    this.ws.send(JSON.stringify(obj));
    return true;
  }

  /** Sends a request with a fresh string id (echoed in ack / error); returns the id or null. */
  request(obj) {
    const id = `r${++this.reqId}`;
    return this.send({ ...obj, id }) ? id : null;
  }

  open(resume) {
    const q = new URLSearchParams({ access_token: this.token });
    if (resume && this.resumeToken) {
      q.set('resume', this.resumeToken);
      q.set('last_seq', String(this.lastSeq));
    }
    let ws;
    try {
      ws = new WebSocket(`${wsBase()}/rtc?${q}`);
    } catch (e) {
      this.setState('closed');
      this.emit('failed', { health: 'unreachable', resuming: resume, error: String(e.message || e) });
      return;
    }
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    this.opened = false;
    ws.onopen = () => {
      if (ws !== this.ws) return;
      this.opened = true;
      this.lastRx = performance.now();
      this.oldestUnanswered = 0;
    };
    ws.onmessage = (ev) => {
      if (ws !== this.ws) return;
      this.lastRx = performance.now();
      this.oldestUnanswered = 0;
      if (typeof ev.data === 'string') this.onText(ev.data);
      else this.onBinary(ev.data);
    };
    ws.onerror = () => { /* a close event always follows */ };
    ws.onclose = (ev) => {
      if (ws !== this.ws) return;
      this.ws = null;
      this.onClose(ev.code, ev.reason, ev.wasClean);
    };
  }

  onText(text) {
    let msg;
    try { msg = JSON.parse(text); } catch { return; }
    if (!msg || typeof msg !== 'object') return;
    switch (msg.type) {
      case 'joined':
        this.resumeToken = msg.resume_token || null;
        if (!msg.resumed) this.lastSeq = Number(msg.seq) || 0;
        if (msg.room && Number.isFinite(msg.room.departure_timeout)) {
          this.departureMs = Math.max(2000, msg.room.departure_timeout * 1000);
        }
        this.attempt = 0;
        clearTimeout(this.retryTimer);
        this.setState('open');
        this.startTimer();
        this.ping();
        break;
      case 'data':
        if (Number.isFinite(msg.seq) && msg.seq > this.lastSeq) this.lastSeq = msg.seq;
        break;
      case 'pong':
        if (typeof msg.t === 'number') this.emit('rtt', { rtt: performance.now() - msg.t, id: msg.id });
        break;
      default:
        break;
    }
    this.emit('message', msg);
  }

  onBinary(buffer) {
    let frame;
    try { frame = parseBinaryFrame(buffer); } catch { return; }
    if (frame.seq > this.lastSeq) this.lastSeq = frame.seq;
    this.emit('binary', frame);
  }

  ping() {
    if (this.send({ type: 'ping', id: ++this.pingId, t: performance.now() })) {
      if (!this.oldestUnanswered) this.oldestUnanswered = performance.now();
    }
  }

  startTimer() {
    this.stopTimer();
    this.timer = setInterval(() => {
      // Stall watchdog: a ping went unanswered (and nothing else arrived) for stallMs.
      if (this.oldestUnanswered && performance.now() - this.oldestUnanswered > this.stallMs) {
        this.dropStalled();
        return;
      }
      this.ping();
    }, this.pingIntervalMs);
  }

  stopTimer() {
    clearInterval(this.timer);
    this.timer = null;
  }

  dropStalled() {
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onclose = ws.onmessage = ws.onopen = null;
      try { ws.close(); } catch { /* ignore */ }
    }
    this.onClose(1006, 'no answer from the server', false);
  }

  onClose(code, reason, wasClean) {
    this.stopTimer();
    const wasOpen = this.opened;
    this.opened = false;
    if (this.leaving) {
      this.setState('closed');
      this.emit('closed', { code, reason, text: CLOSE_REASONS[code] || '', rejoinable: true, byUser: true });
      return;
    }
    if (this.state === 'reconnecting') {
      // A reconnect attempt failed (server still down, or refused): retry until the deadline.
      this.scheduleRetry();
      return;
    }
    if (!wasOpen || this.state === 'connecting') {
      this.setState('closed');
      probeHealth().then((health) => this.emit('failed', { health, resuming: false }));
      return;
    }
    const abnormal = code === 1006 || (!wasClean && !NO_AUTO_RECONNECT.has(code));
    if (abnormal && this.resumeToken) {
      this.deadline = performance.now() + this.departureMs - 1000;
      this.attempt = 0;
      this.scheduleRetry();
      return;
    }
    this.setState('closed');
    this.emit('closed', {
      code, reason, text: CLOSE_REASONS[code] || `Closed with code ${code}.`,
      rejoinable: REJOINABLE.has(code) || !NO_AUTO_RECONNECT.has(code), byUser: false,
    });
  }

  scheduleRetry() {
    const left = this.deadline - performance.now();
    if (left <= 0) {
      this.setState('closed');
      this.emit('closed', {
        code: 1006, reason: '', byUser: false, rejoinable: true, lost: true,
        text: 'Connection lost and could not be resumed within the departure timeout.',
      });
      return;
    }
    const delays = [300, 1000, 2000, 3000];
    const delay = Math.min(delays[Math.min(this.attempt, delays.length - 1)], left);
    this.attempt += 1;
    this.setState('reconnecting', { attempt: this.attempt, deadline: this.deadline });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (this.leaving || this.state !== 'reconnecting') return;
      this.open(true);
    }, delay);
  }
}
