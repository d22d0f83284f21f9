// What changed for the screen, collected while the store changes and told to
// the listeners (the grid, the status line, the sync loop) once per outermost
// batch. No DOM.

/**
 * What changed for the screen, told once per outermost call (`batch`):
 * {structure, cells: [[rowId, colId]], title, status, sync, totals}. `sync`: the store
 * learned it is behind the server or must load the snapshot again; `totals`:
 * a footer total changed (columninfo.js).
 */
export class ChangeFeed {
  constructor() {
    this.listeners = new Set();
    this.depth = 0;
    this._reset();
  }

  subscribe(fn) { this.listeners.add(fn); return () => this.listeners.delete(fn); }

  _reset() { this.dirty = { structure: false, cells: [], title: null, status: false, sync: false, totals: false }; }

  touch(rowId, colId) { this.dirty.cells.push([rowId, colId]); this.dirty.status = true; }

  structure() { this.dirty.structure = true; this.dirty.status = true; }

  status() { this.dirty.status = true; }

  title(title) { this.dirty.title = title; }

  sync() { this.dirty.sync = true; }

  totals() { this.dirty.totals = true; }

  /** Run `fn` as one change: listeners hear of it once, when the outermost batch ends. */
  batch(fn) {
    this.depth += 1;
    try {
      return fn();
    } finally {
      this.depth -= 1;
      if (!this.depth) this._notify();
    }
  }

  _notify() {
    const d = this.dirty;
    this._reset();
    if (d.structure || d.cells.length || d.title !== null || d.status || d.sync || d.totals) {
      for (const fn of this.listeners) fn(d);
    }
  }
}
