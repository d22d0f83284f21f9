// This tab's ops: what the user does becomes pending edits (pending.js) shown
// at once, plus the op {endpoint, opId, body, createdAt} that the op queue
// (opqueue.js) sends. Ops saved by an earlier page (outbox.js) come back here,
// and so do ops an answer asks to rework: split in two (413), re-anchored (409,
// the row above is gone), sent again or discarded after review. No DOM.
import { cellKey } from './committed.js';
import { columnFromSpec } from './columninfo.js';
import { halveBody } from './opqueue.js';
import { uuid } from './pending.js';

const MAX_REANCHOR = 5;

export class LocalOps {
  constructor({ store, pending }) {
    this.store = store;
    this.pending = pending;
  }

  _newOp(kind, body) {
    const opId = uuid();
    const { lastSeq } = this.store;
    // base_version: the version this tab had when the user made the change.
    const full = Number.isInteger(lastSeq) ? { op_id: opId, base_version: lastSeq, ...body } : { op_id: opId, ...body };
    const rec = this.pending.addRecord(opId, kind, full);
    return { op: { endpoint: kind, opId, body: full, createdAt: this.pending.now() }, rec };
  }

  _batch(fn) { return this.store.feed.batch(fn); }

  // --- What the user does. Each returns the op to send, or null.
  /**
   * changes: [{row: rowId, col: colId, value}]. Rows and columns this tab does not
   * know are skipped; a row the shown view holds is known (knownrows.js), held by the store or not.
   */
  editCells(changes) {
    return this._batch(() => {
      const { store, pending } = this;
      const valid = changes.filter((c) => pending.rows.has(c.row) && store.colIndexOf(c.col) >= 0);
      if (!valid.length) return null;
      pending.clearRejection();
      const sent = valid.map((c) => ({ row: c.row, col: c.col, value: c.value === undefined ? null : c.value }));
      const { op, rec } = this._newOp('cells', { changes: sent });
      for (const c of sent) pending.pend(c.row, c.col, c.value, rec);
      return op;
    });
  }

  /** New rows after row `after` (null: top), each with optional values {colId: v}. */
  insertRows(after, valuesList = [{}]) {
    return this._batch(() => {
      const specs = [];
      let prev = after ?? null;
      for (const values of valuesList) {
        const id = uuid();
        const clean = {};
        for (const [colId, v] of Object.entries(values || {})) {
          if (this.store.colIndexOf(colId) >= 0 && v !== null && v !== undefined && v !== '') clean[colId] = v;
        }
        specs.push({ id, after: prev, values: clean });
        prev = id;
      }
      if (!specs.length) return null;
      this.pending.clearRejection();
      const { op, rec } = this._newOp('rows/insert', { rows: specs });
      rec.made = specs.map((s) => s.id);
      this.store.placeRows(specs.map((s) => ({ id: s.id, values: {}, local: op.opId, localAfter: s.after })), after ?? null);
      for (const s of specs) for (const [colId, v] of Object.entries(s.values)) this.pending.pend(s.id, colId, v, rec);
      return op;
    });
  }

  deleteRows(ids) { return this._delete(ids, true); }

  deleteColumns(ids) { return this._delete(ids, false); }

  _delete(ids, isRows) {
    return this._batch(() => {
      // A row the shown view holds goes too, held by the store or not (knownrows.js).
      const known = ids.filter((id) => (isRows ? this.pending.rows.has(id) : this.store.colIndexOf(id) >= 0));
      if (!known.length) return null;
      const { op, rec } = this._newOp(isRows ? 'rows/delete' : 'columns/delete', isRows ? { rows: known } : { columns: known });
      this.pending.markDeleting(rec, known, isRows);
      if (isRows) this.store.removeRows(new Set(known));
      else this.store.removeColumns(new Set(known));
      return op;
    });
  }

  /** A new column (a formula column with its `formula`), shown at once; its values come when committed. */
  insertColumn({ after = null, name, type = 'text', formula }) {
    return this._batch(() => {
      const id = uuid();
      const spec = type === 'formula' ? { id, name, type, formula, after } : { id, name, type, after };
      const { op, rec } = this._newOp('columns/insert', { columns: [spec] });
      rec.made = [id];
      this.store.placeColumn({ ...columnFromSpec(spec), local: op.opId, localAfter: after }, after);
      return op;
    });
  }

  /**
   * Rename, retype, give a formula, a footer summary (null: none), a width
   * (null: the default) or a number format (null: as stored) to a column.
   * Shown once committed: the server may refuse it.
   */
  updateColumn(id, { name, type, formula, summary, width, numberFormat, wrap } = {}) {
    if (this.store.colIndexOf(id) < 0) return null;
    const body = { column: id };
    if (name !== undefined) body.name = name;
    if (type !== undefined) body.type = type;
    if (formula !== undefined) body.formula = formula;
    if (summary !== undefined) body.summary = summary;
    if (width !== undefined) body.width = width;
    if (numberFormat !== undefined) body.number_format = numberFormat;
    if (wrap !== undefined) body.wrap = wrap;
    return this._batch(() => this._newOp('columns/update', body).op);
  }

