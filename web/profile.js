// "You": the form that sends `update` (name, metadata, attributes) and shows its outcome.
import { app, el } from './state.js';
import { h } from './ui.js';

function attrRow(k = '', v = '') {
  const row = h('div', { class: 'attr-row' });
  const key = h('input', { class: 'attr-k', value: k, placeholder: 'key', 'aria-label': 'Attribute key', spellcheck: 'false' });
  const val = h('input', { class: 'attr-v', value: v, placeholder: 'value', 'aria-label': 'Attribute value', spellcheck: 'false' });
  const del = h('button', {
    class: 'btn btn-ghost btn-small', type: 'button', 'aria-label': 'Remove attribute',
    onclick: () => { row.remove(); app.profileDirty = true; },
  }, '✕');
  row.append(key, val, del);
  return row;
}

export function initProfileForm() {
  el('profile-form').addEventListener('submit', onProfileSubmit);
  el('profile-form').addEventListener('input', () => { app.profileDirty = true; });
  el('attr-add').addEventListener('click', () => {
    const row = attrRow();
    el('attr-rows').appendChild(row);
    row.querySelector('input').focus();
    app.profileDirty = true;
  });
}

/** Shows the server's view of you; `force` overwrites edits the user has not saved yet. */
export function fillProfile(force) {
  if (!app.me || (app.profileDirty && !force)) return;
  el('profile-name').value = app.me.name || '';
  el('profile-metadata').value = app.me.metadata || '';
  app.profileOriginal = { ...(app.me.attributes || {}) };
  const rows = Object.entries(app.profileOriginal).map(([k, v]) => attrRow(k, String(v)));
  el('attr-rows').replaceChildren(...rows);
  app.profileDirty = false;
}

function onProfileSubmit(e) {
  e.preventDefault();
  const status = el('profile-status');
  delete status.dataset.tone;
  if (!app.client) return;
  const attributes = {};
  for (const row of el('attr-rows').querySelectorAll('.attr-row')) {
    const k = row.querySelector('.attr-k').value.trim();
    if (k) attributes[k] = row.querySelector('.attr-v').value;
  }
  // The server merges attributes, so a row the user removed must be sent as "" to delete it.
  for (const k of Object.keys(app.profileOriginal)) if (!(k in attributes)) attributes[k] = '';
  const update = {
    type: 'update',
    name: el('profile-name').value.trim(),
    metadata: el('profile-metadata').value,
    attributes,
  };
  const id = app.client.request(update);
  if (!id) { status.textContent = 'Not connected.'; status.dataset.tone = 'error'; return; }
  app.pending.set(id, { kind: 'update' });
  status.textContent = 'Saving…';
}

export function onUpdateAcked() {
  app.profileDirty = false;
  fillProfile(true);
  el('profile-status').textContent = 'Saved.';
}

export function onUpdateRefused(code, text) {
  el('profile-status').textContent = code === 'forbidden'
    ? `Not saved — your token does not allow updating your own profile (${text}).`
    : `Not saved — ${text}`;
  el('profile-status').dataset.tone = 'error';
}

export function onUpdateUnconfirmed(why) {
  const status = el('profile-status');
  status.textContent = `Not confirmed — ${why}.`;
  status.dataset.tone = 'error';
}
