// raft-chat's web client: session, room list, routing and the glue between the views.

import { ApiClient, ApiError } from './api.js';
import { LiveConnection, LiveState } from './live.js';
import { MessageView } from './messages.js';
import { ClusterView } from './cluster.js';
import { codePoints, el } from './format.js';

const SESSION_KEY = 'raftchat.session';
/** Used until GET /api/v1/info answers. */
const FALLBACK_LIMITS = { maxMessageChars: 4000, maxRoomNameChars: 64, maxPageSize: 200, defaultPageSize: 50 };
const ROOM_REFRESH_MS = 15000;
const TOAST_MS = 4000;
const COMPOSER_HEIGHT_MAX_PX = 200;
const BASE_TITLE = 'raft-chat';
/** Up to this window width the room list is a drawer (app.css has the same breakpoint). */
const DRAWER_WIDTH_MAX_PX = 760;

const $ = (id) => document.getElementById(id);

const session = {
  load() {
    try {
      const saved = JSON.parse(localStorage.getItem(SESSION_KEY) ?? 'null');
      if (!saved || typeof saved.token !== 'string') return null;
      // An expired session would only earn a 401: go straight to the login.
      if (saved.expiresAt && Date.parse(saved.expiresAt) <= Date.now()) return null;
      return saved;
    } catch {
      return null;
    }
  },
  save(value) { localStorage.setItem(SESSION_KEY, JSON.stringify(value)); },
  clear() { localStorage.removeItem(SESSION_KEY); },
};

const state = {
  session: session.load(),
  me: null,
  info: null,
  limits: FALLBACK_LIMITS,
  rooms: [],
  roomsNext: null,
  currentRoom: null,
  registering: false,
  wasConnected: false,
};

const api = new ApiClient(() => state.session?.token ?? null, { onUnauthorized: () => endSession('Your session has ended. Please log in again.') });
const live = new LiveConnection(() => state.session?.token ?? null);

const messages = new MessageView({
  api,
  live,
  me: () => state.me?.username ?? state.session?.username ?? null,
  elements: {
    scroller: $('message-scroller'),
    list: $('message-list'),
    historyState: $('history-state'),
    emptyRoom: $('empty-room'),
    newMarker: $('new-messages'),
  },
  onRead: (room) => {
    const entry = state.rooms.find((r) => r.name === room);
    if (entry && entry.unread) { entry.unread = 0; renderRooms(); }
  },
  onSessionEnded: () => endSession('Your session has ended. Please log in again.'),
  onUnseenChanged: () => updateTitle(),
  onComposerFocus: () => $('composer-input').focus(),
  onNotice: (text) => toast(text),
  onRoomMissing: (room) => {
    toast(`Room “${room}” does not exist (any more).`);
    removeRoom(room);
    navigate(null);
  },
});

messages.onBackgroundFailure = (room) => toast(`A message to “${room}” was not sent. Open the room to retry it.`);

const cluster = new ClusterView({
  api,
  panel: $('cluster-panel'),
  body: $('cluster-body'),
  toggle: $('cluster-toggle'),
  closeButton: $('cluster-close'),
});

// ---- small UI helpers ----------------------------------------------------------------------------

let toastTimer = null;
function toast(text) {
  const node = $('toast');
  node.textContent = text;
  node.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { node.hidden = true; }, TOAST_MS);
}

/**
 * The tab title: "(N) raft-chat" while N messages are unread in the rooms that are not open (the room
 * list's counts, from the server's read markers) plus those that arrived in the open room while the page
 * was hidden; plain "raft-chat" when there are none.
 */
function updateTitle() {
  let unread = document.hidden ? messages.hiddenUnseen : 0;
  for (const room of state.rooms) {
    if (room.name !== state.currentRoom) unread += room.unread ?? 0;
  }
  const title = unread > 0 ? `(${unread > 999 ? '999+' : unread}) ${BASE_TITLE}` : BASE_TITLE;
  if (document.title !== title) document.title = title;
}

function showError(node, text) {
  node.textContent = text ?? '';
  node.hidden = !text;
}