  renameSheet(title) { return this._batch(() => this._newOp('rename', { title }).op); }

  /** Sort every row for everyone: sort [{column, descending}]. Shown once committed (a reload). */
  sortSheet(sort) { return this._batch(() => this._newOp('rows/sort', { sort }).op); }

  /** Keep the first `count` columns in place for everyone (0: none). Shown once committed. */
  freezeColumns(count) { return this._batch(() => this._newOp('freeze', { columns: count }).op); }

  /**
   * Undo (or redo) this user's last change of the sheet: the server picks the
   * change and answers an ordinary event, so nothing is shown before it.
   */
  undo() { return this._history('undo'); }

  redo() { return this._history('redo'); }

  /**
   * Revert change `seq` (any user's) from the history panel: like an undo, the
   * server checks and answers an ordinary event (`kind: "revert"`), and this
   * user's next undo takes the revert back.
   */
  revert(seq) { return Number.isInteger(seq) && seq > 0 ? this._history('revert', { change: seq }) : null; }

  _history(kind, body = {}) {
    return this._batch(() => {
      this.pending.clearRejection();
      return this._newOp(kind, body).op;
    });
  }

  // --- Ops that outlive the page (outbox.js).
  /**
   * An op saved by an earlier page of this sheet, {endpoint, opId, body}: shown
   * again as pending local edits on top of whatever the snapshot brings (same
   * op_id, so the server applies it at most once). `aside`: kept for review, not sent.
   */
  restoreOp({ endpoint, opId, body }, { aside = false, message = null } = {}) {
    if (this.pending.has(opId) || !body) return;
    this._batch(() => {
      const rec = this.pending.addRecord(opId, endpoint, body);
      switch (endpoint) {
        case 'cells': this._restoreCells(rec, body); break;
        case 'rows/insert': this._restoreRows(rec, body); break;
        case 'columns/insert': this._restoreColumns(rec, body); break;
        case 'rows/delete':
        case 'columns/delete': {
          const isRows = endpoint === 'rows/delete';
          const listed = isRows ? body.rows : body.columns;
          const ids = Array.isArray(listed) ? listed : [];
          this.pending.markDeleting(rec, ids, isRows, { hideShown: true });
          if (isRows) this.store.removeRows(new Set(ids));
          else this.store.removeColumns(new Set(ids));
          break;
        }
        default: break; // columns/update, rename, freeze: shown once committed
      }
      if (aside) this.pending.markAside(rec, message);
    });
  }

  _restoreCells(rec, body) {
    for (const c of body.changes || []) {
      // A cell already pending here was typed later: it keeps showing (and is sent later).
      if (this.pending.cells.has(cellKey(c.row, c.col))) rec.keys.add(cellKey(c.row, c.col));
      else this.pending.pend(c.row, c.col, c.value === undefined ? null : c.value, rec);
    }
  }

  _restoreRows(rec, body) {
    const specs = Array.isArray(body.rows) ? body.rows : [];
    rec.made = specs.map((s) => s.id);
    for (const s of specs) {
      if (this.store.rowIndexOf(s.id) >= 0 || this.pending.deletingRows.has(s.id)) continue;
      this.store.placeRows([{ id: s.id, values: {}, local: rec.id, localAfter: s.after ?? null }], s.after ?? null);
    }
    for (const s of specs) for (const [colId, v] of Object.entries(s.values || {})) this.pending.pend(s.id, colId, v, rec);
  }

  _restoreColumns(rec, body) {
    const specs = Array.isArray(body.columns) ? body.columns : [];
    rec.made = specs.map((c) => c.id);
    for (const c of specs) {
      if (this.store.colIndexOf(c.id) >= 0 || this.pending.deletingCols.has(c.id)) continue;
      const col = { ...columnFromSpec(c), local: rec.id, localAfter: c.after ?? null };
      this.store.placeColumn(col, c.after ?? null);
    }
  }

