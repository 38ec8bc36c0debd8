// The message list of the open room: the latest page on open, older pages on scroll-up (keeping the
// reader's place), live messages in seq order without duplicates, optimistic pending sends that
// become real messages, the "new messages" marker when the reader is not at the bottom, day
// separators, and editing and deleting the reader's own messages.

import { ApiError, newTxnId } from './api.js';
import { cursorOfMessage } from './live.js';
import { authorHue, clockTime, dayKey, dayLabel, el, fullTime, isoDay, linkedText } from './format.js';

/** Within this many pixels of the end the reader counts as "at the bottom". */
const BOTTOM_SLACK_PX = 48;
/** Scrolling this close to the top loads the previous page. */
const TOP_LOAD_PX = 160;
/** Consecutive messages of one author closer than this share one header. */
const GROUP_WINDOW_MS = 5 * 60 * 1000;
const READ_MARKER_DELAY_MS = 700;
/** Automatic resends of a failed post (same transaction id) before the reader is asked. */
const AUTO_RETRIES = 3;
const AUTO_RETRY_BASE_MS = 400;
/** How often the day separators check whether "Today" has become "Yesterday". */
const DAY_CHECK_MS = 60 * 1000;

export class MessageView {
  constructor({ api, live, me, elements, onRead, onSessionEnded, onRoomMissing, onUnseenChanged = () => {},
    onComposerFocus = () => {}, onNotice = () => {} }) {
    this.api = api;
    this.live = live;
    this.me = me;
    this.onRead = onRead;
    this.onSessionEnded = onSessionEnded;
    this.onRoomMissing = onRoomMissing;
    this.onUnseenChanged = onUnseenChanged;
    this.onComposerFocus = onComposerFocus;
    this.onNotice = onNotice;
    /** Messages of the open room that arrived while the page was hidden (the tab title's count). */
    this.hiddenUnseen = 0;
    /** The open editor: {seq, li, input, error, buttons, saving, returnTo}, or null. */
    this.editing = null;
    /** The open action menu: {menu, button}, or null. */
    this.menu = null;
    this.labelledDay = dayKey(Date.now());
    this.scroller = elements.scroller;
    this.list = elements.list;
    this.historyState = elements.historyState;
    this.emptyRoom = elements.emptyRoom;
    this.newMarker = elements.newMarker;
    this.pageSize = null;
    this.onBackgroundFailure = () => {};
    /** txnId -> {text, li, room, state}: pending sends of every room, kept while the reader looks elsewhere. */
    this.pending = new Map();
    this.reset(null);
    this.scroller.addEventListener('scroll', () => this.onScroll(), { passive: true });
    this.newMarker.addEventListener('click', () => this.scrollToBottom(true));
    document.addEventListener('visibilitychange', () => {
      if (document.hidden) return;
      this.setHiddenUnseen(0);
      this.maybeMarkRead();
    });
    // Any click outside the open menu closes it, as focus leaving it does.
    document.addEventListener('click', (event) => {
      if (this.menu && !this.menu.menu.contains(event.target) && !this.menu.button.contains(event.target)) this.closeMenu(false);
    }, true);
    setInterval(() => this.relabelDays(), DAY_CHECK_MS);
  }

  setHiddenUnseen(count) {
    if (this.hiddenUnseen === count) return;
    this.hiddenUnseen = count;
    this.onUnseenChanged(count);
  }

  /** Whether `message` is the reader's own, which they may edit and delete (an unverified post never is). */
  isMine(message) {
    const me = this.me();
    return Boolean(me && message.author && message.verified !== false && message.author.toLowerCase() === me.toLowerCase());
  }

  reset(room) {
    this.room = room;
    this.generation = (this.generation ?? 0) + 1;
    this.messages = new Map(); // seq -> message
    this.items = new Map(); // seq -> <li>
    this.contiguousSeq = null; // every seq from the oldest loaded up to this one is shown
    this.prevCursor = null;
    this.oldestRetainedSeq = null;
    this.loadingOlder = false;
    this.catchingUp = false;
    this.unseen = 0;
    this.markedSeq = 0;
    this.editing = null;
    this.menu = null;
    this.setHiddenUnseen(0);
    this.sendReadMarker();
    this.list.replaceChildren();
    this.newMarker.hidden = true;
    this.emptyRoom.hidden = true;
    this.historyState.textContent = '';
  }

