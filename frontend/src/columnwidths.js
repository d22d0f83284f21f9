// Column widths, kept for everyone: a column's `width` (docs/protocol.md) is
// what the grid draws it at, and dragging a header's border (Handsontable's
// ManualColumnResize, on for editors only) sends a column update. The width
// dragged here shows until the server answers; then the store's (the op's
// column.updated event, or the old width if it was refused) is drawn.

export const DEFAULT_WIDTH = 160;
export const MIN_WIDTH = 40;
export const MAX_WIDTH = 1000;

/** A dragged width as the server takes it: whole pixels within the bounds. */
export function clampWidth(px) {
  return Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, Math.round(px)));
}

/**
 * The widths of the grid adapter `grid` (grid.js): `grid.colIds` and
 * `grid.store` say which column a visual index is and its width;
 * `resize(colId, width)` sends the op and resolves with its answer.
 */
export class ColumnWidths {
  constructor({ grid, resize }) {
    this.grid = grid;
    this.resize = resize;
    this.wanted = new Map(); // column id -> width dragged here, its op not answered yet
  }

  /** The width set for visual column `col` (dragged here, else the store's), or null: the default. */
  setWidth(col) {
    const id = this.grid.colIds[col];
    if (id === undefined) return null;
    if (this.wanted.has(id)) return this.wanted.get(id);
    return this.grid.store.column(id)?.width ?? null;
  }

  /** Handsontable's settings that draw the widths and hear of a drag. */
  settings() {
    return {
      colWidths: (col) => this.width(col),
      beforeStretchingColumnWidth: (width, col) => this.stretched(width, col),
      afterColumnResize: (width, col, isDoubleClick) => this.resized(width, col, isDoubleClick),
    };
  }

  /** Handsontable's `colWidths`. */
  width(col) { return this.setWidth(col) ?? DEFAULT_WIDTH; }

  /** Handsontable's `beforeStretchingColumnWidth`: a set width stays; the others share the room left. */
  stretched(stretchedWidth, col) { return this.setWidth(col) ?? stretchedWidth; }

  /** Handsontable's `afterColumnResize`: the width dragged goes to the server. */
  resized(newSize, col, isDoubleClick) {
    const hot = this.grid.hot;
    // The plugin's own width of the column is dropped: the grid draws what this module says.
    if (hot && hot.getPlugin('manualColumnResize').enabled) hot.getPlugin('manualColumnResize').clearManualSize(col);
    const id = this.grid.colIds[col];
    // A double click would fit the content (AutoColumnSize, off here): nothing to send.
    if (!id || isDoubleClick || !Number.isFinite(newSize) || !this.grid.canEdit()) { this.redraw(); return; }
    const width = clampWidth(newSize);
    if (width === (this.grid.store.column(id)?.width ?? null) && !this.wanted.has(id)) { this.redraw(); return; }
    this.wanted.set(id, width);
    this.redraw();
    Promise.resolve(this.resize(id, width)).finally(() => {
      if (this.wanted.get(id) !== width) return; // dragged again since
      this.wanted.delete(id);
      this.redraw();
    });
  }

  /** Widths are read again at the next render (the store's changed, or a drag was answered). */
  invalidate() {
    const view = this.grid.hot && this.grid.hot.view;
    if (view) view.invalidateColumnWidthCache();
  }

  redraw() {
    if (!this.grid.hot) return;
    this.invalidate();
    this.grid.hot.render();
  }
}
