// Conflict marks (docs/protocol.md, "Showing conflicts"): another user's
// committed value replaced one this tab committed a moment ago. The pending
// edits (pending.js) say what this tab committed (`committed`) and hand over
// each remote cells event (`contested`, then `flag`); the cell shows the other
// user's name for CONFLICT_SHOW_MS. No DOM.
import { cellKey, splitKey } from './committed.js';

// A remote value that lands on a cell this tab committed this recently is a
// conflict the user should see (their edit was overwritten), for CONFLICT_SHOW_MS.
export const CONFLICT_WINDOW_MS = 5000;
export const CONFLICT_SHOW_MS = 3000;
const same = (a, b) => (a ?? null) === (b ?? null);

export class ConflictMarks {
  constructor({ feed, now }) {
    Object.assign(this, { feed, now });
    this.marks = new Map(); // cellKey -> {name, until}: another user's value overwrote this tab's
    this.recent = new Map(); // cellKey -> {seq, at}: this tab's last committed write of the cell
    this.timer = null;
  }

  get size() { return this.marks.size; }

  /** Who replaced this tab's value in cell `key` just now (null: nobody, or the mark expired). */
  nameAt(key) {
    const c = this.marks.size ? this.marks.get(key) : null;
    return c && c.until > this.now() ? c.name : null;
  }

  /** This tab's op, committed as `seq`, wrote cell `key` at `at`. */
  committed(key, seq, at) {
    this.recent.set(key, { seq, at });
    if (this.recent.size > 10000) {
      for (const [k, mine] of this.recent) if (at - mine.at > CONFLICT_WINDOW_MS) this.recent.delete(k);
    }
  }

  /** Rows or columns went away: so do their marks. */
  forget(match) {
    for (const map of [this.marks, this.recent]) {
      for (const key of [...map.keys()]) if (match(...splitKey(key))) map.delete(key);
    }
  }

  /**
   * [cellKey, shown value] of the cells of another tab's cells event `e` that
   * overwrite this tab's recent writes. `pending(key)`: this tab has a newer
   * edit of the cell pending (it wins); `shown(key)`: what the cell shows now
   * (undefined: its row is gone).
   */
  contested(e, { pending, shown }) {
    if (e.type !== 'cells.changed' || !this.recent.size) return null;
    const now = this.now();
    const out = [];
    for (const c of e.changes || []) {
      const key = cellKey(c.row, c.col);
      const mine = this.recent.get(key);
      if (!mine) continue;
      if (now - mine.at > CONFLICT_WINDOW_MS) { this.recent.delete(key); continue; }
      if (mine.seq >= e.seq || pending(key)) continue;
      const before = shown(key);
      if (before !== undefined) out.push([key, before]);
    }
    return out.length ? out : null;
  }

  /** After event `e` applied: the contested cells that now show another value are marked with its user's name. */
  flag(contested, e, shown) {
    const user = e.user || {};
    const name = user.display_name || user.username || 'Someone else';
    const until = this.now() + CONFLICT_SHOW_MS;
    for (const [key, before] of contested) {
      this.recent.delete(key);
      const now = shown(key);
      if (now === undefined || same(now, before)) continue;
      this.marks.set(key, { name, until });
      this.feed.touch(...splitKey(key));
    }
    if (this.marks.size && !this.timer) this._expireLater();
  }

  _expireLater() {
    this.timer = setTimeout(() => {
      this.timer = null;
      this.expire();
    }, CONFLICT_SHOW_MS + 50);
    if (this.timer && typeof this.timer.unref === 'function') this.timer.unref();
  }

  /** Drop the marks whose time is up (a timer calls this). */
  expire() {
    this.feed.batch(() => {
      const now = this.now();
      for (const [key, c] of this.marks) {
        if (c.until <= now) { this.marks.delete(key); this.feed.touch(...splitKey(key)); }
      }
      if (this.marks.size && !this.timer) this._expireLater();
    });
  }
}