  /** Shows `room`: its latest page, then live messages after it. */
  async open(room) {
    if (this.room !== null) this.live.unwatch(this.room);
    this.reset(room);
    if (room === null) return;
    const generation = this.generation;
    this.historyState.textContent = 'Loading messages…';
    let page;
    try {
      page = await this.api.messages(room, { limit: this.pageSize });
    } catch (e) {
      if (generation !== this.generation) return;
      this.historyState.textContent = '';
      if (e instanceof ApiError && e.status === 404) {
        this.onRoomMissing(room);
        return;
      }
      this.historyState.textContent = `Could not load messages: ${e.message}.`;
      this.historyState.append(' ', this.retryLink(() => this.open(room)));
      return;
    }
    if (generation !== this.generation) return;
    this.acceptPage(page, 'latest');
    for (const entry of this.pending.values()) {
      if (entry.room === room) this.list.append(entry.li);
    }
    this.emptyRoom.hidden = this.messages.size > 0 || this.hasPendingHere();
    this.contiguousSeq = Number(page.latestSeq ?? this.newestLoadedSeq() ?? 0);
    if (page.messages.length) this.contiguousSeq = Math.max(this.contiguousSeq, this.newestLoadedSeq());
    this.live.watch(room, page.next ?? String(this.contiguousSeq));
    this.scrollToBottom(false);
    this.fillViewport();
    this.maybeMarkRead();
  }

  retryLink(action) {
    const button = el('button', { className: 'link-button', text: 'Try again', attrs: { type: 'button' } });
    button.addEventListener('click', action);
    return button;
  }

  newestLoadedSeq() {
    let newest = null;
    for (const seq of this.messages.keys()) if (newest === null || seq > newest) newest = seq;
    return newest;
  }

  acceptPage(page, where) {
    if (where !== 'after') {
      this.prevCursor = page.prev ?? null;
    }
    this.oldestRetainedSeq = page.oldestRetainedSeq ?? this.oldestRetainedSeq;
    for (const message of page.messages) this.place(message);
    this.updateHistoryState();
    this.emptyRoom.hidden = this.messages.size > 0 || this.hasPendingHere();
  }

  hasPendingHere() {
    for (const entry of this.pending.values()) if (entry.room === this.room) return true;
    return false;
  }

  /** Forgets every pending send (logging out): nothing more is sent for them. */
  forgetPending() {
    for (const entry of this.pending.values()) entry.li.remove();
    this.pending.clear();
  }

  updateHistoryState() {
    if (this.loadingOlder) {
      this.historyState.textContent = 'Loading older messages…';
    } else if (this.prevCursor !== null) {
      this.historyState.textContent = 'Scroll up for older messages';
    } else if (this.messages.size && this.oldestRetainedSeq && this.oldestRetainedSeq > 1) {
      this.historyState.textContent = 'Older messages were removed by this room’s retention policy.';
    } else if (this.messages.size) {
      this.historyState.textContent = `This is the beginning of ${this.room}.`;
    } else {
      this.historyState.textContent = '';
    }
  }

  onScroll() {
    if (this.scroller.scrollTop < TOP_LOAD_PX) this.loadOlder();
    if (this.atBottom()) {
      this.unseen = 0;
      this.newMarker.hidden = true;
      this.maybeMarkRead();
    }
  }

  atBottom() {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight <= BOTTOM_SLACK_PX;
  }

  scrollToBottom(smooth) {
    this.scroller.scrollTo({ top: this.scroller.scrollHeight, behavior: smooth ? 'smooth' : 'auto' });
    this.unseen = 0;
    this.newMarker.hidden = true;
    this.maybeMarkRead();
  }

  /** Loads older pages while the list does not fill the viewport (no scroll bar, no way to scroll up). */
  async fillViewport() {
    while (this.room !== null && this.prevCursor !== null && this.scroller.scrollHeight <= this.scroller.clientHeight) {
      if (!(await this.loadOlder())) return;
    }
  }