// ---- authentication ------------------------------------------------------------------------------

function showAuth(message = null) {
  $('app-view').hidden = true;
  $('auth-view').hidden = false;
  $('whoami').hidden = true;
  $('logout').hidden = true;
  $('conn-state').hidden = true;
  showError($('auth-error'), message);
  $('auth-username').focus();
}

function setAuthMode(registering) {
  state.registering = registering;
  $('tab-login').setAttribute('aria-selected', String(!registering));
  $('tab-register').setAttribute('aria-selected', String(registering));
  $('auth-form').setAttribute('aria-labelledby', registering ? 'tab-register' : 'tab-login');
  $('auth-submit').textContent = registering ? 'Create account' : 'Log in';
  $('auth-password').autocomplete = registering ? 'new-password' : 'current-password';
  showError($('auth-error'), null);
}

$('tab-login').addEventListener('click', () => setAuthMode(false));
$('tab-register').addEventListener('click', () => setAuthMode(true));
$('auth-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const username = $('auth-username').value.trim();
  const password = $('auth-password').value;
  const button = $('auth-submit');
  if (!username || !password) {
    showError($('auth-error'), 'Enter a username and a password.');
    return;
  }
  button.disabled = true;
  showError($('auth-error'), null);
  try {
    if (state.registering) await api.register(username, password);
    const login = await api.login(username, password);
    state.session = { token: login.token, username: login.username, expiresAt: login.expiresAt };
    session.save(state.session);
    $('auth-password').value = '';
    await enterApp();
  } catch (e) {
    showError($('auth-error'), authMessage(e));
  } finally {
    button.disabled = false;
  }
});

function authMessage(e) {
  if (!(e instanceof ApiError)) return `Something went wrong: ${e.message}`;
  switch (e.code) {
    case 'invalid_credentials': return 'That username and password do not match.';
    case 'username_taken': return 'That username is taken. Pick another, or log in.';
    case 'invalid_username': return `Invalid username: ${e.message}`;
    case 'invalid_password': return `Invalid password: ${e.message}`;
    case 'rate_limited': return `Too many attempts. Try again in ${e.retryAfterSeconds ?? 'a few'} seconds.`;
    case 'network': return 'The server cannot be reached. Check that it runs, then try again.';
    default: return e.message;
  }
}

$('logout').addEventListener('click', async () => {
  try {
    await api.logout();
  } catch (e) {
    // The token is forgotten here either way; a server that missed the logout lets it expire.
    console.debug('logout not confirmed', e);
  }
  endSession(null);
});

function endSession(message) {
  if (!state.session && $('auth-view').hidden === false) return;
  state.session = null;
  state.me = null;
  session.clear();
  closeDrawer();
  live.stop();
  messages.forgetPending();
  messages.open(null);
  state.currentRoom = null;
  state.rooms = [];
  renderRooms();
  showAuth(message);
}

async function enterApp() {
  try {
    state.me = await api.me();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return; // endSession already ran
    // The server may be down for a moment: keep the session and carry on with what we know.
    state.me = { username: state.session.username, admin: false };
  }
  $('auth-view').hidden = true;
  $('app-view').hidden = false;
  $('whoami').textContent = state.me.username;
  $('whoami').hidden = false;
  $('logout').hidden = false;
  $('conn-state').hidden = false;
  live.start();
  await loadRooms(true);
  openFromHash();
  openTheOnlyRoom();
}

// ---- rooms -----------------------------------------------------------------------------------------

async function loadRooms(fromStart) {
  try {
    const page = await api.rooms({ after: fromStart ? null : state.roomsNext, limit: state.limits.defaultPageSize });
    if (fromStart) {
      // Keep rooms of later pages the reader already loaded; refresh the ones this page covers.
      const fresh = new Map(page.rooms.map((r) => [r.name, r]));
      const lastFresh = page.rooms.length ? page.rooms[page.rooms.length - 1].name : null;
      const kept = page.next === null ? [] : state.rooms.filter((r) => !fresh.has(r.name) && lastFresh !== null && r.name > lastFresh);
      state.rooms = [...page.rooms, ...kept];
      if (kept.length === 0) state.roomsNext = page.next;
    } else {
      const known = new Set(state.rooms.map((r) => r.name));
      state.rooms.push(...page.rooms.filter((r) => !known.has(r.name)));
      state.roomsNext = page.next;
    }
    if (state.currentRoom) {
      const current = state.rooms.find((r) => r.name === state.currentRoom);
      if (current) current.unread = 0;
    }
    renderRooms();
    openTheOnlyRoom();
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401)) toast(`Could not load rooms: ${e.message}`);
  }
}

