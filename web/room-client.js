// RoomClient: one participant's WebSocket to a room (see docs/protocol.md). It owns the 1 s
// ping loop, the resume state (resume_token + highest seq) and automatic reconnection after
// an abnormal close. No DOM access here; the page listens to its events.
import { CLOSE_REASONS, explainRefusedUpgrade, parseBinaryFrame } from './protocol.js';

/** Codes after which the client must not reconnect automatically. */
const NO_AUTO_RECONNECT = new Set([1000, 1001, 1002, 1007, 1008, 1009, 1011, 4000, 4001, 4002, 4003, 4004]);
/** Codes after which a manual "Rejoin" makes sense. */
const REJOINABLE = new Set([1001, 1002, 1005, 1006, 1007, 1009, 1011, 4003]);

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
 *   failed     {validation, health, resuming}     the WebSocket never opened (HTTP refusal / down);
 *                                                 validation is /rtc/validate's {status, reason} or null
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

  /**
   * Publishes raw bytes on `topic` as one binary frame: u8 topic length | topic | payload
   * (docs/protocol.md). Returns false, sending nothing, when the room is not open or when more
   * than `maxBuffered` bytes already wait in the socket: for lossy data such as live audio, a
   * chunk dropped now is better than every later chunk arriving late behind a slow link.
   */
  sendBinary(topic, payload, { maxBuffered = Infinity } = {}) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN || this.state !== 'open') return false;
    if (this.ws.bufferedAmount > maxBuffered) return false;
    const name = new TextEncoder().encode(topic);
    if (name.length === 0 || name.length > 255) throw new RangeError(`topic must be 1–255 bytes, got ${name.length}`);
    const frame = new Uint8Array(1 + name.length + payload.byteLength);
    frame[0] = name.length;
    frame.set(name, 1);
    frame.set(payload, 1 + name.length);
    this.ws.send(frame);
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
      this.emit('failed', { validation: null, health: 'unreachable', resuming: resume, error: String(e.message || e) });
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
        this.firstPingAfterRender();
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

  /**
   * The page does its heaviest work right after `joined` (it builds and paints the whole room
   * view). A ping sent before that work has its pong wait behind it, so it measured the page's
   * first render, not the network: 990 ms beside a server-measured 42 ms. The first ping goes
   * out once the page has painted (the next frame, then the next task); in a background tab,
   * where frames do not run, the 1 s interval sends it.
   */
  firstPingAfterRender() {
    const ws = this.ws;
    requestAnimationFrame(() => setTimeout(() => {
      if (this.ws === ws && this.state === 'open' && !this.oldestUnanswered) this.ping();
    }, 0));
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
      explainRefusedUpgrade(this.token).then((why) => this.emit('failed', { ...why, resuming: false }));
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
