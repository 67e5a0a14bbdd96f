// Layout: at desktop width every product view is on screen together and the Developer view
// opens below them with the top bar's button; on a phone (< 760 px) the views are tabs.
// The chosen tab and whether the Developer view is open survive a reload (sessionStorage).
import { el } from './state.js';
import { drawPingChart } from './metrics.js';

const phone = window.matchMedia('(max-width: 759px)');
const listeners = new Set();
/** fn() after the visible views change (canvases redraw at their new size). */
export function onLayoutChange(fn) { listeners.add(fn); }

function saved(key, fallback) {
  try { return sessionStorage.getItem(key) ?? fallback; } catch { return fallback; }
}
function save(key, value) {
  try { sessionStorage.setItem(key, value); } catch { /* ignore */ }
}

let tab = saved('wd.tab', 'listen');
let devOpen = saved('wd.dev', '0') === '1';

export function initLayout() {
  for (const b of document.querySelectorAll('.tab')) {
    b.addEventListener('click', () => selectTab(b.dataset.tabTarget));
  }
  // Arrow keys move between tabs (the usual tab-list keyboard pattern).
  el('room-view').querySelector('.tabbar').addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    const tabs = [...document.querySelectorAll('.tab')];
    const i = tabs.indexOf(document.activeElement);
    if (i < 0) return;
    const next = tabs[(i + (e.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length];
    next.focus();
    selectTab(next.dataset.tabTarget);
  });
  el('dev-btn').addEventListener('click', () => {
    if (phone.matches) { selectTab(tab === 'dev' ? 'listen' : 'dev'); return; }
    devOpen = !devOpen;
    save('wd.dev', devOpen ? '1' : '0');
    apply();
    if (devOpen) el('dev-view').scrollIntoView({ behavior: 'smooth', block: 'start' });
  });
  phone.addEventListener('change', apply);
  apply();
}

function selectTab(name) {
  tab = name;
  save('wd.tab', tab);
  apply();
}

function apply() {
  const room = el('room-view');
  room.dataset.layout = phone.matches ? 'tabs' : 'all';
  room.dataset.tab = tab;
  document.body.classList.toggle('dev-open', devOpen || (phone.matches && tab === 'dev'));
  for (const b of document.querySelectorAll('.tab')) b.setAttribute('aria-pressed', String(b.dataset.tabTarget === tab));
  for (const s of room.querySelectorAll('[data-tab]')) s.classList.toggle('tab-on', s.dataset.tab === tab);
  el('dev-btn').setAttribute('aria-pressed', String(phone.matches ? tab === 'dev' : devOpen));
  requestAnimationFrame(() => {
    drawPingChart();
    for (const fn of listeners) fn();
  });
}
