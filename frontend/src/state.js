// The sheet as this tab knows it (pipeline.js: seq order, pending edits,
// conflicts) plus what the user does to it: each local edit becomes an op for
// ops.js, and ops that outlive the page (outbox.js) come back here. No DOM.
import { cellKey, splitKey } from './model.js';
import { halveBody } from './ops.js';
import { SheetPipeline, uuid } from './pipeline.js';

export { CONFLICT_SHOW_MS, CONFLICT_WINDOW_MS, SHEET_EVENTS } from './pipeline.js';

const MAX_REANCHOR = 5;

export class SheetState extends SheetPipeline {
  // --- Local edits. Each returns an op {endpoint, opId, body} for ops.js, or null.
  _newOp(kind, body, keys = new Set()) {
    const opId = uuid();
    // base_version: the version this tab had when the user made the change.
    const full = Number.isInteger(this.lastSeq) ? { op_id: opId, base_version: this.lastSeq, ...body } : { op_id: opId, ...body };
    this.ops.set(opId, { id: opId, kind, keys, failed: false, message: null, seq: null, body: full });
    this._dirty.status = true;
    return { endpoint: kind, opId, body: full, createdAt: this.now() };
  }

  _pend(rowId, colId, value, opId, keys) {
    const key = cellKey(rowId, colId);
    this.pending.set(key, { value, opId });
    this.errors.delete(key);
    keys.add(key);
    this._touch(rowId, colId);
  }

  /** changes: [{row: rowId, col: colId, value}]. Unknown rows/columns are skipped. */
  editCells(changes) {
    const valid = changes.filter((c) => this.rowIndexOf(c.row) >= 0 && this.colIndexOf(c.col) >= 0);
    if (!valid.length) return this._flush(null);
    this.lastRejection = null;
    const sent = valid.map((c) => ({ row: c.row, col: c.col, value: c.value === undefined ? null : c.value }));
    const op = this._newOp('cells', { changes: sent });
    const keys = this.ops.get(op.opId).keys;
    for (const c of sent) this._pend(c.row, c.col, c.value, op.opId, keys);
    return this._flush(op);
  }

  /** New rows after row `after` (null: top), each with optional values {colId: v}. */
  insertRows(after, valuesList = [{}]) {
    const specs = [];
    let prev = after ?? null;
    for (const values of valuesList) {
      const id = uuid();
      const clean = {};
      for (const [colId, v] of Object.entries(values || {})) {
        if (this.colIndexOf(colId) >= 0 && v !== null && v !== undefined && v !== '') clean[colId] = v;
      }
      specs.push({ id, after: prev, values: clean });
      prev = id;
    }
    if (!specs.length) return this._flush(null);
    this.lastRejection = null;
    const op = this._newOp('rows/insert', { rows: specs });
    const keys = this.ops.get(op.opId).keys;
    this.ops.get(op.opId).made = specs.map((s) => s.id);
    const records = specs.map((s) => ({ id: s.id, values: {}, local: op.opId, localAfter: s.after }));
    this._placeRows(records, after ?? null);
    for (const s of specs) for (const [colId, v] of Object.entries(s.values)) this._pend(s.id, colId, v, op.opId, keys);
    return this._flush(op);
  }

  deleteRows(ids) {
    const known = ids.filter((id) => this.rowIndexOf(id) >= 0);
    if (!known.length) return this._flush(null);
    const op = this._newOp('rows/delete', { rows: known });
    this.ops.get(op.opId).deleting = known;
    for (const id of known) this.deletingRows.add(id);
    this._removeRows(new Set(known));
    return this._flush(op);
  }

  insertColumn({ after = null, name, type = 'text' }) {
    const id = uuid();
    const op = this._newOp('columns/insert', { columns: [{ id, name, type, after }] });
    this.ops.get(op.opId).made = [id];
    this._placeColumn({ id, name, type, local: op.opId, localAfter: after }, after);
    return this._flush(op);
  }

  deleteColumns(ids) {
    const known = ids.filter((id) => this.colIndexOf(id) >= 0);
    if (!known.length) return this._flush(null);
    const op = this._newOp('columns/delete', { columns: known });
    this.ops.get(op.opId).deleting = known;
    for (const id of known) this.deletingCols.add(id);
    this._removeColumns(new Set(known));
    return this._flush(op);
  }

  /** Rename and/or retype a column. Shown once committed: a type change may be refused. */
  updateColumn(id, { name, type } = {}) {
    if (this.colIndexOf(id) < 0) return this._flush(null);
    const body = { column: id };
    if (name !== undefined) body.name = name;
    if (type !== undefined) body.type = type;
    return this._flush(this._newOp('columns/update', body));
  }

  renameSheet(title) { return this._flush(this._newOp('rename', { title })); }

