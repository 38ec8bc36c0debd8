// The chat API v1 over fetch (docs/api.md). Every failure becomes an ApiError with a stable `code`;
// network trouble is code "network" (status 0) and a client-side timeout is code "timeout" (status 0),
// both retryable. Nothing here touches the DOM.

export const API = '/api/v1';
/** The longest a request may take before the client gives up on it (the server's own timeout is shorter). */
export const REQUEST_TIMEOUT_MS = 15000;

export class ApiError extends Error {
  constructor(status, code, message, { field = null, retryAfterSeconds = null, details = null } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
    this.retryAfterSeconds = retryAfterSeconds;
    this.details = details;
  }

  /** Whether sending the same request again may succeed (the outcome of a write may be unknown). */
  get retryable() {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

/** A path segment: room names may contain anything, including '/'. */
export const seg = (text) => encodeURIComponent(text);

export class ApiClient {
  /** @param {() => (string|null)} tokenSource the current bearer token, or null */
  constructor(tokenSource, { onUnauthorized = () => {} } = {}) {
    this.tokenSource = tokenSource;
    this.onUnauthorized = onUnauthorized;
  }

  /**
   * One request. Resolves to {status, body, headers} for 2xx/304, rejects with ApiError otherwise.
   */
  async request(method, path, { body, headers = {}, timeoutMs = REQUEST_TIMEOUT_MS, auth = true } = {}) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const sent = { ...headers, Accept: 'application/json' };
    const token = auth ? this.tokenSource() : null;
    if (token) sent.Authorization = `Bearer ${token}`;
    if (body !== undefined) sent['Content-Type'] = 'application/json';
    let response;
    try {
      response = await fetch(path, {
        method,
        headers: sent,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: controller.signal,
        cache: 'no-store',
        credentials: 'omit',
      });
    } catch (e) {
      if (controller.signal.aborted) {
        throw new ApiError(0, 'timeout', `no answer within ${Math.round(timeoutMs / 1000)} s`);
      }
      throw new ApiError(0, 'network', 'the server cannot be reached');
    } finally {
      clearTimeout(timer);
    }
    const text = await response.text().catch(() => '');
    let parsed = null;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = null;
      }
    }
    if (response.ok) {
      return { status: response.status, body: parsed, headers: response.headers };
    }
    const error = parsed && parsed.error ? parsed.error : {};
    const retryAfter = Number.parseInt(response.headers.get('Retry-After') ?? '', 10);
    const apiError = new ApiError(response.status, error.code || `http_${response.status}`,
      error.message || `${response.status} ${response.statusText}`,
      { field: error.field ?? null, retryAfterSeconds: Number.isFinite(retryAfter) ? retryAfter : null, details: error });
    if (response.status === 401 && token) this.onUnauthorized(apiError);
    throw apiError;
  }

  async json(method, path, options) {
    return (await this.request(method, path, options)).body;
  }

  info() { return this.json('GET', `${API}/info`, { auth: false }); }
  register(username, password) {
    return this.json('POST', `${API}/auth/register`, { body: { username, password }, auth: false });
  }
  login(username, password) {
    return this.json('POST', `${API}/auth/login`, { body: { username, password }, auth: false });
  }
  logout() { return this.request('POST', `${API}/auth/logout`, { timeoutMs: 5000 }); }
  me() { return this.json('GET', `${API}/me`); }

  rooms({ after = null, limit = null } = {}) {
    const query = new URLSearchParams();
    if (limit) query.set('limit', String(limit));
    if (after !== null && after !== undefined) query.set('after', after);
    const q = query.toString();
    return this.json('GET', `${API}/rooms${q ? `?${q}` : ''}`);
  }
  room(name) { return this.json('GET', `${API}/rooms/${seg(name)}`); }
  createRoom(name) { return this.json('POST', `${API}/rooms`, { body: { name } }); }
  deleteRoom(name) { return this.request('DELETE', `${API}/rooms/${seg(name)}`); }
  readMarker(name, seq) { return this.request('PUT', `${API}/rooms/${seg(name)}/read-marker`, { body: { seq } }); }

  /** A page of messages: the latest one, or ?before= / ?after= a cursor. */
  messages(name, { before = null, after = null, limit = null } = {}) {
    const query = new URLSearchParams();
    if (before !== null) query.set('before', before);
    if (after !== null) query.set('after', after);
    if (limit) query.set('limit', String(limit));
    const q = query.toString();
    return this.json('GET', `${API}/rooms/${seg(name)}/messages${q ? `?${q}` : ''}`);
  }

  /** Posts with a client transaction id; a retry with the same id never makes a second message. */
  async postMessage(name, text, txnId) {
    const answer = await this.request('POST', `${API}/rooms/${seg(name)}/messages`, {
      body: { text, txnId },
      headers: { 'Idempotency-Key': txnId },
    });
    return { message: answer.body, replayed: answer.headers.get('Idempotent-Replayed') === 'true' };
  }

  /** Replaces the text of message `seq` (author or admin); resolves to the edited message. */
  editMessage(name, seq, text) {
    return this.json('PATCH', `${API}/rooms/${seg(name)}/messages/${seg(String(seq))}`, { body: { text } });
  }
  /** Deletes message `seq` (author or admin); resolves to its tombstone. */
  deleteMessage(name, seq) {
    return this.json('DELETE', `${API}/rooms/${seg(name)}/messages/${seg(String(seq))}`);
  }

  cluster() { return this.json('GET', `${API}/cluster`, { auth: false, timeoutMs: 5000 }); }
  /** The original API's node status, the cluster view's fallback on servers without /api/v1/cluster. */
  legacyStatus() { return this.json('GET', '/raft', { auth: false, timeoutMs: 5000 }); }
}

/** A fresh client transaction id: 128 random bits (crypto.randomUUID needs a secure context; this does not). */
export function newTxnId() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return 'web-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