  /** One page before the oldest shown, keeping the reader's place. Resolves to whether a page was added. */
  async loadOlder() {
    if (this.loadingOlder || this.prevCursor === null || this.room === null) return false;
    const generation = this.generation;
    this.loadingOlder = true;
    this.updateHistoryState();
    try {
      const page = await this.api.messages(this.room, { before: this.prevCursor, limit: this.pageSize });
      if (generation !== this.generation) return false;
      // Keep the text the reader sees in place: the first message's text is the anchor (its header may
      // vanish when the page before it ends with the same author, so the list's height is not enough).
      const anchor = this.list.querySelector('li.msg:not(.pending) .msg-text');
      const anchorTop = anchor ? anchor.getBoundingClientRect().top : null;
      const fromBottom = this.scroller.scrollHeight - this.scroller.scrollTop;
      this.loadingOlder = false;
      this.acceptPage(page, 'before');
      if (anchor && anchor.isConnected) {
        this.scroller.scrollTop += anchor.getBoundingClientRect().top - anchorTop;
      } else {
        this.scroller.scrollTop = this.scroller.scrollHeight - fromBottom;
      }
      return page.messages.length > 0;
    } catch (e) {
      if (generation !== this.generation) return false;
      this.loadingOlder = false;
      if (e instanceof ApiError && e.code === 'cursor_expired') {
        // Retention removed what was before the cursor: the history simply ends here.
        this.prevCursor = null;
        this.oldestRetainedSeq = e.details?.oldestRetainedSeq ?? this.oldestRetainedSeq;
        this.updateHistoryState();
        return false;
      }
      this.historyState.textContent = `Could not load older messages: ${e.message}.`;
      this.historyState.append(' ', this.retryLink(() => this.loadOlder()));
      return false;
    } finally {
      if (generation === this.generation) this.loadingOlder = false;
    }
  }

  // ---- live updates ----------------------------------------------------------------------------

  onLiveMessage(frame) {
    if (frame.room !== this.room || this.contiguousSeq === null) return;
    const message = frame.message;
    if (message.seq <= this.contiguousSeq) {
      // Already shown (a replay after resume, or our own send answered first): update only.
      if (!this.messages.has(message.seq)) this.place(message);
      return;
    }
    if (message.seq > this.contiguousSeq + 1) {
      // The stream promises no gaps; should one appear anyway, fetch what is missing rather than show a hole.
      this.catchUp();
      return;
    }
    this.showNew([message]);
  }

  /** Appends newer messages in order and advances the resume point. */
  showNew(messages) {
    const wasAtBottom = this.atBottom();
    let added = 0;
    let mine = false;
    let hiddenAdded = 0;
    for (const message of messages) {
      if (message.seq <= this.contiguousSeq) continue;
      if (!this.messages.has(message.seq)) {
        added += 1;
        if (this.isMine(message)) {
          mine = true;
        } else if (document.hidden && !message.deleted) {
          hiddenAdded += 1;
        }
      }
      this.place(message);
      this.contiguousSeq = message.seq;
      this.live.advance(this.room, cursorOfMessage(message));
    }
    this.emptyRoom.hidden = this.messages.size > 0 || this.hasPendingHere();
    if (added === 0) return;
    if (hiddenAdded) this.setHiddenUnseen(this.hiddenUnseen + hiddenAdded);
    this.updateHistoryState();
    if (wasAtBottom || mine) {
      this.scrollToBottom(false);
    } else {
      this.unseen += added;
      this.newMarker.textContent = `${this.unseen} new message${this.unseen === 1 ? '' : 's'} ↓`;
      this.newMarker.hidden = false;
    }
  }

  async catchUp() {
    if (this.catchingUp) return;
    this.catchingUp = true;
    const generation = this.generation;
    try {
      for (let rounds = 0; rounds < 100; rounds++) {
        const page = await this.api.messages(this.room, { after: String(this.contiguousSeq), limit: this.pageSize });
        if (generation !== this.generation) return;
        this.showNew(page.messages);
        if (!page.messages.length || this.contiguousSeq >= Number(page.latestSeq)) return;
      }
    } catch (e) {
      if (generation === this.generation && e instanceof ApiError && e.code === 'cursor_expired') this.open(this.room);
    } finally {
      if (generation === this.generation) this.catchingUp = false;
    }
  }

