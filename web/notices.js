// The three ways the page tells the user what happened: the connection pill in the top bar,
// the banner under it (errors, resume reports, with Rejoin / Back buttons) and the Events log.
import { el } from './state.js';
import { h, fmtClock } from './ui.js';

const EVENTS_CAP = 100;

export function setStatus(state, text) {
  const pill = el('conn-status');
  pill.dataset.state = state;
  el('conn-status-text').textContent = text;
}

let bannerTimer = null;
export function showBanner(text, { tone = 'error', rejoin = false, back = false, autoHideMs = 0 } = {}) {
  const b = el('banner');
  b.dataset.tone = tone;
  b.setAttribute('role', tone === 'error' || tone === 'warn' ? 'alert' : 'status');
  el('banner-text').textContent = text;
  el('rejoin-btn').hidden = !rejoin;
  el('back-btn').hidden = !back;
  b.hidden = false;
  clearTimeout(bannerTimer);
  if (autoHideMs) bannerTimer = setTimeout(hideBanner, autoHideMs);
}

export function hideBanner() {
  clearTimeout(bannerTimer);
  el('banner').hidden = true;
}

export function addEvent(kind, text) {
  const list = el('events');
  const li = h('li', { class: `ev ev-${kind}` },
    h('time', { datetime: new Date().toISOString() }, fmtClock(Date.now()).slice(0, 8)),
    h('span', { class: 'ev-text' }, text));
  list.prepend(li);
  while (list.children.length > EVENTS_CAP) list.lastElementChild.remove();
}
