// The pending edits: what this tab changed that is not committed yet, shown
// over the committed store (committed.js) until the server answers, and the
// marks the user should see: failed cells, ops set aside as too old, and
// conflicts (another user's value overwrote what this tab just wrote). Values
// the server refused stay shown with the reason (`refused`, refused.js).
// No DOM. One record per op of this tab (`records`, by op id) says which cells,
// rows and columns the op covers; localops.js makes them.
import { cellKey, splitKey } from './committed.js';
import { sentValue } from './refused.js';
import { ConflictMarks } from './conflicts.js';
import { KnownRows } from './knownrows.js';

export { CONFLICT_WINDOW_MS, CONFLICT_SHOW_MS } from './conflicts.js';

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
export const uuid = () => globalThis.crypto.randomUUID();

export class PendingEdits {
  /** `refused` is the refused values (refused.js), made with the store's feed (sheetstate.js). */
  constructor({ store, clientId, now = () => Date.now(), refused }) {
    this.store = store;
    this.rows = new KnownRows(store); // rows held by the store or by the view shown (knownrows.js)
    this.feed = store.feed;
    this.clientId = clientId || uuid();
    this.now = now;
    this.cells = new Map(); // cellKey -> {value, opId}: the value this tab shows until the op is answered
    this.records = new Map(); // opId -> {id, kind, keys: Set, failed, message, seq, body, aside?, made?, deleting?}
    this.refused = refused; // cellKey -> the value typed and the reason it was refused (refused.js)
    this.marks = new ConflictMarks({ feed: this.feed, now }); // another user's value overwrote this tab's (conflicts.js)
    this.asideOps = 0; // ops refused as too old, kept for the user to review
    this.deletingRows = new Set();
    this.deletingCols = new Set();
    // Ids this tab left out for its own pending delete although the server still
    // or again had them (an undo may restore them before the delete's answer comes).
    this.hidden = new Set();
    this.lastRejection = null; // {count, message, what?: 'change', plain?: true} (cells unless said; plain: the message alone)
    store.attach(this);
  }

  /** What a cell shows: the pending edit, else the refused value typed, else the committed value. */
  display(rowIndex, colIndex) {
    const row = this.store.rows[rowIndex];
    const col = this.store.columns[colIndex];
    if (!row || !col) return null;
    return this.valueOf(row, col.id);
  }

  valueOf(row, colId) {
    if (this.cells.size || this.refused.size) {
      const key = cellKey(row.id, colId);
      const p = this.cells.get(key);
      if (p) return p.value;
      const typed = this.refused.value(key);
      if (typed !== undefined) return typed;
    }
    const v = row.values[colId];
    return v === undefined ? null : v;
  }

  /**
   * Marks for one cell by ids: {pending, failed, error} (plus `aside: true` for an
   * op kept for review, `refused: true` for a refused value shown, `conflict: name`
   * while another user's value overwrote this tab's) or null when plain.
   */
  cellInfo(rowId, colId) {
    if (!this.cells.size && !this.refused.size && !this.marks.size) return null;
    const key = cellKey(rowId, colId);
    const p = this.cells.get(key);
    const op = p && this.records.get(p.opId);
    const refusal = p ? null : this.refused.message(key);
    const error = refusal || (op && (op.failed || op.aside) ? op.message : null) || null;
    const conflict = this.marks.nameAt(key);
    if (!p && !error && !conflict) return null;
    const info = { pending: !!p, failed: !!(op && op.failed), error };
    if (op && op.aside) info.aside = true;
    if (refusal) info.refused = true;
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

  /** Refused values shown (the status line never says "All changes saved" while there are any). */
  errorCount() { return this.refused.size; }

  /**
   * The user discards the refused values of these cells (by ids; all when
   * omitted): they show their committed values again. Returns how many went.
   */
  discardRefused(cells = null) {
    return this.feed.batch(() => {
      const n = cells ? this.refused.drop(cells.map(([rowId, colId]) => cellKey(rowId, colId))) : this.refused.dropAll();
      if (n && !this.refused.size && this.lastRejection && !this.lastRejection.what && !this.lastRejection.plain) {
        this.lastRejection = null;
      }
      this.feed.status();
      return n;
    });
  }

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
    if (this.refused.size) this.refused.drop([key]); // typed again: the new value replaces the refused one
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
    this.refused.forget(match);
    this.marks.forget(match);
    for (const key of [...this.cells.keys()]) if (match(...splitKey(key))) this.cells.delete(key);
  }

  /** Before an event applies: the cells another tab's event overwrites that this tab just committed. */
  beforeEvent(e) {
    if ((e.op_id && this.records.has(e.op_id)) || (e.broadcaster_id && e.broadcaster_id === this.clientId)) return null;
    // An undo or redo only reverts its own user's changes (the server refuses it when someone else's came since).
    if (HISTORY.has(e.kind)) return null;
    return this.marks.contested(e, { pending: (key) => this.cells.has(key), shown: (key) => this._shown(key) });
  }

