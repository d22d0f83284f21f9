// A tab's unacknowledged ops, kept in localStorage so that a reload, a crash
// or a closed tab loses nothing typed (docs/protocol.md, "Keeping a tab in
// step", the client queue rules). No DOM beyond `storage` and `locks`, which
// are passed in, so Node's test runner covers it with fakes.
//
// One entry per tab, written when an op is queued and when one is answered:
//   gridroom.outbox.v1.<user id>.<sheet id>.<client id> =
//     {"v": 1, "user", "sheet", "client", "savedAt", "closedAt"?,
//      "ops": [{endpoint, opId, body, createdAt}], "aside": [same]}
// A tab that opens the sheet adopts the entries of tabs that are gone (closed,
// reloaded, crashed) before it sends anything new. Each tab holds a Web Lock
// named after its client id for as long as it lives, so "gone" means its lock
// is free; without Web Locks, an entry marked closed (pagehide) or not written
// for STALE_MS is taken as gone.
import { opWeight } from './opqueue.js';
import { refusedPrefix } from './refused.js';

const PREFIX = 'gridroom.outbox.v1.';
export const STALE_MS = 10 * 60 * 1000;
export const TOUCH_MS = 60 * 1000;
const CLAIM_TIMEOUT_MS = 1000;

const lockName = (clientId) => `gridroom-tab-${clientId}`;
const userPrefix = (userId) => `${PREFIX}${userId}.`;
export const sheetPrefix = (userId, sheetId) => `${PREFIX}${userId}.${sheetId}.`;
const logoutKey = (userId) => `${PREFIX}logout.${userId}`;

/** localStorage if this page may use it, else null (private modes, blocked storage). */
export function defaultStorage() {
  try {
    const storage = globalThis.localStorage;
    const probe = `${PREFIX}probe`;
    storage.setItem(probe, '1');
    storage.removeItem(probe);
    return storage;
  } catch (err) {
    return null;
  }
}

function keysWith(storage, prefix) {
  const out = [];
  if (!storage) return out;
  for (let i = 0; i < storage.length; i += 1) {
    const key = storage.key(i);
    if (key && key.startsWith(prefix)) out.push(key);
  }
  return out;
}

const validOp = (op) => !!op && typeof op === 'object' && typeof op.endpoint === 'string'
  && typeof op.opId === 'string' && !!op.body && typeof op.body === 'object';

function readEntry(storage, key) {
  try {
    const entry = JSON.parse(storage.getItem(key));
    if (!entry || entry.v !== 1 || !Array.isArray(entry.ops)) return null;
    entry.ops = entry.ops.filter(validOp);
    entry.aside = Array.isArray(entry.aside) ? entry.aside.filter(validOp) : [];
    return entry;
  } catch (err) {
    return null;
  }
}

const jsonOf = new WeakMap();
function opJson(op) {
  let text = jsonOf.get(op);
  if (text === undefined) {
    text = JSON.stringify({ endpoint: op.endpoint, opId: op.opId, body: op.body, createdAt: op.createdAt });
    jsonOf.set(op, text);
  }
  return text;
}

const weigh = (ops) => ops.reduce((n, op) => n + opWeight(op), 0);

/** Changes of this user kept in storage and not yet sent (all sheets, all tabs but `except`). */
export function unsentChanges(storage, userId, { except = null } = {}) {
  let n = 0;
  for (const key of keysWith(storage, userPrefix(userId))) {
    if (key === except) continue;
    const entry = readEntry(storage, key);
    if (entry) n += weigh(entry.ops) + weigh(entry.aside);
  }
  return n;
}

/** When this user last logged out with the Log out button here (0: never). */
export function loggedOutAt(storage, userId) {
  if (!storage) return 0;
  try { return Number(storage.getItem(logoutKey(userId))) || 0; } catch (err) { return 0; }
}

/** Log out: every saved queue and refused value (refused.js) of the user goes, and open tabs learn it was on purpose. */
export function clearUser(storage, userId, now = Date.now()) {
  if (!storage) return;
  for (const key of [...keysWith(storage, userPrefix(userId)), ...keysWith(storage, refusedPrefix(userId))]) {
    try { storage.removeItem(key); } catch (err) { /* nothing to free */ }
  }
  try { storage.setItem(logoutKey(userId), String(now)); } catch (err) { /* full: the keys are gone anyway */ }
}

// What this page holds in memory that storage may not have (set by the sheet page).
let localUnsent = () => ({ count: 0, key: null });
export function setLocalUnsent(fn) { localUnsent = fn; }

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * The Log out form: if changes are still waiting (here or saved by other tabs),
 * say so and let the user stay; on log out, clear the user's saved queues.
 */
export function guardLogout({ form, storage, userId, confirm = (text) => globalThis.confirm(text), now = () => Date.now() }) {
  if (!form || userId === undefined || userId === null) return;
  form.addEventListener('submit', (event) => {
    const local = localUnsent();
    const n = unsentChanges(storage, userId, { except: local.key }) + local.count;
    if (n > 0 && !confirm(`${plural(n, 'change')} you made ${n === 1 ? 'has' : 'have'} not reached the server yet `
      + '(they are kept on this device until they do). If you log out now, they are lost. Log out anyway?')) {
      event.preventDefault();
      return;
    }
    clearUser(storage, userId, now());
  });
}

