// Connect Spotify in the browser with PKCE (RFC 7636, S256): the page redirects to Spotify's
// authorize page, comes back with a code, exchanges it for tokens at the accounts service and
// refreshes them itself. Each access token goes to the server (`{"type":"spotify"}`,
// docs/spotify.md), which polls the player with it; the page never shows it and keeps it in
// memory only. Refresh tokens are single-use, so the newest one replaces the last; it is kept
// in sessionStorage (this tab only) so a reload can get a new access token without a login.
import { app, el, params } from './state.js';

const PKCE_KEY = 'wd.spotify.pkce';
const REFRESH_KEY = 'wd.spotify.refresh';

let config = null; // /api/config's spotify object, or null when not configured
let configLoaded = null;
let access = null; // {token, expiresAt (ms)}
let refreshTimer = 0;
let refreshing = null;
let pendingReturn = null; // {code, state} from the redirect, exchanged once the config is known

function store(kind) {
  try { return kind === 'session' ? sessionStorage : localStorage; } catch { return null; }
}
function sget(key) { try { return store('session')?.getItem(key) ?? null; } catch { return null; } }
function sset(key, value) { try { store('session')?.setItem(key, value); } catch { /* private mode */ } }
function sdel(key) { try { store('session')?.removeItem(key); } catch { /* ignore */ } }

function status(text, tone = '') {
  const s = el('spotify-status');
  s.textContent = text;
  if (tone) s.dataset.tone = tone; else delete s.dataset.tone;
}