  /** After an event applied: conflicts flagged, this tab's own op settled. */
  afterEvent(e, contested) {
    if (contested) this.marks.flag(contested, e, (key) => this._shown(key, e));
    // Values of rows the store does not hold touch nothing there: told anyway, so that
    // the view holding them (viewrows.js follows the store's events) hears of the event.
    const changed = e.type === 'cells.changed' ? (e.changes || []).map((c) => [c.row, c.col])
      : e.type === 'column.updated' && e.column ? Object.keys(e.values || {}).map((rowId) => [rowId, e.column.id]) : [];
    for (const [rowId, colId] of changed) if (!this.store.row(rowId) && this.rows.has(rowId)) this.feed.touch(rowId, colId);
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
    // Refused values kept on the device for cells gone meanwhile go too (a row the
    // store does not hold on a big sheet, or one the view holds, is not known to be gone).
    if (this.refused.size) this.refused.prune((rowId, colId) => this.rows.mayExist(rowId) && this.store.colIndexOf(colId) >= 0);
  }

  /** Conflict marks whose time is up go (a timer does this too). */
  expireConflicts() { this.marks.expire(); }

  /** The conflict marks by cell (cellKey -> {name, until}). */
  get conflicts() { return this.marks.marks; }

  /** What cell `key` shows (undefined: its row is gone), once cells event `e` (if given) applied. */
  _shown(key, e = null) {
    const [rowId, colId] = splitKey(key);
    const row = this.rows.row(rowId);
    if (!row) return undefined;
    // A row only the view holds: its record follows the event once the store's batch is over.
    const change = e && !this.store.row(rowId) ? (e.changes || []).find((c) => c.row === rowId && c.col === colId) : null;
    return change && !this.cells.has(key) && !this.refused.has(key) ? (change.value ?? null) : this.valueOf(row, colId);
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
        if (op.seq !== null) this.marks.committed(key, op.seq, at);
        this.feed.touch(...splitKey(key));
      }
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
   * The HTTP answer of an op. `status` is the HTTP status; `body` the op's body
   * as sent (its values, should the op's pending values be settled already).
   * Its event goes through the store's seq order; per-cell errors keep the
   * values typed, refused (refused.js); a refused optimistic op leaves the
   * store needing the snapshot.
   */
  applyAnswer(opId, answer, status, body = null) {
    this.feed.batch(() => {
      const isAnswer = answer && typeof answer === 'object' && 'applied' in answer;
      const sent = body || this.records.get(opId)?.body || null;
      if ((status >= 200 && status < 300) || (status === 422 && isAnswer)) this._applied(opId, answer, sent);
      else this._refused(opId, answer, status, sent);
      this.store.noteStanding();
    });
  }

  _applied(opId, answer, sent) {
    const op = this.records.get(opId);
    if (op) { op.failed = false; op.message = null; }
    this.store.saw(answer.version); // a replay whose event was pruned: catch-up finds out
    // Errors first: applying the op's event settles the op and clears its pending values.
    const errors = Array.isArray(answer.errors) ? answer.errors : [];
    for (const err of errors) this._reject(cellKey(err.row, err.col), opId, err.message, sent);
    if (errors.length) this.lastRejection = { count: errors.length, message: errors[0].message };
    if (answer.event) this.store.ingest(answer.event);
    if (!op) return;
    if (answer.event) op.seq = answer.event.seq;
    if (!answer.event || (this.store.loaded && answer.event.seq <= this.store.lastSeq)) this._settleCommitted(opId);
  }

  /** The whole op was refused. */
  _refused(opId, answer, status, sent) {
    const message = (answer && answer.message) || HISTORY_REFUSALS[answer && answer.error]
      || `The server refused the change (HTTP ${status}).`;
    const op = this.records.get(opId);
    if (!op) return;
    let count = 0;
    for (const key of op.keys) if (this._reject(key, opId, message, sent)) count += 1;
    if (OPTIMISTIC.has(op.kind)) this.store.markGuessing();
    if (REVERTS.has(op.kind)) {
      // Nothing to revert: the server changed nothing. Its message says why (and who).
      this.lastRejection = { count: 1, message, plain: true };
    } else if (op.kind !== 'columns/update') {
      this.lastRejection = count ? { count, message } : { count: 1, message, what: 'change' };
    }
    this._settle(opId);
  }

  /** The value typed into cell `key` by op `opId` was refused: it stays shown, with `message`. */
  _reject(key, opId, message, sent) {
    const p = this.cells.get(key);
    if (p && p.opId !== opId) return false; // a newer edit of the cell is pending
    this.cells.delete(key);
    this.refused.refuse(key, p ? p.value : sentValue(sent, key), message, this.now());
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
