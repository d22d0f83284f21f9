// The op queue: this tab's ops (localops.js makes them) sent one at a time and
// in order, retried with the same op_id (the server answers a replay with the
// first answer), split to fit the limits. What each answer means is `classify`
// (docs/protocol.md, "Keeping a tab in step", the client queue rules). No DOM:
// the CSRF token comes from a function the page passes in; saving.js writes
// the queue down in the outbox (outbox.js).

const BODY_OVERHEAD = 512; // client_id, op_id, keys, some slack
const RETRYABLE = new Set([408, 425, 429, 500, 502, 503, 504]);
export const GIVE_UP_MS = 10 * 60 * 1000; // automatic retries stop after this long of failures
const MAX_RETRY_AFTER_MS = 60000;

/** Bytes of a string once UTF-8 encoded, without allocating. */
export function utf8Length(text) {
  let n = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) { n += 4; i += 1; } else n += 3;
  }
  return n;
}

/**
 * Split a list of op items into chunks of at most maxChanges weight and
 * under maxBytes of JSON each. `weight(item)` counts an item's changes.
 */
export function splitItems(items, { maxChanges = 5000, maxBytes = 2_621_440 } = {}, weight = () => 1) {
  const byteBudget = Math.max(1024, Math.floor(maxBytes * 0.9) - BODY_OVERHEAD);
  const chunks = [];
  let chunk = [];
  let count = 0;
  let bytes = 0;
  for (const item of items) {
    const w = weight(item);
    const b = utf8Length(JSON.stringify(item)) + 1;
    if (chunk.length && (count + w > maxChanges || bytes + b > byteBudget)) {
      chunks.push(chunk);
      chunk = [];
      count = 0;
      bytes = 0;
    }
    chunk.push(item);
    count += w;
    bytes += b;
  }
  if (chunk.length) chunks.push(chunk);
  return chunks;
}

/** Cell changes [{row, col, value}] in op-sized chunks. */
export const splitChanges = (changes, limits) => splitItems(changes, limits);

/** New rows' values [{colId: v}, ...] in chunks; a row weighs 1 + its values. */
export const splitRowValues = (valuesList, limits) =>
  splitItems(valuesList, limits, (values) => 1 + Object.keys(values || {}).length);

/**
 * What to do with the answer to an op (status 0: no answer at all).
 * 'final'  — the op is done: applied (2xx), partly or not applied (422), or refused
 *            (403 forbidden, 409 row/column gone, 400): hand it to the state.
 * 'gone'   — 404: the sheet is gone or no longer readable; nothing more can be sent.
 * 'retry'  — network trouble, timeout, 408/425/429/5xx, or a body that is not ours:
 *            send the same op (same op_id) again after a backoff.
 * 'login'  — 401, or 403 `csrf_failed`: keep the op, stop, ask the user to log in.
 * 'split'  — 413: too big; send it as two halves.
 * 'aside'  — 409 `op_too_old`: never applied blindly; kept for the user to review.
 */
export function classify(status, answer) {
  const error = answer && typeof answer === 'object' ? answer.error : undefined;
  if (!status) return 'retry';
  if (status === 401) return 'login';
  if (status === 403 && error === 'csrf_failed') return 'login';
  if (status === 413) return 'split';
  if (status === 404) return 'gone';
  if (status === 409 && error === 'op_too_old') return 'aside';
  if (RETRYABLE.has(status) || (status >= 500 && status < 600)) return 'retry';
  if (status < 400 && (!answer || typeof answer !== 'object')) return 'retry';
  return 'final';
}

// The list field of each op that may be cut in two (413).
const SPLIT_FIELD = { cells: 'changes', 'rows/insert': 'rows', 'rows/delete': 'rows', 'columns/insert': 'columns', 'columns/delete': 'columns' };

/** Two bodies, each with half of the op's items (no op_id yet), or null when it cannot be cut. */
export function halveBody(endpoint, body) {
  const field = SPLIT_FIELD[endpoint];
  const items = field && body ? body[field] : null;
  if (!Array.isArray(items) || items.length < 2) return null;
  const { op_id: _, ...rest } = body;
  const mid = Math.ceil(items.length / 2);
  return [{ ...rest, [field]: items.slice(0, mid) }, { ...rest, [field]: items.slice(mid) }];
}

/** How many user-visible changes an op stands for (cells count one each). */
export function opWeight(op) {
  const body = op && op.body;
  if (!body) return 1;
  if (Array.isArray(body.changes)) return body.changes.length || 1;
  if (op.endpoint === 'rows/insert' && Array.isArray(body.rows)) {
    return body.rows.reduce((n, r) => n + 1 + Object.keys(r.values || {}).length, 0) || 1;
  }
  return 1;
}

