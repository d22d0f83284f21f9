// The pending edits: what this tab changed that is not committed yet, shown
// over the committed store (committed.js) until the server answers, and the
// marks the user should see: failed and rejected cells, ops set aside as too
// old, and conflicts (another user's value overwrote what this tab just wrote).
// No DOM. One record per op of this tab (`records`, by op id) says which cells,
// rows and columns the op covers; localops.js makes them.
import { cellKey, splitKey } from './committed.js';

// Ops whose local effect is shown before the server answers: a refusal of
// one of them means the tab shows something the server does not have.
const OPTIMISTIC = new Set(['rows/insert', 'rows/delete', 'columns/insert', 'columns/delete']);
// Undo and redo of the user's own changes: refused as a whole or applied as an event.
const HISTORY = new Set(['undo', 'redo']);
// Those and a revert from the history panel: changes nothing until answered, refused as a whole.
const REVERTS = new Set([...HISTORY, 'revert']);
const HISTORY_REFUSALS = {
  nothing_to_undo: 'Nothing to undo.',
  nothing_to_redo: 'Nothing to redo.',
  undo_conflict: "Can't undo: what you changed was changed since by someone else.",
};
// A remote value that lands on a cell this tab committed this recently is a
// conflict the user should see (their edit was overwritten), for CONFLICT_SHOW_MS.
export const CONFLICT_WINDOW_MS = 5000;
export const CONFLICT_SHOW_MS = 3000;
const same = (a, b) => (a ?? null) === (b ?? null);
export const uuid = () => globalThis.crypto.randomUUID();

export class PendingEdits {
  constructor({ store, clientId, now = () => Date.now() }) {
    this.store = store;
    this.feed = store.feed;
    this.clientId = clientId || uuid();
    this.now = now;
    this.cells = new Map(); // cellKey -> {value, opId}: the value this tab shows until the op is answered
    this.records = new Map(); // opId -> {id, kind, keys: Set, failed, message, seq, body, aside?, made?, deleting?}
    this.errors = new Map(); // cellKey -> message of a rejected value
    this.conflicts = new Map(); // cellKey -> {name, until}: another user's value overwrote this tab's
    this.recent = new Map(); // cellKey -> {seq, at}: this tab's last committed write of the cell
    this.conflictTimer = null;
    this.asideOps = 0; // ops refused as too old, kept for the user to review
    this.deletingRows = new Set();
    this.deletingCols = new Set();
    // Ids this tab left out for its own pending delete although the server still
    // or again had them (an undo may restore them before the delete's answer comes).
    this.hidden = new Set();
    this.lastRejection = null; // {count, message, what?: 'change', plain?: true} (cells unless said; plain: the message alone)
    store.attach(this);
  }

  /** What a cell shows: the pending edit if there is one, else the committed value. */
  display(rowIndex, colIndex) {
    const row = this.store.rows[rowIndex];
    const col = this.store.columns[colIndex];
    if (!row || !col) return null;
    return this.valueOf(row, col.id);
  }

  valueOf(row, colId) {
    if (this.cells.size) {
      const p = this.cells.get(cellKey(row.id, colId));
      if (p) return p.value;
    }
    const v = row.values[colId];
    return v === undefined ? null : v;
  }

  /**
   * Marks for one cell by ids: {pending, failed, error} (plus `aside: true` for an
   * op kept for review, `conflict: name` while another user's value overwrote this
   * tab's) or null when plain.
   */
  cellInfo(rowId, colId) {
    if (!this.cells.size && !this.errors.size && !this.conflicts.size) return null;
    const key = cellKey(rowId, colId);
    const p = this.cells.get(key);
    const op = p && this.records.get(p.opId);
    const error = this.errors.get(key) || (op && (op.failed || op.aside) ? op.message : null) || null;
    const c = this.conflicts.size ? this.conflicts.get(key) : null;
    const conflict = c && c.until > this.now() ? c.name : null;
    if (!p && !error && !conflict) return null;
    const info = { pending: !!p, failed: !!(op && op.failed), error };
    if (op && op.aside) info.aside = true;
    if (conflict) info.conflict = conflict;
    return info;
  }

