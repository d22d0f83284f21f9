// A view's column order (viewstate.js `order`, docs/protocol.md "Saved
// views"): the columns it names come first, in its order; the others follow
// in the sheet's order. The grid builds its columns from this list, so every
// grid index maps to a column through the grid's `colIds`. No DOM.

/** The sheet's `columns` in the order the view shows them (ids of columns gone are skipped). */
export function displayColumns(columns, order) {
  if (!order || !order.length) return columns;
  const byId = new Map(columns.map((c) => [c.id, c]));
  const seen = new Set();
  const first = [];
  for (const id of order) {
    const col = byId.get(id);
    if (col && !seen.has(id)) { seen.add(id); first.push(col); }
  }
  return first.length ? [...first, ...columns.filter((c) => !seen.has(c.id))] : columns;
}

/** The columns the grid adapter `grid` (grid.js) shows, in its view's order. */
export function shownColumns(grid) {
  const state = grid.view && grid.view.state;
  return displayColumns(grid.store.columns, state ? state.order : []);
}

/** The grid shows its columns in another order than its view's now. */
export function orderStale(grid) {
  const want = shownColumns(grid);
  return want.length !== grid.colIds.length || want.some((c, i) => c.id !== grid.colIds[i]);
}

/**
 * The order after moving `colId` one shown column left (`step` -1) or right
 * (+1) among `shownIds` (the display order); hidden columns (`hidden`) are
 * stepped over. [] when the result is the sheet's own order (`sheetIds`);
 * null when the column cannot move that way.
 */
export function movedOrder(shownIds, colId, step, { hidden = [], sheetIds = [] } = {}) {
  const from = shownIds.indexOf(colId);
  if (from < 0 || (step !== 1 && step !== -1)) return null;
  const skip = new Set(hidden);
  let to = from + step;
  while (to >= 0 && to < shownIds.length && skip.has(shownIds[to])) to += step;
  if (to < 0 || to >= shownIds.length) return null;
  const out = shownIds.filter((id) => id !== colId);
  out.splice(to, 0, colId);
  const same = out.length === sheetIds.length && out.every((id, i) => id === sheetIds[i]);
  return same ? [] : out;
}

/** The column can move that way in the view (the menu's items are off otherwise). */
export const canMove = (shownIds, colId, step, hidden = []) => movedOrder(shownIds, colId, step, { hidden }) !== null;