  onLiveEdit(frame) {
    if (frame.room === this.room && this.messages.has(frame.message.seq)) this.place(frame.message);
  }

  /** The server could not resume from our cursor (history expired): start over from the latest page. */
  onLiveReset(frame) {
    if (frame.room === this.room) this.open(this.room);
  }

  // ---- sending ---------------------------------------------------------------------------------

  /** Shows `text` at once as pending and posts it with a fresh transaction id. */
  send(text) {
    if (this.room === null) return;
    const txnId = newTxnId();
    const li = this.render({ author: this.me(), text, postedAtMillis: Date.now(), txnId }, true);
    const entry = { text, li, room: this.room, state: 'sending' };
    this.pending.set(txnId, entry);
    this.list.append(li);
    this.regroup(li);
    this.emptyRoom.hidden = true;
    this.scrollToBottom(false);
    this.post(txnId);
  }

  /** Sends a pending message again with the SAME transaction id: the server answers a replay, never a copy. */
  retry(txnId) {
    const entry = this.pending.get(txnId);
    if (entry && entry.state === 'failed') this.post(txnId);
  }

  discard(txnId) {
    const entry = this.pending.get(txnId);
    if (!entry || entry.state === 'sending') return;
    this.pending.delete(txnId);
    entry.li.remove();
  }

  /**
   * Posts a pending message. Failures that may be transient (no answer, 5xx, 429) are retried a few times
   * with the same transaction id, so a leader election is invisible to the reader; after that the message
   * shows "Retry", and a 4xx rejection shows why.
   */
  async post(txnId) {
    const entry = this.pending.get(txnId);
    entry.state = 'sending';
    this.setPendingStatus(entry, 'Sending…');
    for (let attempt = 0; ; attempt++) {
      try {
        const { message, replayed } = await this.api.postMessage(entry.room, entry.text, txnId);
        if (!this.pending.has(txnId)) return;
        this.resolvePending(txnId, message, replayed);
        return;
      } catch (e) {
        if (!this.pending.has(txnId)) return;
        const retryable = !(e instanceof ApiError) || e.retryable;
        if (retryable && attempt < AUTO_RETRIES) {
          const waitMs = e instanceof ApiError && e.retryAfterSeconds !== null
            ? Math.min(e.retryAfterSeconds * 1000, 10000)
            : AUTO_RETRY_BASE_MS * 2 ** attempt * (0.75 + Math.random() / 2);
          this.setPendingStatus(entry, 'Sending… (retrying)');
          await new Promise((resolve) => setTimeout(resolve, waitMs));
          if (!this.pending.has(txnId)) return;
          continue;
        }
        entry.state = 'failed';
        entry.li.classList.add('failed');
        this.setPendingStatus(entry, retryable ? `Not sent (${e.message}).` : `Rejected: ${e.message}.`,
          retryable ? txnId : null, txnId);
        if (e instanceof ApiError && e.status === 401) {
          this.onSessionEnded();
        } else if (entry.room !== this.room) {
          this.onBackgroundFailure(entry.room);
        }
        return;
      }
    }
  }

  /** The real message replaces its pending stand-in (from our POST's answer or from the live stream). */
  resolvePending(txnId, message, replayed = false) {
    const entry = this.pending.get(txnId);
    if (!entry) return;
    this.pending.delete(txnId);
    entry.li.remove();
    // Sent from another room the reader has left since: it shows there when they come back.
    if (message && entry.room === this.room && this.contiguousSeq !== null) {
      const wasShown = this.messages.has(message.seq);
      if (message.seq === this.contiguousSeq + 1) {
        this.showNew([message]);
      } else {
        this.place(message);
      }
      const li = this.items.get(message.seq);
      if (li && replayed) li.dataset.replayed = 'true';
      if (!wasShown) this.scrollToBottom(false);
    }
  }