function renderRooms() {
  const list = $('room-list');
  const items = state.rooms.map((room) => {
    const button = el('button', {
      className: 'room-item',
      attrs: {
        type: 'button',
        'data-room': room.name,
        'aria-current': room.name === state.currentRoom ? 'page' : null,
        'aria-label': room.unread ? `${room.name}, ${room.unread} unread` : room.name,
      },
    }, el('span', { className: 'room-hash', text: '#', attrs: { 'aria-hidden': 'true' } }),
    el('span', { className: 'room-name', text: room.name }));
    if (room.unread && room.name !== state.currentRoom) {
      button.append(el('span', { className: 'unread', text: room.unread > 99 ? '99+' : room.unread, attrs: { 'aria-hidden': 'true' } }));
    }
    button.addEventListener('click', () => navigate(room.name));
    return el('li', {}, button);
  });
  list.replaceChildren(...items);
  $('rooms-more').hidden = state.roomsNext === null || state.roomsNext === undefined;
  $('rooms-empty').hidden = state.rooms.length > 0;
  renderRoomHeader();
  updateTitle();
}

/**
 * With exactly one room (and no more pages of them) and none named in the address, that room opens by
 * itself: a reader should not face an empty page under "Pick a room" when there is nothing to pick.
 * location.replace keeps the back button from returning to the empty page.
 */
function openTheOnlyRoom() {
  if (!state.session || state.currentRoom !== null || /^#\/r\/./.test(location.hash)) return;
  if (state.rooms.length !== 1 || (state.roomsNext !== null && state.roomsNext !== undefined)) return;
  location.replace(`#/r/${encodeURIComponent(state.rooms[0].name)}`);
  openFromHash();
}

function renderRoomHeader() {
  const room = state.rooms.find((r) => r.name === state.currentRoom);
  $('room-title').textContent = state.currentRoom ? `# ${state.currentRoom}` : 'Pick a room';
  const meta = room ? `${room.messageCount ?? 0} message${room.messageCount === 1 ? '' : 's'}${room.createdBy ? ` · created by ${room.createdBy}` : ''}` : '';
  $('room-meta').textContent = meta;
  const mayDelete = room && state.me && (state.me.admin || (room.createdBy && room.createdBy.toLowerCase() === state.me.username.toLowerCase()));
  $('room-delete').hidden = !mayDelete;
  const enabled = Boolean(state.currentRoom);
  $('no-room').hidden = enabled;
  $('composer-input').disabled = !enabled;
  updateComposer();
}

function removeRoom(name) {
  state.rooms = state.rooms.filter((r) => r.name !== name);
  renderRooms();
}

$('rooms-more').addEventListener('click', () => loadRooms(false));

$('new-room-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = $('new-room-name');
  const name = input.value.trim();
  const error = $('new-room-error');
  if (!name) { showError(error, 'Type a name for the room.'); return; }
  if (codePoints(name) > state.limits.maxRoomNameChars) {
    showError(error, `A room name has at most ${state.limits.maxRoomNameChars} characters.`);
    return;
  }
  showError(error, null);
  try {
    const room = await api.createRoom(name);
    input.value = '';
    if (!state.rooms.some((r) => r.name === room.name)) {
      state.rooms.push(room);
      state.rooms.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    }
    renderRooms();
    navigate(room.name);
  } catch (e) {
    if (e instanceof ApiError && e.code === 'room_exists') {
      input.value = '';
      navigate(name);
      return;
    }
    showError(error, e instanceof ApiError && e.code === 'invalid_room_name' ? `Invalid name: ${e.message}` : e.message);
  }
});

