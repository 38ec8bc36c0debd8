// The live connection: one WebSocket to /api/v1/ws that authenticates, subscribes to the watched rooms
// from their cursors, and on any loss reconnects with exponential backoff and jitter, resubscribing
// from the last cursor each room reached, so nothing is missed and (with the consumer's seq check)
// nothing is shown twice. Emits DOM events; owns no DOM.

export const LiveState = Object.freeze({
  CONNECTING: 'connecting',
  CONNECTED: 'connected',
  RECONNECTING: 'reconnecting',
  OFFLINE: 'offline',
});

/** Close code the server uses for a bad token (docs/api.md). */
const CLOSE_UNAUTHORIZED = 4401;

/**
 * Today a message cursor is the message's decimal seq (docs/api.md, "Cursors"). This is the only place
 * the client derives a cursor instead of receiving one, so the resume point of a live stream is the
 * last message it delivered.
 */
export const cursorOfMessage = (message) => String(message.seq);

export function defaultLiveUrl() {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/api/v1/ws`;
}

/**
 * Events: `state` {state, attempt, retryInMs}, `ready` {username}, `subscribed`, `message`, `edited`,
 * `deleted`, `room_deleted`, `reset` (each with the server's frame as detail), `unauthorized`.
 */
export class LiveConnection extends EventTarget {
  constructor(tokenSource, {
    url = defaultLiveUrl(),
    baseDelayMs = 500,
    maxDelayMs = 15000,
    offlineAfterFailures = 4,
    readyTimeoutMs = 10000,
  } = {}) {
    super();
    this.tokenSource = tokenSource;
    this.url = url;
    this.baseDelayMs = baseDelayMs;
    this.maxDelayMs = maxDelayMs;
    this.offlineAfterFailures = offlineAfterFailures;
    this.readyTimeoutMs = readyTimeoutMs;
    /** room -> cursor (string) or null for "only new" */
    this.watched = new Map();
    this.socket = null;
    this.ready = false;
    this.stopped = true;
    this.failures = 0;
    this.retryTimer = null;
    this.readyTimer = null;
    this.state = LiveState.OFFLINE;
    this.nextAttemptAt = 0;
    this.onOnline = () => this.reconnectNow();
    this.onOffline = () => { if (!this.stopped && !this.ready) this.setState(LiveState.OFFLINE); };
  }

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    window.addEventListener('online', this.onOnline);
    window.addEventListener('offline', this.onOffline);
    this.connect();
  }

  stop() {
    this.stopped = true;
    window.removeEventListener('online', this.onOnline);
    window.removeEventListener('offline', this.onOffline);
    clearTimeout(this.retryTimer);
    clearTimeout(this.readyTimer);
    if (this.socket) {
      const socket = this.socket;
      this.socket = null;
      socket.close(1000, 'logged out');
    }
    this.ready = false;
    this.watched.clear();
    this.setState(LiveState.OFFLINE);
  }

  /** Follows `room` from `cursor` (exclusive; null = only new messages). */
  watch(room, cursor) {
    this.watched.set(room, cursor ?? null);
    if (this.ready) this.send({ type: 'subscribe', room, after: cursor ?? null });
  }

  unwatch(room) {
    if (!this.watched.delete(room)) return;
    if (this.ready) this.send({ type: 'unsubscribe', room });
  }

  /** Records how far the consumer has accepted `room`, the resume point after a reconnect. */
  advance(room, cursor) {
    if (this.watched.has(room)) this.watched.set(room, cursor);
  }

  /** Skips the current backoff wait (the "retry now" button, the browser coming back online). */
  reconnectNow() {
    if (this.stopped || this.ready || (this.socket && this.socket.readyState === WebSocket.CONNECTING)) return;
    clearTimeout(this.retryTimer);
    this.connect();
  }

  connect() {
    if (this.stopped) return;
    this.setState(this.failures === 0 ? LiveState.CONNECTING : this.failureState());
    let socket;
    try {
      socket = new WebSocket(this.url);
    } catch (e) {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    this.ready = false;
    socket.addEventListener('open', () => {
      if (socket !== this.socket) return;
      this.send({ type: 'auth', token: this.tokenSource() });
      this.readyTimer = setTimeout(() => socket.close(4000, 'no ready frame in time'), this.readyTimeoutMs);
    });
    socket.addEventListener('message', (event) => {
      if (socket !== this.socket) return;
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      this.onFrame(frame);
    });
    socket.addEventListener('close', (event) => {
      if (socket !== this.socket) return;
      clearTimeout(this.readyTimer);
      this.socket = null;
      this.ready = false;
      if (this.stopped) return;
      if (event.code === CLOSE_UNAUTHORIZED) {
        this.stopped = true;
        this.setState(LiveState.OFFLINE);
        this.dispatchEvent(new CustomEvent('unauthorized'));
        return;
      }
      this.scheduleReconnect();
    });
  }

  onFrame(frame) {
    if (frame.type === 'ready') {
      clearTimeout(this.readyTimer);
      this.ready = true;
      this.failures = 0;
      for (const [room, cursor] of this.watched) this.send({ type: 'subscribe', room, after: cursor });
      this.setState(LiveState.CONNECTED);
    }
    if (frame.type === 'message' && frame.message && this.watched.has(frame.room)) {
      // Resume after the newest delivered message; the consumer drops anything older it already has.
      const current = this.watched.get(frame.room);
      if (current === null || Number(frame.message.seq) > Number(current)) {
        this.watched.set(frame.room, cursorOfMessage(frame.message));
      }
    }
    if (frame.type === 'room_deleted') this.watched.delete(frame.room);
    this.dispatchEvent(new CustomEvent(frame.type, { detail: frame }));
  }

  send(frame) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(frame));
  }

  /** Exponential backoff with "equal jitter": half the step is fixed, half random, capped. */
  scheduleReconnect() {
    this.failures += 1;
    const step = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.min(this.failures - 1, 16));
    const delay = Math.round(step / 2 + Math.random() * (step / 2));
    this.nextAttemptAt = Date.now() + delay;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), delay);
    this.setState(this.failureState(), delay);
  }

  failureState() {
    return !navigator.onLine || this.failures >= this.offlineAfterFailures ? LiveState.OFFLINE : LiveState.RECONNECTING;
  }

  setState(state, retryInMs = null) {
    this.state = state;
    this.dispatchEvent(new CustomEvent('state', { detail: { state, attempt: this.failures, retryInMs } }));
  }
}
