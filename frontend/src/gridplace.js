// Keeping the user's place in the grid (grid.js) when rows or columns come or
// go elsewhere: the selection stays on the same cells (by row and column id)
// and the rows on screen stay on screen, so nothing moves from under the cursor
// when someone inserts or deletes rows above it. No state of its own.

/** The grid's selection by ids (null if none, or a header is part of it). */
export function selectionByIds(grid) {
  const selected = grid.hot.getSelected();
  if (!selected || selected.some((coords) => coords.some((i) => i < 0))) return null;
  return selected.map(([r1, c1, r2, c2]) => [grid.rowIds[r1], grid.colIds[c1], grid.rowIds[r2], grid.colIds[c2]]);
}

/** Select those ids where they are now, if all still exist and something moved. */
export function reselect(grid, byIds) {
  const before = grid.hot.getSelected();
  const now = [];
  for (const [r1, c1, r2, c2] of byIds) {
    const coords = [grid.rowPos.get(r1), grid.colPos.get(c1), grid.rowPos.get(r2), grid.colPos.get(c2)];
    if (coords.some((i) => i === undefined)) return;
    now.push(coords);
  }
  if (before && JSON.stringify(before) === JSON.stringify(now)) return;
  grid.hot.selectCells(now, false);
}

/** The first row on screen, by id (null at the very top: there the top stays the top). */
export function topRowShown(grid) {
  const first = grid.hot.view.getFirstFullyVisibleRow();
  return Number.isInteger(first) && first > 0 ? grid.rowIds[first] ?? null : null;
}

/** Scroll so that row is first on screen again, if rows above it came or went. */
export function keepTopRow(grid, rowId) {
  if (rowId === null) return;
  const now = grid.rowPos.get(rowId);
  if (now === undefined || now === grid.hot.view.getFirstFullyVisibleRow()) return;
  grid.hot.scrollViewportTo({ row: now, verticalSnap: 'top' });
}
