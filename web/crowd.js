// The participant list of a crowded room (docs/protocol.md#crowded-rooms-the-participant-list-in-pages-counts-instead-of-announcements).
// Past the room's `presence_full_list_max` the server stops announcing each arrival and
// departure: `joined` carries the first page of the list with the total, members hear one
// `participant_count` a second, and the rest of the list comes in pages on request. The page
// shows the server's count, lists what it has loaded and offers the next page ("Show more")
// and a fresh read from the start ("Refresh", since departures are no longer announced).
import { app, el } from './state.js';

/** Paging state; `crowded` stays false in an ordinary room, where presence keeps the list whole. */
export const crowd = {
  crowded: false,
  num: null, // num_participants: everyone but agents (the room header's count)
  total: null, // participants_total: the visible participants, you and agents included
  next: null, // cursor of the next page, null when the last page was read
  after: null, // cursor the last page was read from (asked again for newcomers past the end)
  loading: null, // request id of the page on its way
  error: '',
};

/** A `joined` (fresh or resumed): its list is the first page when the room is crowded. */
export function onJoinedCrowd(msg) {
  crowd.crowded = msg.presence === 'counts';
  crowd.num = Number.isFinite(msg.room?.num_participants) ? msg.room.num_participants : null;
  crowd.total = Number.isFinite(msg.participants_total) ? msg.participants_total : null;
  crowd.next = crowd.crowded && Number.isFinite(msg.participants_next) ? msg.participants_next : null;
  crowd.after = null;
  crowd.loading = null;
  crowd.error = '';
}

/** `participant_count`: the room is crowded (the first one says it just became so). */
export function onParticipantCount(msg) {
  crowd.crowded = true;
  if (Number.isFinite(msg.num_participants)) crowd.num = msg.num_participants;
  if (Number.isFinite(msg.participants_total)) crowd.total = msg.participants_total;
}

/** How many visible participants the list holds: the loaded others, and you. */
export function listedCount() {
  return app.people.size + (app.me ? 1 : 0);
}

/** Whether the server has participants the list has not loaded yet (that we know of). */
export function hasMore() {
  return crowd.crowded && (crowd.next !== null || (crowd.total !== null && listedCount() < crowd.total));
}

/**
 * Asks for the next page: after the cursor the last page gave, or — at the end of the list,
 * when the count says someone joined since — again after the cursor of the last page read
 * (newcomers are listed after everyone already there). `refresh` reads from the start and
 * replaces the list, dropping whoever left meanwhile.
 */
export function requestPage({ refresh = false } = {}) {
  if (!app.client || crowd.loading) return false;
  const after = refresh ? null : crowd.next !== null ? crowd.next : crowd.after;
  const id = app.client.request({ type: 'participants', after });
  if (!id) return false;
  crowd.loading = id;
  crowd.error = '';
  app.pending.set(id, { kind: 'participants', after, refresh });
  return true;
}

/** The answer to `requestPage`: adds (or, for a refresh, replaces) the listed participants. */
export function onParticipantsPage(req, msg) {
  if (crowd.loading === msg.id) crowd.loading = null;
  if (req.refresh) app.people.clear();
  for (const p of msg.participants || []) if (p && p.identity !== undefined) app.people.set(p.identity, p);
  crowd.after = req.after;
  crowd.next = Number.isFinite(msg.next) ? msg.next : null;
  if (Number.isFinite(msg.participants_total)) crowd.total = msg.participants_total;
}

/** A page request the server refused (or a connection that ended before the answer). */
export function onParticipantsFailed(text) {
  crowd.loading = null;
  crowd.error = text;
}

/** The paging bar under the list: "12 of 40 listed", Show more, Refresh. */
export function renderPaging() {
  el('participants-paging').hidden = !crowd.crowded;
  if (!crowd.crowded) return;
  const total = crowd.total ?? listedCount();
  el('participants-shown').textContent = crowd.error
    ? `Could not load more: ${crowd.error}`
    : `${Math.min(listedCount(), total)} of ${total} listed`;
  const more = el('participants-more');
  more.hidden = !hasMore();
  more.disabled = !!crowd.loading;
  more.textContent = crowd.loading ? 'Loading…' : 'Show more';
  el('participants-refresh').disabled = !!crowd.loading;
}