  // --- Counts for the status line.
  /** Unsaved changes waiting to be sent: pending cells plus row/column ops not yet committed. */
  pendingCount() {
    if (!this.asideOps) {
      let n = this.cells.size;
      for (const op of this.records.values()) if (op.kind !== 'cells' && !op.keys.size) n += 1;
      return n;
    }
    return this._count((op) => !op.aside);
  }

  /** Changes refused as too old (op_too_old), kept for the user to send again or discard. */
  asideCount() { return this.asideOps ? this._count((op) => op.aside) : 0; }

  _count(which) {
    let n = 0;
    for (const p of this.cells.values()) {
      const op = this.records.get(p.opId);
      if (!op || which(op)) n += 1;
    }
    for (const op of this.records.values()) if (op.kind !== 'cells' && !op.keys.size && which(op)) n += 1;
    return n;
  }

  /** Unsaved changes whose op is failing (network or server trouble; retried). */
  failedCount() {
    let n = 0;
    for (const op of this.records.values()) {
      if (!op.failed) continue;
      if (op.kind !== 'cells' && !op.keys.size) { n += 1; continue; }
      for (const key of op.keys) if (this.cells.get(key)?.opId === op.id) n += 1;
    }
    return n;
  }

  errorCount() { return this.errors.size; }

  /** This op is this tab's and not answered yet. */
  has(opId) { return this.records.has(opId); }

  // --- Records (localops.js makes and reworks them).
  /** A new record for op `opId`; its cells are added with `pend`. */
  addRecord(opId, kind, body) {
    const rec = { id: opId, kind, keys: new Set(), failed: false, message: null, seq: null, body };
    this.records.set(opId, rec);
    this.feed.status();
    return rec;
  }

  /** The cell shows `value` until op `rec` is answered. */
  pend(rowId, colId, value, rec) {
    const key = cellKey(rowId, colId);
    this.cells.set(key, { value, opId: rec.id });
    this.errors.delete(key);
    rec.keys.add(key);
    this.feed.touch(rowId, colId);
  }

  /** Rows or columns this op deletes: left out while it is on its way. */
  markDeleting(rec, ids, isRows, { hideShown = false } = {}) {
    rec.deleting = ids;
    for (const id of ids) {
      (isRows ? this.deletingRows : this.deletingCols).add(id);
      if (hideShown && (isRows ? this.store.rowIndexOf(id) : this.store.colIndexOf(id)) >= 0) this.hidden.add(id);
    }
  }

  /** The record goes without an answer (replaced by others, or discarded). */
  dropRecord(opId) {
    const rec = this.records.get(opId);
    if (!rec) return;
    if (rec.aside) this.asideOps -= 1;
    this.records.delete(opId);
    this.feed.status();
  }

  clearRejection() { this.lastRejection = null; }

  /** The user discarded the op: its pending values revert, what it was deleting is no longer left out. */
  withdraw(opId) {
    const rec = this.records.get(opId);
    if (!rec) return;
    for (const key of rec.keys) {
      if (this.cells.get(key)?.opId === opId) { this.cells.delete(key); this.feed.touch(...splitKey(key)); }
    }
    for (const id of rec.deleting || []) {
      this.deletingRows.delete(id);
      this.deletingCols.delete(id);
      this.hidden.delete(id);
    }
    this.dropRecord(opId);
  }

  // --- What the store asks (committed.js `attach`).
  /** An event brings a row or column this tab is deleting: true, leave it out. */
  hides(id) {
    if (!this.deletingRows.has(id) && !this.deletingCols.has(id)) return false;
    this.hidden.add(id);
    return true;
  }

  isGoing(id) { return this.deletingRows.has(id) || this.deletingCols.has(id); }

  /** Rows or columns went away: so do their pending values and marks. */
  forget(match) {
    for (const map of [this.cells, this.errors, this.conflicts, this.recent]) {
      for (const key of [...map.keys()]) {
        const [rowId, colId] = splitKey(key);
        if (match(rowId, colId)) map.delete(key);
      }
    }
  }