function retryAfterMs(response) {
  const raw = response && response.headers && typeof response.headers.get === 'function'
    ? response.headers.get('Retry-After') : null;
  if (!raw) return 0;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, seconds * 1000));
  const when = Date.parse(raw);
  return Number.isFinite(when) ? Math.min(MAX_RETRY_AFTER_MS, Math.max(0, when - Date.now())) : 0;
}

/**
 * The op queue: ops {endpoint, opId, body, createdAt} sent one at a time, in order.
 * Callbacks:
 *   onAnswer(op, status, answer)  a final answer (see classify)
 *   onFailing(op, message)        an attempt failed; it will be retried
 *   onLoggedOut()                 401 / csrf_failed: the queue stops, keeping every op
 *   onReplace(op, status, answer) -> [op…]|null
 *                                 413, or a 409 the state can fix (an insert whose anchor
 *                                 is gone): the ops to send instead (null: final answer)
 *   onAside(op, answer)           op_too_old: the op is moved to `aside`
 *   onGaveUp(op, message)         failures for `giveUpMs`: retries pause until retryNow()
 *   onGone(op, status, answer)    404: the queue stops for good, keeping its ops (to discard them)
 *   onPersist()                   what is queued or set aside changed (write it down)
 *   onChange()                    anything the status line shows changed
 */
export class OpQueue {
  constructor({
    baseUrl, clientId, csrfToken = () => '', fetchImpl = (...a) => globalThis.fetch(...a),
    onAnswer = () => {}, onFailing = () => {}, onLoggedOut = () => {}, onChange = () => {},
    onReplace = () => null, onAside = () => {}, onGaveUp = () => {}, onPersist = () => {}, onGone = () => {},
    timeoutMs = 30000, backoff = (attempt) => Math.min(15000, 500 * 2 ** attempt) * (0.75 + Math.random() * 0.5),
    failAfter = 1, giveUpMs = GIVE_UP_MS, now = () => Date.now(),
  }) {
    Object.assign(this, {
      baseUrl, clientId, csrfToken, fetchImpl, onAnswer, onFailing, onLoggedOut, onChange,
      onReplace, onAside, onGaveUp, onPersist, onGone, timeoutMs, backoff, failAfter, giveUpMs, now,
    });
    this.queue = []; // [{op, resolve, attempts}]
    this.aside = []; // ops refused as op_too_old, for the user to review
    this.busy = false;
    this.stopped = false; // for good (the page is going away, or the sheet is gone)
    this.loggedOut = false; // 401: waits for resume()
    this.paused = false; // gave up after giveUpMs of failures: waits for retryNow()
    this.held = false; // hold(): nothing is sent until restore() (saved ops go first)
    this.failing = false; // the last attempt failed and will be retried
    this.failingSince = null;
    this.lastFailure = null;
    this.timer = null;
    this.wake = null;
  }

  get size() { return this.queue.length; }

  /** The ops not yet answered, in order (what outbox.js keeps). */
  ops() { return this.queue.map((item) => item.op); }

  /** Queue an op {endpoint, opId, body}. Resolves with {status, answer} once final (or set aside). */
  send(op) {
    return new Promise((resolve) => {
      this.queue.push({ op, resolve, attempts: 0 });
      this.onPersist();
      this.onChange();
      this._pump();
    });
  }

  /** Send nothing until restore(): ops saved by an earlier page must go first. */
  hold() { this.held = true; }

  /** Ops saved by an earlier page of this sheet, sent before anything new. */
  restore(ops, aside = []) {
    this.held = false;
    const known = new Set(this.queue.map((item) => item.op.opId));
    const items = ops.filter((op) => !known.has(op.opId)).map((op) => ({ op, resolve: () => {}, attempts: 0 }));
    this.queue.unshift(...items);
    this.aside.push(...aside);
    if (items.length || aside.length) { this.onPersist(); this.onChange(); }
    this._pump();
  }

  /** A 401 came some other way (the socket closed 4401): hold everything until resume(). */
  holdForLogin() {
    if (this.loggedOut) return;
    this.loggedOut = true;
    this.onChange();
  }

  /** Retry now instead of waiting for the backoff (the socket came back, the browser is online, a click). */
  retryNow() {
    if (this.paused) {
      this.paused = false;
      this.failingSince = null;
      this.onChange();
    }
    if (this.wake) { const wake = this.wake; this.wake = null; clearTimeout(this.timer); wake(); }
    else this._pump();
  }

  /** The user is logged in again: send what waited. */
  resume() {
    if (!this.loggedOut) return;
    this.loggedOut = false;
    this.onChange();
    this.retryNow();
  }

  stop() { this.stopped = true; this.retryNow(); }

