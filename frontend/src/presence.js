// Who else has the sheet open and what they have selected. No DOM here, so
// Node's test runner covers it as shipped. The messages are docs/protocol.md,
// "presence.changed", "selection.changed" and "Presence".
//
// Selections are kept per user (one outline per person, like the list), by
// row and column ids: indexes are worked out when the grid paints, so a row
// inserted above keeps an outline on the same logical cell.

export const MAX_RANGES = 20; // the server takes at most this many per presence.select
export const SELECT_INTERVAL_MS = 250; // at most 4 presence.select a second
const MAX_OUTLINED_USERS = 3; // outlines of more people on one cell would hide each other
const FALLBACK_COLOUR = '#6b7280';
const COLOUR = /^#(?:[0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i;

/** A colour from the server, or a neutral grey: it ends up in a style value. */
export function safeColour(colour) {
  return typeof colour === 'string' && COLOUR.test(colour) ? colour : FALLBACK_COLOUR;
}

/** `#rgb`/`#rgba`/`#rrggbb`/`#rrggbbaa` with the alpha replaced (0–255). */
export function withAlpha(colour, alpha) {
  let hex = safeColour(colour).slice(1);
  if (hex.length <= 4) hex = [...hex].map((ch) => ch + ch).join('');
  return `#${hex.slice(0, 6)}${Math.round(alpha).toString(16).padStart(2, '0')}`;
}

function userInfo(raw) {
  if (!raw || typeof raw !== 'object' || !Number.isInteger(raw.id)) return null;
  const name = typeof raw.display_name === 'string' && raw.display_name.trim()
    ? raw.display_name : `User ${raw.id}`;
  return { id: raw.id, name, colour: safeColour(raw.colour) };
}

const isId = (v) => typeof v === 'string' && v.length > 0 && v.length <= 64;

function cleanRanges(ranges) {
  if (!Array.isArray(ranges)) return null;
  const out = [];
  for (const r of ranges.slice(0, MAX_RANGES)) {
    if (!r || !r.from || !r.to) continue;
    const { from, to } = r;
    if (isId(from.row) && isId(from.col) && isId(to.row) && isId(to.col)) {
      out.push({ from: { row: from.row, col: from.col }, to: { row: to.row, col: to.col } });
    }
  }
  return out.length ? out : null;
}

const sameUser = (a, b) => a.id === b.id && a.name === b.name && a.colour === b.colour;

export class Presence {
  /** userId: this tab's user (marked `me`); clientId: this tab (its own selection is never shown). */
  constructor({ userId = null, clientId = null } = {}) {
    this.userId = userId;
    this.clientId = clientId;
    this.users = []; // [{id, name, colour, me}]: me first, then in order of arrival
    this.arrivals = new Map(); // userId -> when this tab first saw them (a counter), while they stay
    this.arrived = 0;
    this.known = false; // a presence.changed has come
    this.selections = new Map(); // userId -> {clientId, ranges, user}
  }

  /**
   * A socket message. Returns null when it was not about presence, else
   * {users, selections}: which of the two changed (so the page repaints only that).
   */
  receive(msg) {
    if (!msg || typeof msg !== 'object') return null;
    if (msg.type === 'presence.changed') return this._presenceChanged(msg.users);
    if (msg.type === 'selection.changed') return this._selectionChanged(msg);
    return null;
  }

  /** The tab left the sheet (socket closed for good): nobody is shown. */
  reset() {
    const had = { users: this.users.length > 0, selections: this.selections.size > 0 };
    this.users = [];
    this.arrivals.clear();
    this.known = false;
    this.selections.clear();
    return had;
  }

  /** Name and colour of a user: from the presence list, else from their last selection. */
  user(id) {
    return this.users.find((u) => u.id === id) || this.selections.get(id)?.user || null;
  }