  /** Before an event applies: the cells it overwrites that this tab just committed. */
  beforeEvent(e) { return this._contested(e); }

  /** After an event applied: conflicts flagged, this tab's own op settled. */
  afterEvent(e, contested) {
    if (contested) this._flagConflicts(contested, e);
    if (e.op_id && this.records.has(e.op_id)) {
      this.records.get(e.op_id).seq = e.seq;
      this._settle(e.op_id);
    }
  }

  /** A snapshot of `version` came: ops committed before it are done. */
  afterSnapshot(version) {
    for (const [opId, op] of this.records) {
      if (op.seq !== null && op.seq <= version) this._settleCommitted(opId);
    }
  }

  // --- Conflicts: another user's committed value overwrote what this tab just committed.
  /** [cellKey, shown value] of the cells of a remote cells event that overwrite this tab's recent writes. */
  _contested(e) {
    if (e.type !== 'cells.changed' || !this.recent.size) return null;
    if ((e.op_id && this.records.has(e.op_id)) || (e.broadcaster_id && e.broadcaster_id === this.clientId)) return null;
    // An undo or redo only reverts its own user's changes (the server refuses it when someone else's came since).
    if (HISTORY.has(e.kind)) return null;
    const now = this.now();
    const out = [];
    for (const c of e.changes || []) {
      const key = cellKey(c.row, c.col);
      const mine = this.recent.get(key);
      if (!mine) continue;
      if (now - mine.at > CONFLICT_WINDOW_MS) { this.recent.delete(key); continue; }
      // A pending edit of this tab will be committed after this event: it wins.
      if (mine.seq >= e.seq || this.cells.has(key)) continue;
      const row = this.store.row(c.row);
      if (row) out.push([key, this.valueOf(row, c.col)]);
    }
    return out.length ? out : null;
  }

  _flagConflicts(contested, e) {
    const user = e.user || {};
    const name = user.display_name || user.username || 'Someone else';
    const until = this.now() + CONFLICT_SHOW_MS;
    for (const [key, before] of contested) {
      this.recent.delete(key);
      const [rowId, colId] = splitKey(key);
      const row = this.store.row(rowId);
      if (!row || same(this.valueOf(row, colId), before)) continue;
      this.conflicts.set(key, { name, until });
      this.feed.touch(rowId, colId);
    }
    if (this.conflicts.size && !this.conflictTimer) this._expireLater();
  }

  _expireLater() {
    this.conflictTimer = setTimeout(() => {
      this.conflictTimer = null;
      this.expireConflicts();
    }, CONFLICT_SHOW_MS + 50);
    if (this.conflictTimer && typeof this.conflictTimer.unref === 'function') this.conflictTimer.unref();
  }

  /** Drop conflict marks whose time is up (a timer calls this). */
  expireConflicts() {
    this.feed.batch(() => {
      const now = this.now();
      for (const [key, c] of this.conflicts) {
        if (c.until <= now) { this.conflicts.delete(key); this.feed.touch(...splitKey(key)); }
      }
      if (this.conflicts.size && !this.conflictTimer) this._expireLater();
    });
  }

  // --- Settling: the op is done.
  /**
   * The op was committed before what this tab shows now (a replayed answer, a
   * snapshot taken after it): rows and columns it made that the committed state
   * lacks were deleted since, so they go too.
   */
  _settleCommitted(opId) {
    const op = this.records.get(opId);
    if (op && op.made && op.made.length) {
      const { rows, cols } = this.store.madeBy(opId);
      if (rows.size) this.store.removeRows(rows);
      if (cols.size) this.store.removeColumns(cols);
    }
    this._settle(opId);
  }

