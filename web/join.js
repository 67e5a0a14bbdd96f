// The join form: name → identity, room, or a pasted token; a dev token from /dev/token; and
// the explanation shown when the WebSocket never opens.
import { ROOM_NAME_PATTERN, decodeJwt, fetchDevToken } from './protocol.js';
import { el, params } from './state.js';
import { h } from './ui.js';

const joinForm = el('join-form');
const nameInput = el('join-name');
const identityInput = el('join-identity');
const roomInput = el('join-room');
const tokenInput = el('join-token');
let identityTouched = false;
let startSession = null;

function storageGet(key) {
  try { return localStorage.getItem(key); } catch { return null; }
}
function storageSet(key, value) {
  try { localStorage.setItem(key, value); } catch { /* private mode */ }
}

/** A per-tab random suffix so two people called "Alex" do not replace each other. */
function tabSuffix() {
  let s = null;
  try { s = sessionStorage.getItem('wd.suffix'); } catch { /* ignore */ }
  if (!s) {
    s = Math.random().toString(36).slice(2, 6);
    try { sessionStorage.setItem('wd.suffix', s); } catch { /* ignore */ }
  }
  return s;
}

function deriveIdentity(name) {
  const slug = String(name || '')
    .normalize('NFKD').replace(/[\u0300-\u036f]/g, '')
    .toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return `${slug || 'guest'}-${tabSuffix()}`;
}

function utf8Length(s) {
  return new TextEncoder().encode(s).length;
}

/** Fills the form from the URL and localStorage; `onJoin(join)` starts a session. */
export function initJoinForm({ onJoin }) {
  startSession = onJoin;
  roomInput.pattern = ROOM_NAME_PATTERN;
  nameInput.value = params.get('name') || storageGet('wd.name') || '';
  const room = params.get('room');
  if (room) roomInput.value = room;
  const identity = params.get('identity');
  if (identity) {
    identityInput.value = identity;
    identityTouched = true;
  } else {
    identityInput.value = deriveIdentity(nameInput.value);
  }
  nameInput.addEventListener('input', () => {
    if (!identityTouched) identityInput.value = deriveIdentity(nameInput.value);
  });
  identityInput.addEventListener('input', () => {
    identityTouched = identityInput.value.trim() !== '';
  });
  tokenInput.addEventListener('input', describeToken);
  joinForm.addEventListener('submit', onJoinSubmit);
}

/** `?autojoin=1` submits at once (inventing a guest name if needed); otherwise focus the form. */
export function autojoinOrFocus() {
  if (params.get('autojoin') === '1') {
    if (!nameInput.value.trim()) {
      nameInput.value = `Guest ${Math.floor(1000 + Math.random() * 9000)}`;
      if (!identityTouched) identityInput.value = deriveIdentity(nameInput.value);
    }
    joinForm.requestSubmit();
  } else {
    (nameInput.value ? roomInput : nameInput).focus();
  }
}

function describeToken() {
  const token = tokenInput.value.trim();
  const info = el('token-info');
  const usingToken = token !== '';
  for (const input of [nameInput, identityInput, roomInput]) input.disabled = usingToken;
  joinForm.classList.toggle('using-token', usingToken);
  if (!usingToken) { info.textContent = ''; return; }
  const claims = decodeJwt(token);
  if (!claims) { info.textContent = 'This does not look like a JWT (three base64url parts).'; return; }
  const room = claims.video && claims.video.room;
  const bits = [`identity “${claims.sub ?? '?'}”`, `room “${room ?? '?'}”`];
  if (claims.name) bits.push(`name “${claims.name}”`);
  if (Number.isFinite(claims.exp)) {
    const left = claims.exp * 1000 - Date.now();
    bits.push(left > 0 ? `expires in ${Math.round(left / 60000)} min` : 'EXPIRED');
  }
  info.textContent = `Token for ${bits.join(', ')}. Name, identity and room above are ignored.`;
}

export function joinError(message, detail = '') {
  const box = el('join-error');
  box.replaceChildren(h('p', null, message));
  if (detail) box.appendChild(h('pre', { class: 'error-detail' }, detail));
  setJoinBusy(false);
  box.scrollIntoView({ block: 'nearest' });
}

export function setJoinBusy(busy, label = 'Join room') {
  const btn = el('join-btn');
  btn.disabled = busy;
  btn.textContent = busy ? label : 'Join room';
  joinForm.setAttribute('aria-busy', busy ? 'true' : 'false');
}

async function onJoinSubmit(e) {
  e.preventDefault();
  el('join-error').replaceChildren();
  const token = tokenInput.value.trim();
  if (token) {
    const claims = decodeJwt(token);
    if (!claims) return joinError('That token is not a JWT: expected three base64url parts separated by dots.');
    if (Number.isFinite(claims.exp) && claims.exp * 1000 < Date.now() - 60_000) {
      return joinError('That token has expired. Mint a new one.');
    }
    return startSession({
      token, source: 'pasted', identity: String(claims.sub ?? ''), name: claims.name || '',
      room: (claims.video && claims.video.room) || '',
    });
  }
  const name = nameInput.value.trim();
  const identity = identityInput.value.trim() || deriveIdentity(name);
  const room = roomInput.value.trim() || 'wave-defect-lab';
  if (!name) { nameInput.focus(); return joinError('Enter a display name.'); }
  if (utf8Length(identity) > 128) { identityInput.focus(); return joinError('The identity is longer than 128 bytes.'); }
  if (!new RegExp(`^${ROOM_NAME_PATTERN}$`).test(room)) {
    roomInput.focus();
    return joinError('Room names use letters, digits, “.”, “_” and “-” (at most 128).');
  }
  storageSet('wd.name', name);
  setJoinBusy(true, 'Getting a dev token…');
  try {
    const t = await fetchDevToken({ identity, name, room });
    startSession({ token: t.token, source: 'dev', identity: t.identity, name, room: t.room });
  } catch (err) {
    joinError(err.message, err.body ? `Server said: ${err.body}` : '');
  }
}

/**
 * Why the WebSocket never opened, from RoomClient's `failed` event: the server's own status
 * and reason from /rtc/validate when it gave one; otherwise what /healthz allows us to say.
 */
export function joinFailureText({ validation, health }) {
  if (validation && validation.status !== 200) {
    return `The server refused the connection: ${validation.status} ${validation.reason}.`;
  }
  if (validation && health === 'ok') {
    // The token and room are fine right now, so the refusal was transient (the room was
    // full for a moment) or the WebSocket never reached the server (a proxy).
    return `The server would accept this token now (/rtc/validate: ${validation.status} ${validation.reason}), `
      + 'but the WebSocket did not open. The room may have been full for a moment, or something between '
      + 'the browser and the server does not pass WebSockets. Try again.';
  }
  return {
    ok: 'The server is up but refused the WebSocket. A browser cannot read the HTTP status of a refused '
      + 'upgrade; the usual causes are an invalid or expired token (401), a token without roomJoin or a full '
      + 'room (403), or a room that does not exist and is not created on join (404).',
    shutting_down: 'The server is shutting down.',
    unreachable: 'The server cannot be reached. Is it running?',
  }[health] || `The server reported “${health}”.`;
}