  setPendingStatus(entry, text, retryTxnId = null, discardTxnId = null) {
    const status = entry.li.querySelector('.msg-status');
    status.replaceChildren(document.createTextNode(text));
    entry.li.dataset.state = entry.state;
    if (entry.state === 'sending') entry.li.classList.remove('failed');
    if (retryTxnId) {
      const retry = el('button', { className: 'link-button retry', text: 'Retry', attrs: { type: 'button' } });
      retry.addEventListener('click', () => this.retry(retryTxnId));
      status.append(' ', retry);
    }
    if (discardTxnId) {
      const discard = el('button', { className: 'link-button discard', text: 'Discard', attrs: { type: 'button' } });
      discard.addEventListener('click', () => this.discard(discardTxnId));
      status.append(' ', discard);
    }
  }

  // ---- rendering -------------------------------------------------------------------------------

  /** Puts `message` in its place by seq, replacing an older rendering of it (an edit or a tombstone). */
  place(message) {
    if (message.txnId && this.pending.has(message.txnId)) {
      const entry = this.pending.get(message.txnId);
      this.pending.delete(message.txnId);
      entry.li.remove();
    }
    if (this.editing && this.editing.seq === message.seq && this.items.has(message.seq)) {
      if (!message.deleted) {
        // Changed elsewhere while the reader edits it: keep their editor; the new text shows when it closes.
        this.messages.set(message.seq, message);
        return;
      }
      this.editing = null; // deleted meanwhile: nothing is left to edit
      this.onNotice('The message you were editing was deleted.');
    }
    const li = this.render(message, false);
    const existing = this.items.get(message.seq);
    this.messages.set(message.seq, message);
    this.items.set(message.seq, li);
    if (existing) {
      if (existing.dataset.replayed) li.dataset.replayed = existing.dataset.replayed;
      if (this.menu && existing.contains(this.menu.button)) this.menu = null;
      existing.replaceWith(li);
    } else {
      // Walk back from the end past pending messages and newer ones; usually one or two steps.
      let after = this.list.lastElementChild;
      while (after && (after.classList.contains('pending') || Number(after.dataset.seq) > message.seq)) {
        after = after.previousElementSibling;
      }
      if (after) after.after(li); else this.list.prepend(li);
    }
    this.regroup(li);
    if (li.nextElementSibling) this.regroup(li.nextElementSibling);
  }

  render(message, pending) {
    const author = message.author ?? 'anonymous';
    const li = el('li', {
      className: pending ? 'msg pending' : 'msg',
      attrs: {
        'data-seq': pending ? null : message.seq,
        'data-id': pending ? null : message.id,
        'data-txn': message.txnId ?? null,
        // An unverified post (no token) never groups with the registered user's own messages.
        'data-author': message.verified === false ? `?${author}` : author,
        'data-state': pending ? 'sending' : null,
      },
    });
    li.style.setProperty('--author-hue', String(authorHue(author)));
    const time = el('time', {
      className: 'msg-time',
      text: clockTime(message.postedAtMillis),
      attrs: { datetime: new Date(message.postedAtMillis).toISOString(), title: fullTime(message.postedAtMillis) },
    });
    const head = el('div', { className: 'msg-head' }, el('span', { className: 'msg-author', text: author }), time);
    let body;
    if (message.deleted) {
      body = el('p', { className: 'msg-text deleted', text: 'This message was deleted.' });
    } else {
      body = el('p', { className: 'msg-text' }, linkedText(message.text));
    }
    // "(edited)" follows the text, so it shows also when the message shares the header of the one before.
    const edited = message.editedAt ? el('span', { className: 'msg-edited muted', text: '(edited)' }) : null;
    li.append(head, el('div', { className: 'msg-body' }, body, edited));
    if (message.verified === false) {
      head.append(el('span', {
        className: 'msg-unverified muted',
        text: 'unverified',
        attrs: { title: 'Posted without a token: anyone could have used this name.' },
      }));
    }
    if (pending) li.append(el('div', { className: 'msg-status small-print', attrs: { role: 'status' } }));
    if (!pending && !message.deleted && this.isMine(message)) {
      li.classList.add('mine');
      li.append(this.actionsButton(message.seq, clockTime(message.postedAtMillis)));
    }
    li.dataset.millis = String(message.postedAtMillis);
    return li;
  }