  /** What the grid outlines: [{userId, name, colour, ranges}], in presence order. */
  marks() {
    const order = new Map(this.users.map((u, i) => [u.id, i]));
    return [...this.selections.entries()]
      .sort(([a], [b]) => (order.get(a) ?? Infinity) - (order.get(b) ?? Infinity))
      .map(([userId, sel]) => {
        const { name, colour } = this.user(userId);
        return { userId, name, colour, ranges: sel.ranges };
      });
  }

  _presenceChanged(raw) {
    if (!Array.isArray(raw)) return null;
    const seen = new Set();
    const users = [];
    for (const item of raw) {
      const u = userInfo(item);
      if (!u || seen.has(u.id)) continue;
      seen.add(u.id);
      users.push({ ...u, me: u.id === this.userId });
    }
    // A stable order whatever order the server lists them in: me first, then
    // by when this tab first saw each one (the server's order among newcomers).
    for (const id of [...this.arrivals.keys()]) if (!seen.has(id)) this.arrivals.delete(id);
    for (const u of users) if (!this.arrivals.has(u.id)) this.arrivals.set(u.id, this.arrived++);
    const rank = (u) => (u.me ? -1 : this.arrivals.get(u.id));
    users.sort((a, b) => rank(a) - rank(b));
    const before = this.users;
    const usersChanged = !this.known || before.length !== users.length
      || users.some((u, i) => !sameUser(u, before[i]));
    let selections = false;
    for (const [id, sel] of [...this.selections]) {
      const now = users.find((u) => u.id === id);
      if (!now) { this.selections.delete(id); selections = true; continue; }
      const was = before.find((u) => u.id === id) || sel.user;
      if (!sameUser(now, was)) selections = true; // a new name or colour on the outline
    }
    this.users = users;
    this.known = true;
    return { users: usersChanged, selections };
  }

  _selectionChanged(msg) {
    if (this.clientId !== null && msg.client_id === this.clientId) return null; // our own, echoed
    const user = userInfo(msg.user);
    if (!user) return null;
    const ranges = cleanRanges(msg.ranges);
    if (!ranges) {
      const had = this.selections.delete(user.id);
      return { users: false, selections: had };
    }
    this.selections.set(user.id, { clientId: msg.client_id, ranges, user });
    return { users: false, selections: true };
  }
}

/**
 * The tab's selection as ids for presence.select. rects: [{r1, c1, r2, c2}] by
 * visual index (Handsontable's ranges; -1 is a header, meaning the whole line).
 * Returns null when nothing is selected or the grid is empty.
 */
export function selectionToRanges(rects, rowIds, colIds) {
  if (!rects || !rects.length || !rowIds.length || !colIds.length) return null;
  const clamp = (i, n) => Math.min(Math.max(i, 0), n - 1);
  const out = [];
  for (const { r1, c1, r2, c2 } of rects.slice(-MAX_RANGES)) {
    if (![r1, c1, r2, c2].every(Number.isInteger)) continue;
    const top = clamp(Math.min(r1, r2), rowIds.length);
    const bottom = clamp(Math.max(r1, r2), rowIds.length);
    const left = clamp(Math.min(c1, c2), colIds.length);
    const right = clamp(Math.max(c1, c2), colIds.length);
    out.push({ from: { row: rowIds[top], col: colIds[left] }, to: { row: rowIds[bottom], col: colIds[right] } });
  }
  return out.length ? out : null;
}

/**
 * The outlines of a paint: marks() resolved against the rows and columns the
 * grid shows now (rowPos/colPos: id -> index). A range whose row or column is
 * gone is not drawn. at(row, col) answers per cell.
 */
export class SelectionIndex {
  constructor(marks, rowPos, colPos) {
    this.rects = [];
    marks.forEach((mark, order) => {
      for (const range of mark.ranges) {
        const rows = [rowPos.get(range.from.row), rowPos.get(range.to.row)];
        const cols = [colPos.get(range.from.col), colPos.get(range.to.col)];
        if ([...rows, ...cols].some((i) => i === undefined)) continue;
        this.rects.push({
          top: Math.min(...rows), bottom: Math.max(...rows),
          left: Math.min(...cols), right: Math.max(...cols),
          mark, order,
        });
      }
    });
  }