  /**
   * Undo (or redo) this user's last change of the sheet: the server picks the
   * change and answers an ordinary event, so nothing is shown before it.
   */
  undo() { return this._history('undo'); }

  redo() { return this._history('redo'); }

  _history(kind) {
    this.lastRejection = null;
    return this._flush(this._newOp(kind, {}));
  }

  // --- Ops that outlive the page (outbox.js) and answers that change an op.
  /**
   * An op saved by an earlier page of this sheet, {endpoint, opId, body}: shown
   * again as pending local edits on top of whatever the snapshot brings (same
   * op_id, so the server applies it at most once). `aside`: kept for review, not sent.
   */
  restoreOp({ endpoint, opId, body }, { aside = false, message = null } = {}) {
    if (this.ops.has(opId) || !body) return this._flush(null);
    const keys = new Set();
    const rec = { id: opId, kind: endpoint, keys, failed: false, message: null, seq: null, body };
    this.ops.set(opId, rec);
    switch (endpoint) {
      case 'cells':
        for (const c of body.changes || []) {
          // A cell already pending here was typed later: it keeps showing (and is sent later).
          if (this.pending.has(cellKey(c.row, c.col))) keys.add(cellKey(c.row, c.col));
          else this._pend(c.row, c.col, c.value === undefined ? null : c.value, opId, keys);
        }
        break;
      case 'rows/insert': {
        const specs = Array.isArray(body.rows) ? body.rows : [];
        rec.made = specs.map((s) => s.id);
        for (const s of specs) {
          if (this.rowIndexOf(s.id) >= 0 || this.deletingRows.has(s.id)) continue;
          this._placeRows([{ id: s.id, values: {}, local: opId, localAfter: s.after ?? null }], s.after ?? null);
        }
        for (const s of specs) for (const [colId, v] of Object.entries(s.values || {})) this._pend(s.id, colId, v, opId, keys);
        break;
      }
      case 'rows/delete': {
        const ids = Array.isArray(body.rows) ? body.rows : [];
        rec.deleting = ids;
        for (const id of ids) this.deletingRows.add(id);
        for (const id of ids) if (this.rowIndexOf(id) >= 0) this.hidden.add(id);
        this._removeRows(new Set(ids));
        break;
      }
      case 'columns/insert': {
        const specs = Array.isArray(body.columns) ? body.columns : [];
        rec.made = specs.map((c) => c.id);
        for (const c of specs) {
          if (this.colIndexOf(c.id) >= 0 || this.deletingCols.has(c.id)) continue;
          this._placeColumn({ id: c.id, name: c.name, type: c.type, local: opId, localAfter: c.after ?? null }, c.after ?? null);
        }
        break;
      }
      case 'columns/delete': {
        const ids = Array.isArray(body.columns) ? body.columns : [];
        rec.deleting = ids;
        for (const id of ids) this.deletingCols.add(id);
        for (const id of ids) if (this.colIndexOf(id) >= 0) this.hidden.add(id);
        this._removeColumns(new Set(ids));
        break;
      }
      default: break; // columns/update, rename: shown once committed
    }
    if (aside) this._markAside(rec, message);
    this._dirty.status = true;
    return this._flush(null);
  }

  _markAside(rec, message) {
    if (!rec.aside) this.asideOps += 1;
    rec.aside = true;
    rec.failed = false;
    rec.message = message || 'Not applied: this change was made on a version of the sheet too old to apply safely.';
    for (const key of rec.keys) this._touch(...splitKey(key));
    this._dirty.status = true;
  }

  /** 409 op_too_old: the op is kept, shown as not applied, for the user to send again or discard. */
  setAside(opId, message) {
    const rec = this.ops.get(opId);
    if (rec) this._markAside(rec, message);
    return this._flush(null);
  }

  /** The op's bookkeeping moves to a new op id with `body` (part of it, or all of it). */
  _rekey(old, body) {
    const newId = uuid();
    const full = { op_id: newId, ...body };
    const keys = new Set();
    const rec = { id: newId, kind: old.kind, keys, failed: false, message: null, seq: null, body: full };
    const take = (key) => {
      keys.add(key);
      const p = this.pending.get(key);
      if (p && p.opId === old.id) p.opId = newId;
    };
    switch (old.kind) {
      case 'cells':
        for (const c of body.changes || []) take(cellKey(c.row, c.col));
        break;
      case 'rows/insert':
      case 'columns/insert': {
        const isRows = old.kind === 'rows/insert';
        const specs = (isRows ? body.rows : body.columns) || [];
        rec.made = specs.map((s) => s.id);
        for (const s of specs) {
          const thing = isRows ? this.row(s.id) : this.column(s.id);
          if (thing && thing.local === old.id) { thing.local = newId; thing.localAfter = s.after ?? null; }
          for (const colId of Object.keys(s.values || {})) take(cellKey(s.id, colId));
        }
        break;
      }
      case 'rows/delete': rec.deleting = [...(body.rows || [])]; break;
      case 'columns/delete': rec.deleting = [...(body.columns || [])]; break;
      default: break;
    }
    this.ops.set(newId, rec);
    return rec;
  }