  /** Hides the header of a message that follows one of the same author shortly before; marks where a day starts. */
  regroup(li) {
    const previous = li.previousElementSibling;
    const millis = Number(li.dataset.millis);
    const newDay = !previous || dayKey(Number(previous.dataset.millis)) !== dayKey(millis);
    const continued = !newDay
      && previous.dataset.author === li.dataset.author
      && millis - Number(previous.dataset.millis) < GROUP_WINDOW_MS;
    li.classList.toggle('continued', Boolean(continued));
    li.classList.toggle('new-day', newDay);
    const existing = li.querySelector(':scope > .day-separator');
    if (!newDay) {
      existing?.remove();
      return;
    }
    const label = dayLabel(millis);
    if (existing && existing.dataset.day === isoDay(millis) && existing.textContent === label) return;
    const separator = el('div', {
      className: 'day-separator',
      attrs: { role: 'separator', 'aria-label': label, 'data-day': isoDay(millis) },
    }, el('time', { text: label, attrs: { datetime: isoDay(millis) } }));
    if (existing) existing.replaceWith(separator); else li.prepend(separator);
  }

  /** After midnight "Today" is "Yesterday": relabels the separators when the reader's day changes. */
  relabelDays() {
    const today = dayKey(Date.now());
    if (today === this.labelledDay) return;
    this.labelledDay = today;
    for (const li of this.list.querySelectorAll(':scope > li.new-day')) this.regroup(li);
  }

  // ---- editing and deleting the reader's own messages ------------------------------------------