$('room-delete').addEventListener('click', async () => {
  const name = state.currentRoom;
  if (!name || !confirm(`Delete the room “${name}” and all of its messages for everyone?`)) return;
  try {
    await api.deleteRoom(name);
    removeRoom(name);
    navigate(null);
    toast(`Deleted “${name}”.`);
  } catch (e) {
    toast(e instanceof ApiError && e.status === 403 ? 'Only the room’s creator or an admin can delete it.' : `Could not delete: ${e.message}`);
  }
});

// ---- routing: #/r/<room> -----------------------------------------------------------------------------

function navigate(room) {
  const hash = room === null ? '#/' : `#/r/${encodeURIComponent(room)}`;
  if (location.hash !== hash) location.hash = hash; else openFromHash();
}

function openFromHash() {
  if (!state.session) return;
  const match = /^#\/r\/(.+)$/.exec(location.hash);
  let room = null;
  if (match) {
    try { room = decodeURIComponent(match[1]); } catch { room = null; }
  }
  closeDrawer();
  if (room === state.currentRoom) return;
  state.currentRoom = room;
  const entry = state.rooms.find((r) => r.name === room);
  if (entry) entry.unread = 0;
  renderRooms();
  messages.open(room);
  if (room) $('composer-input').focus();
}

window.addEventListener('hashchange', openFromHash);

// ---- composer ----------------------------------------------------------------------------------------

function updateComposer() {
  const input = $('composer-input');
  const count = codePoints(input.value);
  const max = state.limits.maxMessageChars;
  const counter = $('composer-count');
  counter.textContent = count ? `${count} / ${max}` : '';
  counter.classList.toggle('over', count > max);
  counter.setAttribute('aria-live', count > max ? 'polite' : 'off');
  if (count > max) counter.textContent = `${count} / ${max} — too long`;
  $('composer-send').disabled = input.disabled || input.value.trim() === '' || count > max;
  // Grow with the text up to a limit, then scroll (the 2px are the borders, outside scrollHeight).
  input.style.height = 'auto';
  input.style.height = `${Math.min(input.scrollHeight + 2, COMPOSER_HEIGHT_MAX_PX)}px`;
  input.style.overflowY = input.scrollHeight + 2 > COMPOSER_HEIGHT_MAX_PX ? 'auto' : 'hidden';
}

function sendComposer() {
  const input = $('composer-input');
  if ($('composer-send').disabled) return;
  messages.send(input.value);
  input.value = '';
  updateComposer();
  input.focus();
}

$('composer-input').addEventListener('input', updateComposer);
$('composer-input').addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    sendComposer();
  } else if (event.key === 'ArrowUp' && event.target.value === '' && !event.shiftKey && !event.altKey
    && !event.ctrlKey && !event.metaKey && !event.isComposing) {
    // As in most chat clients: Up in the empty composer edits your last message.
    if (messages.editLastOwn()) event.preventDefault();
  }
});
$('composer').addEventListener('submit', (event) => {
  event.preventDefault();
  sendComposer();
});

// ---- live connection -----------------------------------------------------------------------------------

let stateTicker = null;
live.addEventListener('state', (event) => {
  const { state: connection, retryInMs } = event.detail;
  const node = $('conn-state');
  node.dataset.state = connection;
  const text = node.querySelector('.conn-text');
  const retry = node.querySelector('.conn-retry');
  clearInterval(stateTicker);
  const describe = () => {
    const wait = Math.max(0, Math.ceil((live.nextAttemptAt - Date.now()) / 1000));
    switch (connection) {
      case LiveState.CONNECTED: return state.info ? `Live · node ${state.info.nodeId}` : 'Live';
      case LiveState.CONNECTING: return 'Connecting…';
      case LiveState.RECONNECTING: return retryInMs === null ? 'Reconnecting…' : `Reconnecting in ${wait} s…`;
      default: return retryInMs === null ? 'Offline' : `Offline · retry in ${wait} s`;
    }
  };
  text.textContent = describe();
  if (retryInMs !== null) stateTicker = setInterval(() => { text.textContent = describe(); }, 1000);
  retry.hidden = !(connection === LiveState.RECONNECTING || connection === LiveState.OFFLINE) || retryInMs === null;
});
$('conn-state').querySelector('.conn-retry').addEventListener('click', () => live.reconnectNow());