  /** Take every op out (queued and aside), e.g. to discard them; returns them. */
  clear() {
    const ops = [...this.ops(), ...this.aside];
    for (const item of this.queue) item.resolve({ status: 0, answer: null, discarded: true });
    this.queue = [];
    this.aside = [];
    this.failing = false;
    this.onPersist();
    this.onChange();
    return ops;
  }

  /** Take the ops set aside (to discard them, or to send them again as new ops). */
  takeAside() {
    const ops = this.aside;
    this.aside = [];
    this.onPersist();
    this.onChange();
    return ops;
  }

  _blocked() { return this.stopped || this.loggedOut || this.paused || this.held; }

  async _pump() {
    if (this.busy || this._blocked()) return;
    this.busy = true;
    try {
      while (this.queue.length && !this._blocked()) {
        const item = this.queue[0];
        const outcome = await this._attempt(item);
        if (outcome === 'stop') break;
        if (outcome === 'retry') {
          if (this._blocked()) break;
          await new Promise((resolve) => {
            this.wake = resolve;
            const delay = Math.max(this.backoff(item.attempts), item.retryAfter || 0);
            this.timer = setTimeout(() => { this.wake = null; resolve(); }, delay);
          });
          continue;
        }
        if (outcome === 'replaced') continue; // the head is now the first half
        // 'done' (or 'aside'): the head leaves the queue (unless clear() emptied it meanwhile).
        if (this.queue[0] === item) this.queue.shift();
        this.onPersist();
        this.onChange();
      }
    } finally {
      this.busy = false;
    }
    // Something was queued while the last attempt was finishing.
    if (this.queue.length && !this._blocked() && !this.busy) this._pump();
  }

  async _attempt(item) {
    const { op } = item;
    item.attempts += 1;
    item.retryAfter = 0;
    let response;
    let answer = null;
    const controller = typeof AbortController === 'function' ? new AbortController() : null;
    const timer = controller ? setTimeout(() => controller.abort(), this.timeoutMs) : null;
    try {
      response = await this.fetchImpl(this.baseUrl + op.endpoint, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': this.csrfToken() },
        body: JSON.stringify({ client_id: this.clientId, ...op.body }),
        signal: controller ? controller.signal : undefined,
      });
      answer = await response.json().catch(() => null);
    } catch (err) {
      if (this.queue[0] !== item) return 'done'; // cleared while in flight
      return this._failing(item, err && err.name === 'AbortError' ? 'The server did not answer in time.' : 'No connection to the server.');
    } finally {
      if (timer) clearTimeout(timer);
    }
    if (this.queue[0] !== item) return 'done'; // cleared while in flight
    return this._outcome(item, response, answer);
  }

  /** What an answer (`response`, its JSON `answer`) does to the head of the queue. */
  _outcome(item, response, answer) {
    const { op } = item;
    const { status } = response;
    const kind = classify(status, answer);
    if (kind === 'retry') {
      item.retryAfter = retryAfterMs(response);
      return this._failing(item, status === 429 ? 'The server is busy (HTTP 429).' : `The server had a problem (HTTP ${status}).`);
    }
    this._succeeded();
    if (kind === 'gone') {
      this.stopped = true;
      this.onGone(op, status, answer);
      this.onChange();
      return 'stop';
    }
    if (kind === 'login') {
      item.attempts = 0;
      this.loggedOut = true;
      this.onLoggedOut(status, answer);
      const message = 'Not saved: log in again to send it.';
      for (const queued of this.queue) this.onFailing(queued.op, message);
      this.onChange();
      return 'stop';
    }
    if (kind === 'split' || (kind === 'final' && status === 409)) {
      const parts = this.onReplace(op, status, answer);
      if (parts && parts.length) {
        // The op's promise settles with the last part's answer.
        let left = parts.length;
        const resolve = (result) => { left -= 1; if (!left) item.resolve(result); };
        this.queue.splice(0, 1, ...parts.map((part) => ({ op: part, resolve, attempts: 0 })));
        this.onPersist();
        this.onChange();
        return 'replaced';
      }
    } else if (kind === 'aside') {
      this.aside.push(op);
      this.onAside(op, answer);
      item.resolve({ status, answer, aside: true });
      return 'aside';
    }
    this.onAnswer(op, status, answer);
    item.resolve({ status, answer });
    return 'done';
  }

  _succeeded() {
    const was = this.failing;
    this.failing = false;
    this.failingSince = null;
    this.lastFailure = null;
    if (was) this.onChange();
  }

  _failing(item, message) {
    if (this.stopped) return 'retry';
    this.failing = true;
    this.lastFailure = message;
    if (this.failingSince === null) this.failingSince = this.now();
    if (item.attempts >= this.failAfter) this.onFailing(item.op, message);
    if (this.now() - this.failingSince >= this.giveUpMs) {
      this.paused = true;
      this.onGaveUp(item.op, message);
    }
    this.onChange();
    return 'retry';
  }
}