  /** The "⋯" button of one of the reader's messages: opens a menu with Edit and Delete. */
  actionsButton(seq, time) {
    const button = el('button', {
      className: 'msg-menu-button',
      attrs: {
        type: 'button',
        'aria-haspopup': 'menu',
        'aria-expanded': 'false',
        'aria-label': `Edit or delete your message of ${time}`,
        title: 'Edit or delete',
      },
    }, el('span', { text: '⋯', attrs: { 'aria-hidden': 'true' } }));
    button.addEventListener('click', () => (this.menu?.button === button ? this.closeMenu(true) : this.openMenu(seq, button)));
    button.addEventListener('keydown', (event) => {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        this.openMenu(seq, button, event.key === 'ArrowUp' ? -1 : 0);
      }
    });
    return el('div', { className: 'msg-actions' }, button);
  }

  openMenu(seq, button, focusIndex = 0) {
    this.closeMenu(false);
    const item = (text, action, danger) => el('button', {
      className: danger ? 'menu-item danger' : 'menu-item',
      text,
      attrs: { type: 'button', role: 'menuitem', tabindex: '-1', 'data-action': action },
    });
    const edit = item('Edit', 'edit', false);
    const remove = item('Delete', 'delete', true);
    const menu = el('div', { className: 'msg-menu', attrs: { role: 'menu', 'aria-label': 'Message actions' } }, edit, remove);
    const items = [edit, remove];
    edit.addEventListener('click', () => { this.closeMenu(false); this.startEdit(seq, 'menu'); });
    remove.addEventListener('click', () => { this.closeMenu(false); this.confirmDelete(seq); });
    menu.addEventListener('keydown', (event) => {
      const at = items.indexOf(document.activeElement);
      let next = null;
      if (event.key === 'ArrowDown') next = (at + 1) % items.length;
      else if (event.key === 'ArrowUp') next = (at - 1 + items.length) % items.length;
      else if (event.key === 'Home') next = 0;
      else if (event.key === 'End') next = items.length - 1;
      else if (event.key === 'Escape') {
        event.preventDefault();
        event.stopPropagation();
        this.closeMenu(true);
      } else if (event.key === 'Tab') {
        this.closeMenu(false);
      }
      if (next !== null) {
        event.preventDefault();
        items[next].focus();
      }
    });
    menu.addEventListener('focusout', (event) => {
      if (this.menu?.menu === menu && event.relatedTarget && !menu.contains(event.relatedTarget)) this.closeMenu(false);
    });
    button.after(menu);
    // Near the bottom of the list the menu opens upwards, so it is never hidden below the scroller's edge.
    if (menu.getBoundingClientRect().bottom > this.scroller.getBoundingClientRect().bottom) menu.classList.add('up');
    button.setAttribute('aria-expanded', 'true');
    this.menu = { menu, button };
    items.at(focusIndex).focus();
  }

  closeMenu(refocus) {
    const open = this.menu;
    if (!open) return;
    this.menu = null;
    open.menu.remove();
    open.button.setAttribute('aria-expanded', 'false');
    if (refocus && open.button.isConnected) open.button.focus();
  }

  /** Up arrow in the empty composer: edits the reader's newest message that is not deleted. */
  editLastOwn() {
    const seqs = [...this.messages.keys()].sort((a, b) => b - a);
    for (const seq of seqs) {
      const message = this.messages.get(seq);
      if (!message.deleted && this.isMine(message)) return this.startEdit(seq, 'composer');
    }
    return false;
  }

  /** Replaces the message's text by an editor: Enter saves, Shift+Enter is a new line, Escape cancels. */
  startEdit(seq, returnTo) {
    const message = this.messages.get(seq);
    const li = this.items.get(seq);
    if (!message || !li || message.deleted || !this.isMine(message)) return false;
    if (this.editing) this.endEdit(false);
    li.querySelector(':scope > .msg-confirm')?.remove();
    const input = el('textarea', { className: 'msg-edit-input', attrs: { 'aria-label': 'Edit your message', rows: '1' } });
    input.value = message.text;
    const save = el('button', { className: 'primary-button small', text: 'Save', attrs: { type: 'submit' } });
    const cancel = el('button', { className: 'ghost-button small', text: 'Cancel', attrs: { type: 'button', 'data-action': 'cancel' } });
    const error = el('p', { className: 'form-error small-print', attrs: { role: 'alert' } });
    error.hidden = true;
    const form = el('form', { className: 'msg-edit', attrs: { novalidate: true } },
      input,
      el('div', { className: 'msg-edit-bar' }, save, cancel,
        el('small', { className: 'muted small-print', text: 'Enter saves · Shift+Enter new line · Esc cancels' })),
      error);
    li.querySelector(':scope > .msg-body').replaceWith(form);
    li.classList.add('editing');
    this.editing = { seq, li, input, error, buttons: [save, cancel], saving: false, returnTo };
    const grow = () => {
      input.style.height = 'auto';
      input.style.height = `${Math.min(input.scrollHeight + 2, 240)}px`;
    };
    input.addEventListener('input', grow);
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.saveEdit();
      } else if (event.key === 'Escape') {
        event.preventDefault();
        event.stopPropagation();
        this.endEdit(true);
      }
    });
    form.addEventListener('submit', (event) => { event.preventDefault(); this.saveEdit(); });
    cancel.addEventListener('click', () => this.endEdit(true));
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
    grow();
    return true;
  }

  /** Closes the editor and shows the message as it now is; focus goes back where the edit started. */
  endEdit(refocus) {
    const editing = this.editing;
    if (!editing) return;
    this.editing = null;
    const message = this.messages.get(editing.seq);
    if (message && editing.li.isConnected) this.place(message);
    if (refocus) this.refocusAfter(editing.seq, editing.returnTo);
  }

  refocusAfter(seq, returnTo) {
    const button = this.items.get(seq)?.querySelector('.msg-menu-button');
    if (returnTo === 'menu' && button) button.focus(); else this.onComposerFocus();
  }

  async saveEdit() {
    const editing = this.editing;
    if (!editing || editing.saving) return;
    const text = editing.input.value;
    const message = this.messages.get(editing.seq);
    if (text.trim() === '') {
      this.showEditError(editing, 'A message cannot be empty. To remove it, use Delete.');
      return;
    }
    if (message && text === message.text) {
      this.endEdit(true);
      return;
    }
    editing.saving = true;
    for (const button of editing.buttons) button.disabled = true;
    const generation = this.generation;
    try {
      const edited = await this.api.editMessage(this.room, editing.seq, text);
      if (generation !== this.generation || this.editing !== editing) return;
      this.editing = null;
      this.place(edited);
      this.refocusAfter(editing.seq, editing.returnTo);
    } catch (e) {
      if (generation !== this.generation || this.editing !== editing) return;
      editing.saving = false;
      for (const button of editing.buttons) button.disabled = false;
      if (e instanceof ApiError && e.status === 401) {
        this.onSessionEnded();
      } else if (e instanceof ApiError && e.code === 'message_deleted') {
        this.editing = null;
        this.place({ ...message, deleted: true, text: null, editedAt: null });
        this.onNotice('That message was deleted meanwhile.');
        this.onComposerFocus();
      } else {
        // The outcome of a timed-out edit is unknown; saving again sets the same text, so it is safe.
        this.showEditError(editing, `Not saved: ${e.message}. Press Enter to try again.`);
      }
    }
  }

  showEditError(editing, text) {
    editing.error.textContent = text;
    editing.error.hidden = false;
    editing.input.focus();
  }

  /** Asks inside the message whether to delete it; focus goes to the answer "Delete". */
  confirmDelete(seq) {
    const li = this.items.get(seq);
    const message = this.messages.get(seq);
    if (!li || !message || message.deleted || !this.isMine(message)) return;
    if (this.editing?.seq === seq) this.endEdit(false);
    const current = this.items.get(seq);
    current.querySelector(':scope > .msg-confirm')?.remove();
    const yes = el('button', { className: 'danger-button small', text: 'Delete', attrs: { type: 'button', 'data-action': 'confirm-delete' } });
    const no = el('button', { className: 'ghost-button small', text: 'Cancel', attrs: { type: 'button', 'data-action': 'cancel' } });
    const status = el('span', { className: 'form-error small-print', attrs: { role: 'alert' } });
    const bar = el('div', { className: 'msg-confirm', attrs: { role: 'group', 'aria-label': 'Delete this message?' } },
      el('span', { text: 'Delete this message for everyone?' }), yes, no, status);
    const dismiss = () => {
      bar.remove();
      this.refocusAfter(seq, 'menu');
    };
    no.addEventListener('click', dismiss);
    bar.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        event.stopPropagation();
        dismiss();
      }
    });
    yes.addEventListener('click', async () => {
      yes.disabled = true;
      no.disabled = true;
      const generation = this.generation;
      try {
        const tombstone = await this.api.deleteMessage(this.room, seq);
        if (generation !== this.generation) return;
        this.place(tombstone);
        this.onComposerFocus();
      } catch (e) {
        if (generation !== this.generation) return;
        yes.disabled = false;
        no.disabled = false;
        if (e instanceof ApiError && e.status === 401) this.onSessionEnded();
        status.textContent = `Not deleted: ${e.message}.`;
        yes.focus();
      }
    });
    current.append(bar);
    yes.focus();
  }

  // ---- read marker -----------------------------------------------------------------------------

  maybeMarkRead() {
    if (this.room === null || document.hidden || !this.atBottom() || !this.contiguousSeq) return;
    if (this.contiguousSeq <= this.markedSeq) return;
    clearTimeout(this.readTimer);
    this.unsentMarker = { room: this.room, seq: this.contiguousSeq };
    this.readTimer = setTimeout(() => this.sendReadMarker(), READ_MARKER_DELAY_MS);
  }

  /**
   * Stores the waiting read marker now. Leaving a room sends it at once rather than dropping it: what the
   * reader saw there is read, even when they switch rooms within the marker's short delay.
   */
  async sendReadMarker() {
    clearTimeout(this.readTimer);
    const marker = this.unsentMarker;
    this.unsentMarker = null;
    if (!marker) return;
    try {
      await this.api.readMarker(marker.room, marker.seq);
      if (marker.room === this.room) this.markedSeq = Math.max(this.markedSeq, marker.seq);
      this.onRead(marker.room, marker.seq);
    } catch (e) {
      // A lost read marker only leaves an unread count too high; the next one corrects it.
      console.debug('read marker not stored', e);
    }
  }
}