live.addEventListener('ready', () => {
  // After a gap in the connection, counts and room metadata may have moved on.
  if (state.wasConnected) loadRooms(true);
  state.wasConnected = true;
});
live.addEventListener('message', (event) => {
  const frame = event.detail;
  messages.onLiveMessage(frame);
  const room = state.rooms.find((r) => r.name === frame.room);
  if (room && frame.message) {
    if (frame.message.seq > (room.latestSeq ?? 0)) {
      room.messageCount = (room.messageCount ?? 0) + 1;
      room.latestSeq = frame.message.seq;
    }
    if (frame.room === state.currentRoom) renderRoomHeader();
  }
});
live.addEventListener('edited', (event) => messages.onLiveEdit(event.detail));
live.addEventListener('deleted', (event) => messages.onLiveEdit(event.detail));
live.addEventListener('reset', (event) => messages.onLiveReset(event.detail));
live.addEventListener('room_deleted', (event) => {
  const name = event.detail.room;
  removeRoom(name);
  if (name === state.currentRoom) {
    toast(`The room “${name}” was deleted.`);
    navigate(null);
  }
});
live.addEventListener('unauthorized', () => endSession('Your session has ended. Please log in again.'));

// Unread counts of the other rooms, refreshed also while the page is hidden: the tab title shows them.
setInterval(() => { if (state.session && state.me) loadRooms(true); }, ROOM_REFRESH_MS);
document.addEventListener('visibilitychange', () => {
  updateTitle();
  if (!document.hidden && state.session && state.me) loadRooms(true);
});

// ---- narrow screens: the room list is a drawer ---------------------------------------------------------

/**
 * Closes the drawer. Closed by the reader (backdrop, Escape, the button), focus goes back to the button that
 * opened it; opening a room moves focus to the composer itself.
 */
function closeDrawer(returnFocus = false) {
  if (!document.body.classList.contains('drawer-open')) return;
  document.body.classList.remove('drawer-open');
  $('rooms-toggle').setAttribute('aria-expanded', 'false');
  $('chat').inert = false;
  if (returnFocus || $('sidebar').contains(document.activeElement)) $('rooms-toggle').focus();
}
$('rooms-toggle').addEventListener('click', () => {
  if (document.body.classList.contains('drawer-open')) {
    closeDrawer(true);
    return;
  }
  document.body.classList.add('drawer-open');
  $('rooms-toggle').setAttribute('aria-expanded', 'true');
  // The page behind the drawer takes no clicks or focus; the backdrop over it closes the drawer.
  $('chat').inert = true;
  $('new-room-name').focus();
});
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && document.body.classList.contains('drawer-open')) closeDrawer(true);
});
$('drawer-backdrop').addEventListener('click', () => closeDrawer(true));
$('no-room-rooms').addEventListener('click', () => $('rooms-toggle').click());
// Widening the window past the drawer's breakpoint shows the list in place: the drawer state must not linger.
window.matchMedia(`(max-width: ${DRAWER_WIDTH_MAX_PX}px)`).addEventListener('change', (event) => { if (!event.matches) closeDrawer(); });

// ---- start ---------------------------------------------------------------------------------------------

async function loadInfo() {
  try {
    state.info = await api.info();
    state.limits = { ...FALLBACK_LIMITS, ...(state.info.limits ?? {}) };
    messages.pageSize = state.limits.defaultPageSize;
    $('composer-input').setAttribute('aria-description', `At most ${state.limits.maxMessageChars} characters.`);
    updateComposer();
  } catch (e) {
    setTimeout(loadInfo, 3000); // limits matter for the counter only; retry quietly until the server answers
  }
}

loadInfo();
if (state.session) {
  enterApp();
} else {
  showAuth();
}
