// Who else has the sheet open and what they have selected. No DOM here, so
// Node's test runner covers it as shipped. The messages are docs/protocol.md,
// "Presence": the server sends one snapshot on joining (the count, the most
// recent arrivals, capped, and their latest selections), then only changes (`presence.joined`, `.left`,
// `.updated`), each with the new count; `selection.changed` carries its user.
// With a thousand people on a sheet this tab knows some of them, counts all of
// them, and shows a few: `shown()`.
//
// Selections are kept per user (one outline per person), by row and column
// ids: indexes are worked out when the grid paints, so a row inserted above
// keeps an outline on the same logical cell.

export const MAX_RANGES = 20; // the server takes at most this many per presence.select
export const SELECT_INTERVAL_MS = 250; // at most 4 presence.select a second
export const MAX_CHIPS = 8; // people named in the list (me included); the rest are "+ N more"
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
const countOf = (raw) => (Number.isInteger(raw) && raw >= 0 ? raw : null);

/** Rows apart of two selections (id ranges) by the rows' positions; 0 when they share a row, null if unknown. */
export function rowDistance(mine, theirs, rowPos) {
  let best = null;
  const spans = (ranges) => ranges.map((r) => [rowPos.get(r.from.row), rowPos.get(r.to.row)])
    .filter(([a, b]) => a !== undefined && b !== undefined)
    .map(([a, b]) => [Math.min(a, b), Math.max(a, b)]);
  const ours = spans(mine);
  for (const [top, bottom] of spans(theirs)) {
    for (const [t, b] of ours) {
      const d = Math.max(0, top - b, t - bottom);
      if (best === null || d < best) best = d;
    }
  }
  return best;
}

export class Presence {
  /** userId: this tab's user (marked `me`); clientId: this tab (its own selection is never shown). */
  constructor({ userId = null, clientId = null } = {}) {
    this.userId = userId;
    this.clientId = clientId;
    this.known = new Map(); // userId -> {id, name, colour, me, arrival}: the people this tab knows are here
    this.arrived = 0; // arrival counter: a higher one came later
    this.count = 0; // people here, as the server counted them in its latest message
    this.started = false; // a snapshot has come
    this.selections = new Map(); // userId -> {clientId, ranges}
  }

  /**
   * A socket message. Returns null when it was not about presence, else
   * {users, selections}: which of the two changed (so the page repaints only that).
   */
  receive(msg) {
    if (!msg || typeof msg !== 'object') return null;
    switch (msg.type) {
      case 'presence.snapshot': return this._snapshot(msg);
      case 'presence.joined': return this._joined(msg);
      case 'presence.left': return this._left(msg);
      case 'presence.updated': return this._updated(msg);
      case 'selection.changed': return this._selectionChanged(msg);
      default: return null;
    }
  }

  /** Everyone known, me first, then the latest arrival first. */
  get users() {
    return [...this.known.values()].sort((a, b) => (b.me - a.me) || (b.arrival - a.arrival));
  }

  /** The tab left the sheet (socket closed for good): nobody is shown. */
  reset() {
    const had = { users: this.known.size > 0 || this.count > 0, selections: this.selections.size > 0 };
    this.known.clear();
    this.count = 0;
    this.started = false;
    this.selections.clear();
    return had;
  }

  /** People here: the server's count, and never fewer than this tab knows of. */
  get total() { return Math.max(this.count, this.known.size); }

  /** Name and colour of a user this tab knows is here. */
  user(id) { return this.known.get(id) || null; }

  /**
   * Who the list names: at most `limit` people, me first, then those whose
   * selection is nearest `mine` (id ranges; by row distance, `rowPos`: row id
   * -> index), then the latest arrivals. `count`: everyone here; `more`: how
   * many are not named.
   */
  shown({ mine = null, rowPos = new Map(), limit = MAX_CHIPS } = {}) {
    const me = this.userId === null ? null : this.known.get(this.userId);
    const chips = me ? [me] : [];
    const taken = new Set(chips.map((u) => u.id));
    if (mine && mine.length) {
      const near = [];
      for (const [id, sel] of this.selections) {
        const u = this.known.get(id);
        if (!u || taken.has(id)) continue;
        const d = rowDistance(mine, sel.ranges, rowPos);
        if (d !== null) near.push({ u, d });
      }
      near.sort((a, b) => (a.d - b.d) || (b.u.arrival - a.u.arrival));
      for (const { u } of near.slice(0, limit - chips.length)) { chips.push(u); taken.add(u.id); }
    }
    if (chips.length < limit) {
      const latest = [...this.known.values()].filter((u) => !taken.has(u.id))
        .sort((a, b) => b.arrival - a.arrival);
      chips.push(...latest.slice(0, limit - chips.length));
    }
    const count = this.total;
    return { count, users: chips, more: Math.max(0, count - chips.length) };
  }