  // --- Answers that change an op.
  /** The op's bookkeeping moves to a new op id with `body` (part of it, or all of it). */
  _rekey(old, body) {
    const newId = uuid();
    const rec = this.pending.addRecord(newId, old.kind, { op_id: newId, ...body });
    const take = (key) => {
      rec.keys.add(key);
      const p = this.pending.cells.get(key);
      if (p && p.opId === old.id) p.opId = newId;
    };
    switch (old.kind) {
      case 'cells':
        for (const c of body.changes || []) take(cellKey(c.row, c.col));
        break;
      case 'rows/insert':
      case 'columns/insert': {
        const specs = (old.kind === 'rows/insert' ? body.rows : body.columns) || [];
        rec.made = specs.map((s) => s.id);
        for (const s of specs) {
          this.store.relabel(s.id, old.id, newId, s.after ?? null);
          for (const colId of Object.keys(s.values || {})) take(cellKey(s.id, colId));
        }
        break;
      }
      case 'rows/delete': rec.deleting = [...(body.rows || [])]; break;
      case 'columns/delete': rec.deleting = [...(body.columns || [])]; break;
      default: break;
    }
    return rec;
  }

  _replace(op, bodies) {
    const old = this.pending.records.get(op.opId) || { id: op.opId, kind: op.endpoint, keys: new Set() };
    const out = bodies.map((body) => {
      const rec = this._rekey(old, body);
      return { endpoint: op.endpoint, opId: rec.id, body: rec.body, createdAt: op.createdAt };
    });
    this.pending.dropRecord(op.opId);
    return out;
  }

  /** 413: the op as two ops with half the items each (new op ids: nothing was applied), or null. */
  splitOp(op) {
    const halves = halveBody(op.endpoint, op.body);
    return halves ? this._batch(() => this._replace(op, halves)) : null;
  }

  /**
   * 409 on an insert whose `after` row or column is gone (someone deleted it):
   * the same new rows/columns placed after what the user now sees above them,
   * as a new op ([op]: nothing was applied). Null when it is not that, or tried too often.
   */
  reanchorOp(op, answer) {
    const isRows = op.endpoint === 'rows/insert' && !!answer && answer.error === 'row_not_found';
    const isCols = op.endpoint === 'columns/insert' && !!answer && answer.error === 'column_not_found';
    const old = this.pending.records.get(op.opId);
    if ((!isRows && !isCols) || !old || (old.reanchored || 0) >= MAX_REANCHOR) return null;
    const gone = new Set(old.gone || []);
    const missing = isRows ? answer.row : answer.column;
    if (missing) gone.add(missing);
    const moved = this._anchorsNow(op, isRows, gone);
    const { op_id: _, ...rest } = op.body;
    return this._batch(() => {
      const [next] = this._replace(op, [{ ...rest, [isRows ? 'rows' : 'columns']: moved }]);
      const rec = this.pending.records.get(next.opId);
      rec.reanchored = (old.reanchored || 0) + 1;
      rec.gone = [...gone];
      return [next];
    });
  }

  /** The op's specs, each placed after the nearest row (column) above it the server has. */
  _anchorsNow(op, isRows, gone) {
    const { store } = this;
    const list = isRows ? store.rows : store.columns;
    const find = (id) => (isRows ? store.row(id) : store.column(id));
    const specs = (isRows ? op.body.rows : op.body.columns) || [];
    const made = new Set();
    // Usable anchors: rows the server has (not gone, not being deleted, not
    // another op's unsent row) or rows made earlier in this same op.
    const ok = (thing) => !!thing && !gone.has(thing.id) && !this.pending.isGoing(thing.id)
      && (!thing.local || (thing.local === op.opId && made.has(thing.id)));
    return specs.map((spec) => {
      let after = spec.after ?? null;
      if (after !== null && !ok(find(after))) {
        const index = isRows ? store.rowIndexOf(spec.id) : store.colIndexOf(spec.id);
        after = null;
        for (let i = (index < 0 ? list.length : index) - 1; i >= 0; i -= 1) {
          if (ok(list[i])) { after = list[i].id; break; }
        }
      }
      made.add(spec.id);
      return { ...spec, after };
    });
  }

  /** Send an op set aside again, as a change made now (new op_id, current base_version). */
  reissueOp(op) {
    const { op_id: _, base_version: __, ...rest } = op.body;
    const { lastSeq } = this.store;
    const body = Number.isInteger(lastSeq) ? { base_version: lastSeq, ...rest } : rest;
    return this._batch(() => {
      const [next] = this._replace(op, [body]);
      next.createdAt = this.pending.now();
      return next;
    });
  }

  /**
   * Forget these ops (the user discarded them): their pending values revert,
   * rows and columns they made go. A discarded delete leaves the store needing
   * the snapshot to show again what it hid.
   */
  discardOps(opIds) {
    this._batch(() => {
      for (const opId of opIds) {
        const rec = this.pending.records.get(opId);
        if (!rec) continue;
        if (rec.made && rec.made.length) {
          const { rows, cols } = this.store.madeBy(opId);
          if (rows.size) this.store.removeRows(rows);
          if (cols.size) this.store.removeColumns(cols);
        }
        if (rec.deleting && rec.deleting.length) this.store.markGuessing();
        this.pending.withdraw(opId);
      }
    });
  }
}