  /** Its pending values give way to the committed ones. */
  _settle(opId) {
    const op = this.records.get(opId);
    if (!op) return;
    const at = this.now();
    for (const key of op.keys) {
      if (this.cells.get(key)?.opId === opId) {
        this.cells.delete(key);
        if (op.seq !== null) this.recent.set(key, { seq: op.seq, at });
        this.feed.touch(...splitKey(key));
      }
    }
    if (this.recent.size > 10000) {
      for (const [key, mine] of this.recent) if (at - mine.at > CONFLICT_WINDOW_MS) this.recent.delete(key);
    }
    this.store.markCommitted(op.made || [], opId);
    for (const id of op.deleting || []) {
      this.deletingRows.delete(id);
      this.deletingCols.delete(id);
      // It was hidden while the server had it: only a snapshot tells whether it is back.
      if (this.hidden.delete(id)) this.store.markGuessing();
    }
    this.dropRecord(opId);
  }

  // --- Answers of this tab's ops.
  /**
   * The HTTP answer of an op. `status` is the HTTP status. Its event goes
   * through the store's seq order; per-cell errors revert those cells and mark
   * them; a refused optimistic op leaves the store needing the snapshot.
   */
  applyAnswer(opId, answer, status) {
    this.feed.batch(() => {
      const isAnswer = answer && typeof answer === 'object' && 'applied' in answer;
      if ((status >= 200 && status < 300) || (status === 422 && isAnswer)) this._applied(opId, answer);
      else this._refused(opId, answer, status);
      this.store.noteStanding();
    });
  }

  _applied(opId, answer) {
    const op = this.records.get(opId);
    if (op) { op.failed = false; op.message = null; }
    this.store.saw(answer.version); // a replay whose event was pruned: catch-up finds out
    // Errors first: applying the op's event settles the op and clears its pending values.
    const errors = Array.isArray(answer.errors) ? answer.errors : [];
    for (const err of errors) this._reject(cellKey(err.row, err.col), opId, err.message);
    if (errors.length) this.lastRejection = { count: errors.length, message: errors[0].message };
    if (answer.event) this.store.ingest(answer.event);
    if (!op) return;
    if (answer.event) op.seq = answer.event.seq;
    if (!answer.event || (this.store.loaded && answer.event.seq <= this.store.lastSeq)) this._settleCommitted(opId);
  }

  /** The whole op was refused. */
  _refused(opId, answer, status) {
    const message = (answer && answer.message) || HISTORY_REFUSALS[answer && answer.error]
      || `The server refused the change (HTTP ${status}).`;
    const op = this.records.get(opId);
    if (!op) return;
    let count = 0;
    for (const key of op.keys) if (this._reject(key, opId, message)) count += 1;
    if (OPTIMISTIC.has(op.kind)) this.store.markGuessing();
    if (REVERTS.has(op.kind)) {
      // Nothing to revert: the server changed nothing. Its message says why (and who).
      this.lastRejection = { count: 1, message, plain: true };
    } else if (op.kind !== 'columns/update') {
      this.lastRejection = count ? { count, message } : { count: 1, message, what: 'change' };
    }
    this._settle(opId);
  }

  _reject(key, opId, message) {
    const p = this.cells.get(key);
    if (p && p.opId !== opId) return false; // a newer edit of the cell is pending
    this.cells.delete(key);
    this.errors.set(key, message);
    this.feed.touch(...splitKey(key));
    return true;
  }

  /** The op could not be delivered (network, 5xx); it is being retried. */
  opFailed(opId, message) {
    const op = this.records.get(opId);
    if (!op) return;
    this.feed.batch(() => {
      op.failed = true;
      op.message = message;
      for (const key of op.keys) this.feed.touch(...splitKey(key));
      this.feed.status();
    });
  }

  /** 409 op_too_old: the op is kept, shown as not applied, for the user to send again or discard. */
  setAside(opId, message) {
    const rec = this.records.get(opId);
    if (rec) this.feed.batch(() => this.markAside(rec, message));
  }

  markAside(rec, message) {
    if (!rec.aside) this.asideOps += 1;
    rec.aside = true;
    rec.failed = false;
    rec.message = message || 'Not applied: this change was made on a version of the sheet too old to apply safely.';
    for (const key of rec.keys) this.feed.touch(...splitKey(key));
    this.feed.status();
  }
}