  /** What the grid outlines: [{userId, name, colour, ranges}], earliest arrival first. */
  marks() {
    return [...this.selections.entries()]
      .map(([userId, sel]) => ({ user: this.known.get(userId), userId, ranges: sel.ranges }))
      .filter((m) => m.user)
      .sort((a, b) => a.user.arrival - b.user.arrival)
      .map(({ user, userId, ranges }) => ({ userId, name: user.name, colour: user.colour, ranges }));
  }

  /** Learn (or relabel) a present user; true when what is shown of them changed. */
  _learn(raw, { arrived = false } = {}) {
    const info = userInfo(raw);
    if (!info) return false;
    const was = this.known.get(info.id);
    const arrival = arrived || !was ? (arrived ? this.arrived++ : -1 - this.known.size) : was.arrival;
    const user = { ...info, me: info.id === this.userId, arrival };
    this.known.set(info.id, user);
    return !was || !sameUser(was, user) || was.arrival !== arrival;
  }

  _setCount(raw) {
    const count = countOf(raw);
    if (count === null || count === this.count) return false;
    this.count = count;
    return true;
  }

  _snapshot(msg) {
    if (!Array.isArray(msg.users)) return null;
    const before = this.known;
    this.known = new Map();
    // The server lists the most recent arrivals, the latest first.
    for (const raw of [...msg.users].reverse()) {
      const info = userInfo(raw);
      if (info && !this.known.has(info.id)) this._learn(raw, { arrived: true });
    }
    this.count = countOf(msg.count) ?? this.known.size;
    this.started = true;
    // Outlines of people the snapshot does not name may be of people who left meanwhile: they go.
    let selections = false;
    for (const id of [...this.selections.keys()]) {
      const now = this.known.get(id);
      if (!now) { this.selections.delete(id); selections = true; } else if (!sameUser(now, before.get(id) || now)) selections = true;
    }
    // The selections the server kept of the people it names (a newcomer sees them at once).
    for (const kept of Array.isArray(msg.selections) ? msg.selections : []) {
      const ranges = kept && this.known.has(kept.user_id) && kept.client_id !== this.clientId ? cleanRanges(kept.ranges) : null;
      if (!ranges || this.selections.has(kept.user_id)) continue;
      this.selections.set(kept.user_id, { clientId: kept.client_id, ranges });
      selections = true;
    }
    return { users: true, selections };
  }

  _joined(msg) {
    const info = userInfo(msg.user);
    if (!info) return null;
    const users = this._learn(msg.user, { arrived: true });
    const counted = this._setCount(msg.count);
    return { users: users || counted, selections: this.selections.has(info.id) && users };
  }

  _left(msg) {
    if (!Number.isInteger(msg.user_id)) return null;
    const users = this.known.delete(msg.user_id);
    const counted = this._setCount(msg.count);
    const selections = this.selections.delete(msg.user_id);
    return { users: users || counted, selections };
  }

  _updated(msg) {
    const info = userInfo(msg.user);
    if (!info) return null;
    const changed = this._learn(msg.user);
    return { users: changed, selections: changed && this.selections.has(info.id) };
  }

  _selectionChanged(msg) {
    if (this.clientId !== null && msg.client_id === this.clientId) return null; // our own, echoed
    const info = userInfo(msg.user);
    if (!info) return null;
    // Someone selecting is here, whether or not the snapshot named them. Their
    // name and colour come from presence messages once known (a selection sent
    // before a rename must not undo it).
    const users = this.known.has(info.id) ? false : this._learn(msg.user);
    const ranges = cleanRanges(msg.ranges);
    if (!ranges) {
      const had = this.selections.delete(info.id);
      return { users, selections: had };
    }
    this.selections.set(info.id, { clientId: msg.client_id, ranges });
    return { users: true, selections: true };
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
    // A corner on a row not held yet (a big sheet's) is not known by id: not told.
    if (rowIds[top] === undefined || rowIds[bottom] === undefined) continue;
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
