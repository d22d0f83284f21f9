// Wrapped text, a column property kept for everyone (docs/protocol.md,
// `wrap`): in a wrapped column long text wraps and its row grows to fit.
// Every other column keeps the grid's fixed row height (grid.js, `wordWrap:
// false`), so a sheet where no column wraps costs nothing more. With
// `autoRowSize` off, Handsontable measures only the rows it draws after each
// render (walkontable's oversized rows): a million-row sheet is never measured
// whole. No DOM here: the grid reads these per column.

/** A column spec's `wrap` as the store keeps it: true only when the server says so. */
export function readWrap(spec) { return spec.wrap === true; }

/** Handsontable's per-column settings for the column's wrap. */
export function wrapSettings(col) { return { wordWrap: !!col.wrap }; }

/** What the grid's columns are set up from, as far as wrap goes (gridrows.js columnsKey). */
export function wrapKey(col) { return col.wrap ? 'wrap' : ''; }

/** The editors' column menu items: wrap the active column's text, or stop. */
export function wrapMenuItems(grid, on, activeColumnId) {
  const column = (hot) => grid.store.column(activeColumnId(hot));
  return {
    gr_wrap: {
      name: 'Wrap text',
      hidden() { return !column(this) || !!column(this).wrap; },
      callback() { on.wrapColumn(activeColumnId(this), true); },
    },
    gr_unwrap: {
      name: "Don't wrap text",
      hidden() { return !column(this) || !column(this).wrap; },
      callback() { on.wrapColumn(activeColumnId(this), false); },
    },
  };
}
