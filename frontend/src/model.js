// Rows, columns and committed values of a sheet, placed the way the server
// places them. No DOM; SheetState (state.js) adds seq order and pending edits.

export const SEP = '\u0001';
export const cellKey = (rowId, colId) => rowId + SEP + colId;
export const splitKey = (key) => key.split(SEP);

export class SheetModel {
  constructor() {
    this.title = '';
    this.columns = []; // [{id, name, type, local?}] in display order
    this.rows = []; // [{id, values: {colId: committed}, local?, localAfter?}]
    this.listeners = new Set();
    this._rowIdx = null;
    this._colIdx = null;
    // An event placed a row or column after one this tab does not show (it is
    // deleting it), or a row or column this tab hid came back (an undo of the
    // delete): what it shows is a guess until the next snapshot.
    this.misplaced = false;
    this._resetDirty();
  }

  // --- Subscriptions: one notification per public call that changed something.
  subscribe(fn) { this.listeners.add(fn); return () => this.listeners.delete(fn); }

  _resetDirty() { this._dirty = { structure: false, cells: [], title: null, status: false }; }

  _touch(rowId, colId) { this._dirty.cells.push([rowId, colId]); this._dirty.status = true; }

  _structure() { this._dirty.structure = true; this._dirty.status = true; this._rowIdx = null; this._colIdx = null; }

  _flush(result = null) {
    const d = this._dirty;
    this._resetDirty();
    if (d.structure || d.cells.length || d.title !== null || d.status) {
      for (const fn of this.listeners) fn(d);
    }
    return result;
  }

  // --- Lookups.
  rowIndexOf(id) {
    if (!this._rowIdx) this._rowIdx = new Map(this.rows.map((r, i) => [r.id, i]));
    const i = this._rowIdx.get(id);
    return i === undefined ? -1 : i;
  }

  colIndexOf(id) {
    if (!this._colIdx) this._colIdx = new Map(this.columns.map((c, i) => [c.id, i]));
    const i = this._colIdx.get(id);
    return i === undefined ? -1 : i;
  }

  row(id) { const i = this.rowIndexOf(id); return i < 0 ? null : this.rows[i]; }

  column(id) { const i = this.colIndexOf(id); return i < 0 ? null : this.columns[i]; }

  /** Apply one committed event to rows, columns and title. */
  _applyChange(e) {
    switch (e.type) {
      case 'cells.changed':
        for (const c of e.changes || []) this._commit(this.row(c.row), c.col, c.value);
        break;
      case 'rows.inserted': this._applyRowsInserted(e.rows || []); break;
      case 'rows.deleted': this._removeRows(new Set(e.rows || [])); break;
      case 'columns.inserted':
        for (const spec of e.columns || []) {
          if (this._hides(spec.id)) continue;
          const existing = this.column(spec.id);
          if (existing) this.columns.splice(this.colIndexOf(spec.id), 1);
          this._colIdx = null;
          if (spec.after != null && this.colIndexOf(spec.after) < 0) this.misplaced = true;
          this._placeColumn({ id: spec.id, name: spec.name, type: spec.type }, spec.after);
        }
        // Cells of the new columns (an undone column delete brings its values back).
        for (const c of e.values || []) if (this.colIndexOf(c.col) >= 0) this._commit(this.row(c.row), c.col, c.value);
        break;
      case 'columns.deleted': this._removeColumns(new Set(e.columns || [])); break;
      case 'column.updated': {
        const col = this.column(e.column?.id);
        if (!col) break;
        col.name = e.column.name;
        col.type = e.column.type;
        this._structure();
        for (const [rowId, value] of Object.entries(e.values || {})) this._commit(this.row(rowId), col.id, value);
        break;
      }
      case 'sheet.renamed': this.title = e.title; this._dirty.title = e.title; break;
      default: break;
    }
  }

  _commit(row, colId, value) {
    if (!row) return;
    if (value === null || value === undefined) delete row.values[colId];
    else row.values[colId] = value;
    this._touch(row.id, colId);
  }

  _applyRowsInserted(specs) {
    const ids = new Set(specs.map((s) => s.id));
    // A row this tab already shows (it made it) moves to where the event says.
    if (this.rows.some((r) => ids.has(r.id))) this.rows = this.rows.filter((r) => !ids.has(r.id));
    this._structure();
    // Consecutive rows that follow each other are placed with one splice.
    let chain = [];
    let chainAfter;
    const flush = () => {
      if (!chain.length) return;
      if (chainAfter !== null && this.rowIndexOf(chainAfter) < 0) this.misplaced = true;
      this._placeRows(chain, chainAfter);
      chain = [];
    };
    for (const s of specs) {
      if (this._hides(s.id)) continue; // this tab is deleting it already
      const record = { id: s.id, values: { ...(s.values || {}) } };
      if (chain.length && s.after === chain[chain.length - 1].id) chain.push(record);
      else { flush(); chain = [record]; chainAfter = s.after ?? null; }
    }
    flush();
  }

  _placeRows(records, after) {
    let index = 0;
    if (after != null) {
      const i = this.rowIndexOf(after);
      index = i < 0 ? this.rows.length : i + 1;
    }
    this.rows.splice(index, 0, ...records);
    this._structure();
  }

  _placeColumn(col, after) {
    let index = 0;
    if (after != null) {
      const i = this.colIndexOf(after);
      index = i < 0 ? this.columns.length : i + 1;
    }
    this.columns.splice(index, 0, col);
    this._structure();
  }

  _removeRows(ids) {
    if (!ids.size) return;
    this.rows = this.rows.filter((r) => !ids.has(r.id));
    this._forget((rowId) => ids.has(rowId));
    this._structure();
  }

  _removeColumns(ids) {
    if (!ids.size) return;
    this.columns = this.columns.filter((c) => !ids.has(c.id));
    for (const row of this.rows) for (const id of ids) if (id in row.values) delete row.values[id];
    this._forget((_, colId) => ids.has(colId));
    this._structure();
  }

  /** Hook: a row or column this tab is deleting (its delete op is in flight). */
  _isGoing() { return false; }

  /** Hook: an event brings a row or column this tab is deleting; true: leave it out. */
  _hides() { return false; }

  /** Hook: rows or columns matching `match(rowId, colId)` went away. */
  _forget() {}
}
