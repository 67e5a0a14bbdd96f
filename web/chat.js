// Chat: `{"text": …}` on topic `chat`, shown as a conversation. A late joiner gets the room's
// recent chat right after `joined` (messages marked `"history": true`, docs/protocol.md); a
// message of ours shows as sent once the server acks it.
import { app, el, displayName, isHost } from './state.js';
import { h, fmtClock, hueFor } from './ui.js';

const CHAT_CAP = 300;
const seen = new Set(); // seq of messages shown (history and a resume may repeat one)

export function initChat() {
  el('chat-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = el('chat-input');
    const text = input.value.trim();
    if (!text) return;
    if (!app.client) { el('chat-status').textContent = 'Not connected.'; return; }
    const id = app.client.request({ type: 'publish', topic: 'chat', payload: { text }, reliable: true });
    if (!id) { el('chat-status').textContent = 'Not connected: your message was not sent.'; return; }
    const item = addLine({ from: app.me ? app.me.identity : null, text, ts: Date.now(), mine: true, pending: true });
    app.pending.set(id, { kind: 'chat', item });
    input.value = '';
    el('chat-status').textContent = '';
  });
}

export function resetChat() {
  seen.clear();
  el('chat-log').replaceChildren();
  el('chat-empty').hidden = false;
}

function chatText(payload) {
  if (typeof payload === 'string') return payload;
  if (payload && typeof payload === 'object' && typeof payload.text === 'string') return payload.text;
  return null;
}

/** A `data` message on `chat` (live or history). */
export function onChat(msg) {
  const text = chatText(msg.payload);
  if (text === null) return;
  if (Number.isFinite(msg.seq)) {
    if (seen.has(msg.seq)) return;
    seen.add(msg.seq);
  }
  const mine = !!app.me && msg.from === app.me.identity;
  addLine({ from: msg.from ?? null, text, ts: Number.isFinite(msg.ts) ? msg.ts : Date.now(), mine, history: msg.history === true });
}

function addLine({ from, text, ts, mine = false, pending = false, history = false }) {
  const log = el('chat-log');
  const name = from === null ? 'server' : displayName(from);
  const avatar = h('span', { class: 'chat-avatar', 'aria-hidden': 'true' }, name.slice(0, 1).toUpperCase());
  avatar.style.setProperty('--hue', String(hueFor(String(from ?? ''))));
  const item = h('li', { class: `chat-msg${mine ? ' chat-mine' : ''}${pending ? ' chat-pending' : ''}${history ? ' chat-history' : ''}` },
    avatar,
    h('div', { class: 'chat-body' },
      h('div', { class: 'chat-meta' },
        h('strong', null, mine ? 'You' : name),
        from !== null && isHost(from) ? h('span', { class: 'badge badge-host' }, 'host') : null,
        h('time', { datetime: new Date(ts).toISOString() }, fmtClock(ts).slice(0, 5)),
        history ? h('span', { class: 'muted' }, 'earlier') : null),
      h('p', { class: 'chat-text' }, text)));
  // History arrives oldest first before live traffic, so appending keeps the order.
  log.appendChild(item);
  while (log.children.length > CHAT_CAP) log.firstElementChild.remove();
  el('chat-empty').hidden = true;
  log.scrollTop = log.scrollHeight;
  return item;
}

export function onChatAcked(req, msg) {
  req.item.classList.remove('chat-pending');
  if (Number.isFinite(msg.seq)) seen.add(msg.seq);
}

export function onChatFailed(req, why) {
  req.item.classList.remove('chat-pending');
  req.item.classList.add('chat-failed');
  req.item.querySelector('.chat-body').appendChild(h('p', { class: 'chat-error' }, `Not sent: ${why}`));
}