  get empty() { return this.rects.length === 0; }

  /** null, or {names, userIds, colour (the first), shadow (a box-shadow value)}. */
  at(row, col) {
    if (!this.rects.length) return null;
    const hits = [];
    for (const rect of this.rects) {
      if (row < rect.top || row > rect.bottom || col < rect.left || col > rect.right) continue;
      if (!hits.some((h) => h.mark === rect.mark)) hits.push(rect);
    }
    if (!hits.length) return null;
    const edges = [];
    const tints = [];
    hits.slice(0, MAX_OUTLINED_USERS).forEach((rect, layer) => {
      // Each further person's outline sits just inside the one before.
      const w = 2 + 2 * layer;
      const c = rect.mark.colour;
      if (row === rect.top) edges.push(`inset 0 ${w}px 0 0 ${c}`);
      if (row === rect.bottom) edges.push(`inset 0 -${w}px 0 0 ${c}`);
      if (col === rect.left) edges.push(`inset ${w}px 0 0 0 ${c}`);
      if (col === rect.right) edges.push(`inset -${w}px 0 0 0 ${c}`);
      if (rect.top !== rect.bottom || rect.left !== rect.right) tints.push(`inset 0 0 0 999px ${withAlpha(c, 0x1f)}`);
    });
    return {
      names: hits.map((h) => h.mark.name),
      userIds: hits.map((h) => h.mark.userId),
      colour: hits[0].mark.colour,
      shadow: [...edges, ...tints].join(', '),
    };
  }
}

/**
 * At most one send per `intervalMs`, and the latest value always goes out in
 * the end (trailing send). A value equal to the last one sent is not sent
 * again unless `force` (someone new may not have it). Clock and timers are
 * injectable for tests.
 */
export class Throttle {
  constructor({ send, intervalMs = SELECT_INTERVAL_MS, now = () => Date.now(), setTimer = (fn, ms) => setTimeout(fn, ms), clearTimer = (t) => clearTimeout(t) }) {
    Object.assign(this, { send, intervalMs, now, setTimer, clearTimer });
    this.lastKey = JSON.stringify(null); // nobody has a selection of this tab yet
    this.lastAt = -Infinity;
    this.timer = null;
    this.pending = undefined;
    this.value = null; // the latest value pushed
  }

  push(value, { force = false } = {}) {
    this.value = value;
    const key = JSON.stringify(value);
    if (this.pending) {
      // A send is due anyway: it takes the latest value (and stays forced if it was).
      if (!force && !this.pending.force && key === this.lastKey) this._cancel();
      else this.pending = { value, key, force: force || this.pending.force };
      return;
    }
    if (!force && key === this.lastKey) return;
    const wait = this.lastAt + this.intervalMs - this.now();
    if (wait <= 0) {
      this._send(value, key);
      return;
    }
    this.pending = { value, key, force };
    this.timer = this.setTimer(() => this._trailing(), wait);
  }

  /** Send the latest selection again soon (a newcomer, a reconnect); nothing if there is none. */
  repeat() { if (this.value !== null) this.push(this.value, { force: true }); }

  /** Send what is pending now, ignoring the interval (the page is going away). */
  flushNow(value = this.value) {
    this.value = value;
    this._cancel();
    this._send(value, JSON.stringify(value));
  }

  _trailing() {
    this.timer = null;
    const p = this.pending;
    this.pending = undefined;
    if (p) this._send(p.value, p.key);
  }

  _cancel() {
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
    this.pending = undefined;
  }

  _send(value, key) {
    this.lastKey = key;
    this.lastAt = this.now();
    this.send(value);
  }
}
