// The sheet as this tab knows it, in seq order: committed values from the
// server's events and answers, this tab's pending edits over them, and the
// conflicts the user should see. No DOM here, so Node's test runner covers it
// as shipped. The rules are docs/protocol.md, "Keeping a tab in step".
// SheetState (state.js) adds the local edits and the ops that outlive a page.
import { SheetModel, cellKey, splitKey } from './model.js';

export const SHEET_EVENTS = new Set([
  'cells.changed', 'rows.inserted', 'rows.deleted', 'columns.inserted',
  'columns.deleted', 'column.updated', 'sheet.renamed', 'sheet.reset',
]);

// Ops whose local effect is shown before the server answers: a refusal of
// one of them means the tab shows something the server does not have.
const OPTIMISTIC = new Set(['rows/insert', 'rows/delete', 'columns/insert', 'columns/delete']);
export const uuid = () => globalThis.crypto.randomUUID();
// Undo and redo of the user's own changes: refused as a whole or applied as an event.
const HISTORY = new Set(['undo', 'redo']);
const HISTORY_REFUSALS = {
  nothing_to_undo: 'Nothing to undo.',
  nothing_to_redo: 'Nothing to redo.',
  undo_conflict: "Can't undo: what you changed was changed since by someone else.",
};

// A snapshot row is {id, values} or, from `?rows=arrays`, [id, value per column]
// (docs/protocol.md): the array form keeps a 100,000-row snapshot small.
function rowFromSnapshot(r, columns) {
  if (!Array.isArray(r)) return { id: r.id, values: { ...r.values } };
  const values = {};
  for (let i = 1; i < r.length; i += 1) {
    if (r[i] !== null && columns[i - 1]) values[columns[i - 1].id] = r[i];
  }
  return { id: r[0], values };
}
// A remote value that lands on a cell this tab committed this recently is a
// conflict the user should see (their edit was overwritten), for CONFLICT_SHOW_MS.
export const CONFLICT_WINDOW_MS = 5000;
export const CONFLICT_SHOW_MS = 3000;
const same = (a, b) => (a ?? null) === (b ?? null);

export class SheetPipeline extends SheetModel {
  constructor({ clientId, now = () => Date.now() } = {}) {
    super();
    this.clientId = clientId || uuid();
    this.now = now;
    this.conflicts = new Map(); // cellKey -> {name, until}: another user's value overwrote this tab's
    this.recent = new Map(); // cellKey -> {seq, at}: this tab's last committed write of the cell
    this.conflictTimer = null;
    this.asideOps = 0; // ops refused as too old, kept for the user to review
    this.lastSeq = null; // null until the first snapshot
    this.held = new Map(); // seq -> event not yet applicable (before snapshot, or after a gap)
    this.knownVersion = 0; // highest version the server told us about
    this.pending = new Map(); // cellKey -> {value, opId}
    this.errors = new Map(); // cellKey -> message of a rejected value
    this.ops = new Map(); // opId -> {kind, keys: Set, failed, message, seq, body, aside?, made?, deleting?}
    this.deletingRows = new Set();
    this.deletingCols = new Set();
    // Ids this tab left out for its own pending delete although the server still
    // or again had them (an undo may restore them before the delete's answer comes).
    this.hidden = new Set();
    this.lastRejection = null; // {count, message, what?: 'change', plain?: true} (cells unless said; plain: the message alone)
    this.resetSeen = false; // a sheet.reset (an import) was applied: only a snapshot shows the sheet now
  }

  get loaded() { return this.lastSeq !== null; }

  /** What a cell shows: the pending edit if there is one, else the committed value. */
  display(rowIndex, colIndex) {
    const row = this.rows[rowIndex];
    const col = this.columns[colIndex];
    if (!row || !col) return null;
    return this.valueOf(row, col.id);
  }