function base64url(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomString(bytes) {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** code_challenge = BASE64URL(SHA-256(ASCII(code_verifier))) — RFC 7636 §4.2. */
export async function challengeFor(verifier) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

/**
 * Called first thing on load: when the URL is Spotify's redirect back (`?code=&state=` or
 * `?error=`), puts the room, name and identity the page was in back into the URL parameters
 * (and `autojoin=1`), so the join form rejoins where the user was.
 */
export function consumeRedirect() {
  const code = params.get('code');
  const state = params.get('state');
  const error = params.get('error');
  if (!state || (!code && !error)) return;
  let saved = null;
  try { saved = JSON.parse(sget(PKCE_KEY) || 'null'); } catch { saved = null; }
  for (const k of ['code', 'state', 'error', 'error_description']) params.delete(k);
  if (saved && saved.state === state) {
    for (const k of ['room', 'name', 'identity']) if (saved[k]) params.set(k, saved[k]);
    params.set('autojoin', '1');
    if (code) pendingReturn = { code, verifier: saved.verifier };
    else pendingReturn = { error };
  } else {
    pendingReturn = { error: 'the answer from Spotify did not match this tab’s login (state mismatch); try again' };
  }
  sdel(PKCE_KEY);
  const url = new URL(location.href);
  url.search = '';
  for (const k of ['room', 'name', 'identity']) if (params.get(k)) url.searchParams.set(k, params.get(k));
  history.replaceState(null, '', url);
}

export function initSpotify() {
  el('connect-spotify').addEventListener('click', connect);
  configLoaded = loadConfig();
  configLoaded.then(async () => {
    if (pendingReturn) {
      const r = pendingReturn;
      pendingReturn = null;
      if (r.error) { status(`Spotify login did not complete: ${r.error}.`, 'error'); return; }
      await exchange(r.code, r.verifier);
    } else if (config && sget(REFRESH_KEY)) {
      await refresh();
    }
  });
}

async function loadConfig() {
  try {
    const res = await fetch('/api/config', { cache: 'no-store' });
    const body = res.ok ? await res.json() : null;
    const s = body && body.spotify;
    config = s && typeof s.client_id === 'string' && s.client_id ? s : null;
  } catch {
    config = null;
  }
  el('connect-spotify').dataset.configured = config ? 'true' : 'false';
  if (!config) {
    el('connect-spotify').title = 'Spotify is not set up on this server';
  }
}

async function connect() {
  await configLoaded;
  if (!config) {
    status('Spotify is not set up on this server. Register an app in Spotify’s developer dashboard with the '
      + `redirect URI ${location.origin}/ and start the server with --spotify-client-id ID `
      + `--spotify-redirect-uri ${location.origin}/ (see docs/spotify.md). The room works without it.`, 'info');
    return;
  }
  if (!crypto.subtle) {
    status('This page needs a secure context (https or 127.0.0.1) to log in to Spotify.', 'error');
    return;
  }
  const verifier = randomString(64); // 86 characters of [A-Za-z0-9-_], within RFC 7636's 43–128
  const state = randomString(16);
  const challenge = await challengeFor(verifier);
  const join = app.join || {};
  sset(PKCE_KEY, JSON.stringify({
    verifier, state, room: app.room?.name || join.room || params.get('room') || '',
    identity: app.me?.identity || join.identity || '', name: app.me?.name || join.name || '',
  }));
  const q = new URLSearchParams({
    response_type: 'code', client_id: config.client_id, redirect_uri: config.redirect_uri,
    scope: Array.isArray(config.scopes) ? config.scopes.join(' ') : String(config.scopes || ''), state, code_challenge_method: 'S256', code_challenge: challenge,
  });
  status('Opening Spotify…');
  location.assign(`${accountsBase()}/authorize?${q}`);
}

function accountsBase() {
  return String(config.accounts_base || 'https://accounts.spotify.com').replace(/\/+$/, '');
}

async function tokenRequest(form) {
  const res = await fetch(`${accountsBase()}/api/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...form, client_id: config.client_id }),
    cache: 'no-store',
  });
  let body = null;
  try { body = await res.json(); } catch { body = null; }
  if (!res.ok || !body || typeof body.access_token !== 'string') {
    const why = body && (body.error_description || body.error) ? `${body.error_description || body.error}` : `HTTP ${res.status}`;
    throw new Error(why);
  }
  return body;
}

async function exchange(code, verifier) {
  status('Finishing the Spotify login…');
  try {
    const t = await tokenRequest({
      grant_type: 'authorization_code', code, redirect_uri: config.redirect_uri, code_verifier: verifier,
    });
    accept(t);
  } catch (err) {
    status(`Spotify refused the login: ${err.message}. Press Connect Spotify to try again.`, 'error');
  }
}

/** Gets a fresh access token with the newest refresh token (one request at a time). */
function refresh() {
  if (refreshing) return refreshing;
  const token = sget(REFRESH_KEY);
  if (!config || !token) return Promise.resolve();
  refreshing = tokenRequest({ grant_type: 'refresh_token', refresh_token: token })
    .then(accept)
    .catch((err) => {
      sdel(REFRESH_KEY);
      access = null;
      status(`Spotify access ended (${err.message}). Press Connect Spotify to log in again.`, 'error');
    })
    .finally(() => { refreshing = null; });
  return refreshing;
}

function accept(t) {
  const expiresIn = Number.isFinite(t.expires_in) && t.expires_in > 0 ? t.expires_in : 3600;
  access = { token: t.access_token, expiresAt: Date.now() + expiresIn * 1000 };
  if (typeof t.refresh_token === 'string' && t.refresh_token) sset(REFRESH_KEY, t.refresh_token);
  clearTimeout(refreshTimer);
  // Refresh a minute before expiry (or halfway for short-lived tokens).
  const lead = Math.min(60, expiresIn / 2);
  if (sget(REFRESH_KEY)) refreshTimer = setTimeout(refresh, (expiresIn - lead) * 1000);
  el('connect-spotify').textContent = 'Spotify connected';
  el('connect-spotify').dataset.connected = 'true';
  sendToken();
}

/** Hands the current access token to the server (after a login, a refresh, or a new session). */
export function sendToken() {
  if (!access || !app.client || !app.me) return;
  const left = Math.floor((access.expiresAt - Date.now()) / 1000);
  if (left <= 0) { refresh(); return; }
  const id = app.client.request({ type: 'spotify', access_token: access.token, expires_in: Math.min(left, 86400) });
  if (id) {
    app.pending.set(id, { kind: 'spotify' });
    status('Connecting your Spotify player…');
  }
}

export function onSpotifyAcked() {
  status('Spotify connected: what you play shows under Now playing for everyone here.', 'ok');
}

export function onSpotifyRefused(text) {
  status(`The server did not take the Spotify token: ${text}`, 'error');
}

/** `{"type":"spotify_expired"}`: the server's token stopped working; get a new one. */
export function onSpotifyExpired() {
  access = null;
  if (sget(REFRESH_KEY)) { status('Refreshing Spotify access…'); refresh(); }
  else status('Spotify access expired. Press Connect Spotify to log in again.', 'error');
}