export class Outbox {
  constructor({ storage, userId, sheetId, clientId, now = () => Date.now(), locks = globalThis.navigator && globalThis.navigator.locks }) {
    Object.assign(this, { storage, userId, sheetId, clientId, now });
    this.locks = locks && typeof locks.request === 'function' && typeof locks.query === 'function' ? locks : null;
    this.key = sheetPrefix(userId, sheetId) + clientId;
    this.startedAt = now();
    this.closedAt = null;
    this.error = storage ? null : 'This browser does not let the page keep changes across reloads.';
    this.saved = 0; // changes in the entry as last written
    this.discarded = false; // the sheet is gone for this user: nothing of it is written any more
  }

  /** Hold this tab's lock (others then know it is alive). Resolves once held (or given up on). */
  claim() {
    if (!this.locks) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), CLAIM_TIMEOUT_MS);
      try {
        this.locks.request(lockName(this.clientId), () => {
          clearTimeout(timer);
          resolve(true);
          return new Promise(() => {}); // held until the page goes away
        }).catch(() => resolve(false));
      } catch (err) {
        clearTimeout(timer);
        resolve(false);
      }
    });
  }

  async _liveClients() {
    if (!this.locks) return null;
    let timer = null;
    try {
      const answer = await Promise.race([
        this.locks.query(),
        new Promise((resolve) => { timer = setTimeout(() => resolve(null), CLAIM_TIMEOUT_MS); }),
      ]);
      if (!answer) return null;
      return new Set([...(answer.held || []), ...(answer.pending || [])].map((l) => l.name));
    } catch (err) {
      return null;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The ops of gone tabs of this user on this sheet, oldest first: {ops, aside}.
   * They are written into this tab's entry before the others are removed, so a
   * crash in between leaves a duplicate (harmless: same op_ids), never a loss.
   */
  async adopt() {
    const found = { ops: [], aside: [] };
    if (!this.storage) return found;
    const live = await this._liveClients();
    const stale = this.now() - STALE_MS;
    const taken = [];
    for (const key of keysWith(this.storage, sheetPrefix(this.userId, this.sheetId))) {
      if (key === this.key) continue;
      const entry = readEntry(this.storage, key);
      if (!entry) { taken.push(key); continue; }
      const gone = entry.closedAt || (live ? !live.has(lockName(entry.client)) : (entry.savedAt || 0) < stale);
      if (!gone) continue;
      taken.push(key);
      found.ops.push(...entry.ops);
      found.aside.push(...entry.aside);
    }
    if (!taken.length) return found;
    // Oldest first across tabs (the order they were made in); stable within a tab.
    const byTime = (a, b) => (a.createdAt || 0) - (b.createdAt || 0);
    found.ops.sort(byTime);
    found.aside.sort(byTime);
    const seen = new Set();
    const once = (op) => (seen.has(op.opId) ? false : seen.add(op.opId));
    found.ops = found.ops.filter(once);
    found.aside = found.aside.filter(once);
    if (found.ops.length || found.aside.length) {
      if (!this.save(found.ops, found.aside)) return { ops: [], aside: [] }; // leave them for a later page
    }
    for (const key of taken) {
      try { this.storage.removeItem(key); } catch (err) { /* stays: adopted again later, same op_ids */ }
    }
    return found;
  }

  /** The user logged out with the Log out button after this page started. */
  discardedByLogout() { return loggedOutAt(this.storage, this.userId) >= this.startedAt; }

  /**
   * The user may no longer see this sheet (access taken away, sheet deleted):
   * every entry of this user on this sheet goes (this tab's and any other
   * tab's, whose ops could never be sent either) and nothing is written again.
   * Returns how many entries were removed.
   */
  discardSheet() {
    this.discarded = true;
    this.saved = 0;
    if (!this.storage) return 0;
    let removed = 0;
    for (const key of keysWith(this.storage, sheetPrefix(this.userId, this.sheetId))) {
      try { this.storage.removeItem(key); removed += 1; } catch (err) { /* nothing to free */ }
    }
    return removed;
  }

  /** Write what is unacknowledged now. False when it could not be kept. */
  save(ops, aside = []) {
    if (!this.storage || this.discarded) return false;
    try {
      if (this.discardedByLogout()) {
        // Logged out on purpose (and warned): nothing of this session stays on the device.
        this.storage.removeItem(this.key);
        this.saved = 0;
        return false;
      }
      if (!ops.length && !aside.length) {
        this.storage.removeItem(this.key);
      } else {
        const head = {
          v: 1, user: this.userId, sheet: this.sheetId, client: this.clientId, savedAt: this.now(),
        };
        if (this.closedAt) head.closedAt = this.closedAt;
        // Each op is turned into JSON once, however often the entry is rewritten.
        const text = `${JSON.stringify(head).slice(0, -1)},"ops":[${ops.map(opJson).join(',')}],"aside":[${aside.map(opJson).join(',')}]}`;
        this.storage.setItem(this.key, text);
      }
      this.saved = weigh(ops) + weigh(aside);
      this.error = null;
      return true;
    } catch (err) {
      this.error = 'This device has no room to keep unsaved changes (browser storage is full).';
      return false;
    }
  }

  /** Keep the entry fresh (only matters without Web Locks). */
  touch() {
    if (!this.storage || this.locks) return;
    const entry = readEntry(this.storage, this.key);
    if (entry) this.save(entry.ops, entry.aside);
  }

  /** The page is going away (pagehide): the next page of this sheet may adopt the entry at once. */
  close() {
    this.closedAt = this.now();
    const entry = this.storage && readEntry(this.storage, this.key);
    if (entry) this.save(entry.ops, entry.aside);
  }

  /** The page came back from the back/forward cache. False if another page adopted its ops meanwhile. */
  reopen(hadOps) {
    this.closedAt = null;
    const entry = this.storage && readEntry(this.storage, this.key);
    if (entry) { this.save(entry.ops, entry.aside); return true; }
    return !hadOps;
  }
}