  valueOf(row, colId) {
    if (this.pending.size) {
      const p = this.pending.get(cellKey(row.id, colId));
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
    if (!this.pending.size && !this.errors.size && !this.conflicts.size) return null;
    const key = cellKey(rowId, colId);
    const p = this.pending.get(key);
    const op = p && this.ops.get(p.opId);
    const error = this.errors.get(key) || (op && (op.failed || op.aside) ? op.message : null) || null;
    const c = this.conflicts.size ? this.conflicts.get(key) : null;
    const conflict = c && c.until > this.now() ? c.name : null;
    if (!p && !error && !conflict) return null;
    const info = { pending: !!p, failed: !!(op && op.failed), error };
    if (op && op.aside) info.aside = true;
    if (conflict) info.conflict = conflict;
    return info;
  }

  /** Unsaved changes waiting to be sent: pending cells plus row/column ops not yet committed. */
  pendingCount() {
    if (!this.asideOps) {
      let n = this.pending.size;
      for (const op of this.ops.values()) if (op.kind !== 'cells' && !op.keys.size) n += 1;
      return n;
    }
    return this._count((op) => !op.aside);
  }

  /** Changes refused as too old (op_too_old), kept for the user to send again or discard. */
  asideCount() { return this.asideOps ? this._count((op) => op.aside) : 0; }

  _count(which) {
    let n = 0;
    for (const p of this.pending.values()) {
      const op = this.ops.get(p.opId);
      if (!op || which(op)) n += 1;
    }
    for (const op of this.ops.values()) if (op.kind !== 'cells' && !op.keys.size && which(op)) n += 1;
    return n;
  }

  /** Unsaved changes whose op is failing (network or server trouble; retried). */
  failedCount() {
    let n = 0;
    for (const op of this.ops.values()) {
      if (!op.failed) continue;
      if (op.kind !== 'cells' && !op.keys.size) { n += 1; continue; }
      for (const key of op.keys) if (this.pending.get(key)?.opId === op.id) n += 1;
    }
    return n;
  }

  errorCount() { return this.errors.size; }

  // --- The seq pipeline.
  /** A socket message. Returns {needCatchUp: since} when the tab is behind. */
  receive(msg) {
    if (!msg || typeof msg !== 'object') return null;
    if (SHEET_EVENTS.has(msg.type)) this._ingest(msg);
    else if (msg.type === 'sheet.heartbeat') this._saw(msg.version);
    else if (msg.type === 'changes.available') this._saw(msg.seq);
    else return null;
    return this._flush(this._behind());
  }

  /** The snapshot (GET /api/sheets/<id>/). Held events newer than it are applied. */
  loadSnapshot(snap) {
    const oldRows = this.rows;
    const oldCols = this.columns;
    this.title = snap.title ?? this.title;
    this._dirty.title = this.title;
    this.columns = snap.columns.map((c) => ({ id: c.id, name: c.name, type: c.type }));
    this.rows = snap.rows.map((r) => rowFromSnapshot(r, this.columns));
    this._structure();
    // Rows and columns this tab made whose insert is not committed yet stay
    // (placed before the ones this tab is deleting go: they may be their anchors).
    for (const c of oldCols) {
      if (c.local && this.colIndexOf(c.id) < 0) this._placeColumn(c, c.localAfter);
    }
    for (const r of oldRows) {
      if (r.local && this.rowIndexOf(r.id) < 0) this._placeRows([r], r.localAfter);
    }
    if (this.deletingCols.size) this.columns = this.columns.filter((c) => !this._hides(c.id));
    if (this.deletingRows.size) this.rows = this.rows.filter((r) => !this._hides(r.id));
    this._structure();
    this.lastSeq = snap.version;
    this.misplaced = false;
    this.resetSeen = false;
    this._saw(snap.version);
    for (const seq of [...this.held.keys()]) if (seq <= snap.version) this.held.delete(seq);
    for (const [opId, op] of this.ops) {
      if (op.seq !== null && op.seq <= snap.version) this._settleCommitted(opId);
    }
    this._drain();
    return this._flush(this._behind());
  }

  /** The answer of GET changes?since=. {reload: true} means: fetch the snapshot again. */
  applyCatchUp(answer) {
    if (answer.reload) return this._flush({ reload: true });
    this._saw(answer.version);
    for (const event of answer.changes || []) this._ingest(event);
    return this._flush(this._behind());
  }

  _saw(version) {
    if (Number.isInteger(version) && version > this.knownVersion) this.knownVersion = version;
  }

  _ingest(event) {
    if (!Number.isInteger(event.seq)) return;
    this._saw(event.seq);
    if (this.loaded && event.seq <= this.lastSeq) return; // duplicate
    this.held.set(event.seq, event);
    if (this.loaded) this._drain();
  }

  _drain() {
    let next;
    while ((next = this.held.get(this.lastSeq + 1))) {
      this.held.delete(next.seq);
      this._apply(next);
      this.lastSeq = next.seq;
    }
  }

  _behind() {
    if (!this.loaded) return null;
    if (this.resetSeen) return { reload: true };
    if (this.misplaced) return { reload: true }; // a row or column went after one this tab hides
    return this.knownVersion > this.lastSeq ? { needCatchUp: this.lastSeq } : null;
  }

  _apply(e) {
    if (e.type === 'sheet.reset') this.resetSeen = true;
    const contested = this._contested(e);
    this._applyChange(e);
    if (contested) this._flagConflicts(contested, e);
    if (e.op_id && this.ops.has(e.op_id)) {
      this.ops.get(e.op_id).seq = e.seq;
      this._settle(e.op_id);
    }
  }

  _isGoing(id) { return this.deletingRows.has(id) || this.deletingCols.has(id); }

  _hides(id) {
    if (!this._isGoing(id)) return false;
    this.hidden.add(id);
    return true;
  }

  // --- Conflicts: another user's committed value overwrote what this tab just committed.
  /** [cellKey, shown value] of the cells of a remote cells event that overwrite this tab's recent writes. */
  _contested(e) {
    if (e.type !== 'cells.changed' || !this.recent.size) return null;
    if ((e.op_id && this.ops.has(e.op_id)) || (e.broadcaster_id && e.broadcaster_id === this.clientId)) return null;
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
      if (mine.seq >= e.seq || this.pending.has(key)) continue;
      const row = this.row(c.row);
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
      const row = this.row(rowId);
      if (!row || same(this.valueOf(row, colId), before)) continue;
      this.conflicts.set(key, { name, until });
      this._touch(rowId, colId);
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
    const now = this.now();
    for (const [key, c] of this.conflicts) {
      if (c.until <= now) { this.conflicts.delete(key); this._touch(...splitKey(key)); }
    }
    if (this.conflicts.size && !this.conflictTimer) this._expireLater();
    this._flush();
  }

  /** Rows or columns went away: so do their pending values and marks. */
  _forget(match) {
    for (const map of [this.pending, this.errors, this.conflicts, this.recent]) {
      for (const key of [...map.keys()]) {
        const [rowId, colId] = splitKey(key);
        if (match(rowId, colId)) map.delete(key);
      }
    }
  }

  /**
   * The op was committed before what this tab shows now (a replayed answer, a
   * snapshot taken after it): rows and columns it made that the committed state
   * lacks were deleted since, so they go too.
   */
  _settleCommitted(opId) {
    const op = this.ops.get(opId);
    if (op && op.made && op.made.length) {
      const rows = new Set(this.rows.filter((r) => r.local === opId).map((r) => r.id));
      if (rows.size) this._removeRows(rows);
      const cols = new Set(this.columns.filter((c) => c.local === opId).map((c) => c.id));
      if (cols.size) this._removeColumns(cols);
    }
    this._settle(opId);
  }

  /** The op is done: its pending values give way to the committed ones. */
  _settle(opId) {
    const op = this.ops.get(opId);
    if (!op) return;
    const at = this.now();
    for (const key of op.keys) {
      if (this.pending.get(key)?.opId === opId) {
        this.pending.delete(key);
        if (op.seq !== null) this.recent.set(key, { seq: op.seq, at });
        this._touch(...splitKey(key));
      }
    }
    if (this.recent.size > 10000) {
      for (const [key, mine] of this.recent) if (at - mine.at > CONFLICT_WINDOW_MS) this.recent.delete(key);
    }
    if (op.aside) this.asideOps -= 1;
    for (const id of op.made || []) {
      const thing = this.row(id) || this.column(id);
      if (thing && thing.local === opId) { delete thing.local; delete thing.localAfter; }
    }
    for (const id of op.deleting || []) {
      this.deletingRows.delete(id);
      this.deletingCols.delete(id);
      // It was hidden while the server had it: only a snapshot tells whether it is back.
      if (this.hidden.delete(id)) this.misplaced = true;
    }
    this.ops.delete(opId);
    this._dirty.status = true;
  }

  // --- Answers of this tab's ops.
  /**
   * The HTTP answer of an op. `status` is the HTTP status. Its event goes
   * through the seq pipeline; per-cell errors revert those cells and mark them.
   * Returns {needCatchUp}, {reload: true} (resync: an optimistic op was refused) or null.
   */
  applyAnswer(opId, answer, status) {
    const op = this.ops.get(opId);
    const isAnswer = answer && typeof answer === 'object' && 'applied' in answer;
    if ((status >= 200 && status < 300) || (status === 422 && isAnswer)) {
      if (op) { op.failed = false; op.message = null; }
      this._saw(answer.version); // a replay whose event was pruned: catch-up finds out
      // Errors first: applying the op's event settles the op and clears its pending values.
      const errors = Array.isArray(answer.errors) ? answer.errors : [];
      for (const err of errors) this._reject(cellKey(err.row, err.col), opId, err.message);
      if (errors.length) this.lastRejection = { count: errors.length, message: errors[0].message };
      if (answer.event) this._ingest(answer.event);
      if (op) {
        if (answer.event) op.seq = answer.event.seq;
        if (!answer.event || (this.loaded && answer.event.seq <= this.lastSeq)) this._settleCommitted(opId);
      }
      return this._flush(this._behind());
    }
    // The whole op was refused.
    const message = (answer && answer.message) || HISTORY_REFUSALS[answer && answer.error]
      || `The server refused the change (HTTP ${status}).`;
    let result = null;
    if (op) {
      let count = 0;
      for (const key of op.keys) if (this._reject(key, opId, message)) count += 1;
      if (OPTIMISTIC.has(op.kind)) result = { reload: true };
      if (HISTORY.has(op.kind)) {
        // Nothing to revert: the server changed nothing. Its message says why (and who).
        this.lastRejection = { count: 1, message, plain: true };
      } else if (op.kind !== 'columns/update') {
        this.lastRejection = count ? { count, message } : { count: 1, message, what: 'change' };
      }
      this._settle(opId);
    }
    return this._flush(result);
  }

  _reject(key, opId, message) {
    const p = this.pending.get(key);
    if (p && p.opId !== opId) return false; // a newer edit of the cell is pending
    this.pending.delete(key);
    this.errors.set(key, message);
    this._touch(...splitKey(key));
    return true;
  }

  /** The op could not be delivered (network, 5xx); it is being retried. */
  opFailed(opId, message) {
    const op = this.ops.get(opId);
    if (!op) return;
    op.failed = true;
    op.message = message;
    for (const key of op.keys) this._touch(...splitKey(key));
    this._dirty.status = true;
    this._flush();
  }
}