  _replace(op, bodies) {
    const old = this.ops.get(op.opId) || { id: op.opId, kind: op.endpoint, keys: new Set() };
    const out = bodies.map((body) => {
      const rec = this._rekey(old, body);
      return { endpoint: op.endpoint, opId: rec.id, body: rec.body, createdAt: op.createdAt };
    });
    if (this.ops.has(op.opId)) {
      if (old.aside) this.asideOps -= 1;
      this.ops.delete(op.opId);
    }
    this._dirty.status = true;
    return out;
  }

  /** 413: the op as two ops with half the items each (new op ids: nothing was applied), or null. */
  splitOp(op) {
    const halves = halveBody(op.endpoint, op.body);
    return this._flush(halves ? this._replace(op, halves) : null);
  }

  /**
   * 409 on an insert whose `after` row or column is gone (someone deleted it):
   * the same new rows/columns placed after what the user now sees above them,
   * as a new op ([op]: nothing was applied). Null when it is not that, or tried too often.
   */
  reanchorOp(op, answer) {
    const isRows = op.endpoint === 'rows/insert' && !!answer && answer.error === 'row_not_found';
    const isCols = op.endpoint === 'columns/insert' && !!answer && answer.error === 'column_not_found';
    const old = this.ops.get(op.opId);
    if ((!isRows && !isCols) || !old || (old.reanchored || 0) >= MAX_REANCHOR) return this._flush(null);
    const gone = new Set(old.gone || []);
    const missing = isRows ? answer.row : answer.column;
    if (missing) gone.add(missing);
    const list = isRows ? this.rows : this.columns;
    const find = (id) => (isRows ? this.row(id) : this.column(id));
    const specs = (isRows ? op.body.rows : op.body.columns) || [];
    const made = new Set();
    // Usable anchors: rows the server has (not gone, not being deleted, not
    // another op's unsent row) or rows made earlier in this same op.
    const ok = (thing) => !!thing && !gone.has(thing.id) && !this._isGoing(thing.id)
      && (!thing.local || (thing.local === op.opId && made.has(thing.id)));
    const moved = specs.map((spec) => {
      let after = spec.after ?? null;
      if (after !== null && !ok(find(after))) {
        const index = isRows ? this.rowIndexOf(spec.id) : this.colIndexOf(spec.id);
        after = null;
        for (let i = (index < 0 ? list.length : index) - 1; i >= 0; i -= 1) {
          if (ok(list[i])) { after = list[i].id; break; }
        }
      }
      made.add(spec.id);
      return { ...spec, after };
    });
    const { op_id: _, ...rest } = op.body;
    const [next] = this._replace(op, [{ ...rest, [isRows ? 'rows' : 'columns']: moved }]);
    const rec = this.ops.get(next.opId);
    rec.reanchored = (old.reanchored || 0) + 1;
    rec.gone = [...gone];
    return this._flush([next]);
  }

  /** Send an op set aside again, as a change made now (new op_id, current base_version). */
  reissueOp(op) {
    const { op_id: _, base_version: __, ...rest } = op.body;
    const body = Number.isInteger(this.lastSeq) ? { base_version: this.lastSeq, ...rest } : rest;
    const [next] = this._replace(op, [body]);
    next.createdAt = this.now();
    return this._flush(next);
  }

  /**
   * Forget these ops (the user discarded them): their pending values revert,
   * rows and columns they made go. {reload: true} when the snapshot is needed
   * to show again what a discarded delete hid.
   */
  discardOps(opIds) {
    let reload = false;
    for (const opId of opIds) {
      const rec = this.ops.get(opId);
      if (!rec) continue;
      for (const key of rec.keys) {
        if (this.pending.get(key)?.opId === opId) { this.pending.delete(key); this._touch(...splitKey(key)); }
      }
      const made = new Set(rec.made || []);
      if (made.size) {
        const rows = new Set(this.rows.filter((r) => made.has(r.id) && r.local === opId).map((r) => r.id));
        if (rows.size) this._removeRows(rows);
        const cols = new Set(this.columns.filter((c) => made.has(c.id) && c.local === opId).map((c) => c.id));
        if (cols.size) this._removeColumns(cols);
      }
      if (rec.deleting && rec.deleting.length) reload = true;
      for (const id of rec.deleting || []) { this.deletingRows.delete(id); this.deletingCols.delete(id); this.hidden.delete(id); }
      if (rec.aside) this.asideOps -= 1;
      this.ops.delete(opId);
      this._dirty.status = true;
    }
    return this._flush(reload ? { reload: true } : null);
  }
}
