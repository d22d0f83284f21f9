// The grid's context menu (row, column, undo and refused-value items, each
// calling the grid's `on` callbacks, actions.js) and what a paste may fill.
// `grid` (grid.js) knows the row and column ids shown by position.
import { undoShortcuts } from './undokeys.js';
import { isFormula } from './columninfo.js';
import { takesNumberFormat } from './numberformat.js';
import { wrapMenuItems } from './columnwrap.js';
import { canMove } from './columnorder.js';

const SEPARATOR = { name: '---------' };
export const MAX_FROZEN_COLUMNS = 10; // as the server allows (services/sheets.py)

/** Visual indexes (sorted) covered by the selection along `axis` ('row' or 'col'), below `count`. */
function selectedIndexes(hot, axis, count) {
  const out = new Set();
  for (const range of hot.getSelectedRange() || []) {
    const from = Math.max(0, Math.min(range.from[axis], range.to[axis]));
    const to = Math.max(range.from[axis], range.to[axis]);
    for (let i = from; i <= to && i < count; i += 1) out.add(i);
  }
  return [...out].sort((a, b) => a - b);
}

const activeCol = (hot) => {
  const range = hot.getSelectedRangeActive();
  return range ? Math.max(0, range.highlight.col) : 0;
};

/** An item acting on the column of the active cell: `act(colId)`; off when there are no columns. */
function columnItem(grid, name, act) {
  return {
    name,
    disabled() { return !grid.colIds.length; },
    callback() { act(grid.colIds[activeCol(this)]); },
  };
}

/** Those of `cells` ([rowId, colId], few: the refused values) that the selection covers. */
export function selectedCells(hot, grid, cells) {
  const ranges = (hot.getSelectedRange() || []).map((range) => [range.getTopStartCorner(), range.getBottomEndCorner()]);
  return cells.filter(([rowId, colId]) => {
    const r = grid.rowPos.get(rowId);
    const c = grid.colPos.get(colId);
    if (r === undefined || c === undefined) return false;
    // A header in the selection gives -1: a whole row or column.
    return ranges.some(([top, bottom]) => r >= Math.max(0, top.row) && r <= bottom.row && c >= Math.max(0, top.col) && c <= bottom.col);
  });
}

/** The menu item that freezes the columns up to the one selected (the `count`th). */
export function freezeLabel(count) {
  return count === 1 ? 'Freeze first column' : `Freeze first ${count} columns`;
}

/** The context menu: row, column and undo items, calling `on`. `grid` knows the ids shown. */
export function menuItems(grid, on) {
  const rowsOf = (hot) => selectedIndexes(hot, 'row', grid.rowIds.length);
  const colsOf = (hot) => selectedIndexes(hot, 'col', grid.colIds.length);
  const keys = undoShortcuts();
  return {
    gr_undo: { name: `Undo (${keys.undo})`, callback() { on.undo(); } },
    gr_redo: { name: `Redo (${keys.redo})`, callback() { on.redo(); } },
    gr_discard_refused: {
      name: 'Discard rejected value (Escape)',
      disabled() { return !grid.refusedIn(this).length; },
      callback() { on.discardRefused(grid.refusedIn(this)); },
    },
    sep0: SEPARATOR,
    gr_row_above: {
      name: 'Insert row above',
      callback() { const r = rowsOf(this)[0] ?? 0; on.insertRow(r > 0 ? grid.rowIds[r - 1] : null); },
    },
    gr_row_below: {
      name: 'Insert row below',
      callback() { const rows = rowsOf(this); on.insertRow(grid.rowIds[rows[rows.length - 1]] ?? grid.rowIds[grid.rowIds.length - 1] ?? null); },
    },
    gr_remove_row: {
      name: 'Remove row',
      // A whole column is selected: "remove row" would remove every row.
      disabled() { return !grid.rowIds.length || !!this.selection?.isSelectedByColumnHeader?.(); },
      callback() { on.deleteRows(rowsOf(this).map((r) => grid.rowIds[r])); },
    },
    sep1: SEPARATOR,
    gr_col_left: {
      name: 'Insert column left',
      callback() { const c = colsOf(this)[0] ?? 0; on.insertColumn(c > 0 ? grid.colIds[c - 1] : null); },
    },
    gr_col_right: {
      name: 'Insert column right',
      callback() { const cols = colsOf(this); on.insertColumn(grid.colIds[cols[cols.length - 1]] ?? grid.colIds[grid.colIds.length - 1] ?? null); },
    },
    gr_remove_col: {
      name: 'Remove column',
      disabled() { return !grid.colIds.length || !!this.selection?.isSelectedByRowHeader?.(); },
      callback() { on.deleteColumns(colsOf(this).map((c) => grid.colIds[c])); },
    },
    sep2: SEPARATOR,
    gr_rename_col: columnItem(grid, 'Rename column…', (id) => on.editColumn(id, 'name')),
    gr_col_settings: columnItem(grid, 'Column settings…', (id) => on.editColumn(id, 'type')),
    gr_number_format: {
      name: 'Number format…',
      // Number columns and formula columns whose results are numbers.
      disabled() { return !takesNumberFormat(grid.store.column(grid.colIds[activeCol(this)])); },
      callback() { on.editColumn(grid.colIds[activeCol(this)], 'format'); },
    },
    ...wrapMenuItems(grid, on, (hot) => grid.colIds[activeCol(hot)]),
    gr_freeze: {
      name() { return freezeLabel(activeCol(this) + 1); },
      disabled() { return !grid.colIds.length || activeCol(this) >= MAX_FROZEN_COLUMNS; },
      callback() { on.freezeColumns(activeCol(this) + 1); },
    },
    gr_unfreeze: {
      name: 'Unfreeze columns',
      hidden() { return !grid.store.frozenColumns; },
      callback() { on.freezeColumns(0); },
    },
    ...sheetSortItems(grid, on),
    // This tab's own sort and filter (viewstate.js), for viewers too.
    ...viewMenuItems(grid, on),
  };
}

/** "Then sort": shown once this tab's view is sorted, off at five keys (as the server allows). */
function thenItem(grid, on, name, dir) {
  return {
    name,
    hidden() { return !on.sortKeys(); },
    disabled() { return !grid.colIds.length || on.sortKeys() >= 5; },
    callback() { on.thenSortColumn(grid.colIds[activeCol(this)], dir); },
  };
}

/** Editors' items that reorder the rows for everyone (an op, undone with Ctrl+Z). */
function sheetSortItems(grid, on) {
  return {
    gr_sheet_sort_asc: columnItem(grid, 'Sort sheet A → Z (for everyone)', (id) => on.sortSheet(id, false)),
    gr_sheet_sort_desc: columnItem(grid, 'Sort sheet Z → A (for everyone)', (id) => on.sortSheet(id, true)),
  };
}

/** The items that change only what this tab shows: its own sort and filter (viewbar.js). */
export function viewMenuItems(grid, on) {
  return {
    gr_sort_asc: columnItem(grid, 'Sort A → Z', (id) => on.sortColumn(id, 'asc')),
    gr_sort_desc: columnItem(grid, 'Sort Z → A', (id) => on.sortColumn(id, 'desc')),
    // Once sorted: one more key, after those there are (viewstate.js, at most five).
    gr_then_asc: thenItem(grid, on, 'Then sort A → Z', 'asc'),
    gr_then_desc: thenItem(grid, on, 'Then sort Z → A', 'desc'),
    gr_filter: columnItem(grid, 'Filter…', (id) => on.filterColumn(id)),
    gr_hide_col: columnItem(grid, 'Hide column (this view)', (id) => on.hideColumn(id)),
    // The view's column order (columnorder.js), saved to the shared view the tab is on as the rest.
    gr_move_left: moveItem(grid, on, 'Move column left (this view)', -1),
    gr_move_right: moveItem(grid, on, 'Move column right (this view)', 1),
  };
}

/** Move the active cell's column one shown column left (-1) or right (+1) in this tab's view. */
function moveItem(grid, on, name, step) {
  const hidden = () => (grid.view && grid.view.state ? grid.view.state.hidden : []);
  return {
    name,
    disabled() { return !canMove(grid.colIds, grid.colIds[activeCol(this)], step, hidden()); },
    callback() { on.moveColumn(grid.colIds[activeCol(this)], step); },
  };
}

/**
 * Handsontable's beforePaste: a paste is cut to the columns there are, and
 * rows past the last one become new rows (one insert op with their values)
 * instead of being lost. False: nothing left to paste here.
 */
export function fitPaste(grid, hot, pasted) {
  if (!grid.editable) return false;
  const range = hot.getSelectedRangeActive();
  if (!range) return undefined;
  const start = range.getTopStartCorner();
  const room = grid.colIds.length - start.col;
  for (const cells of pasted) if (cells.length > room) cells.length = Math.max(0, room);
  const fit = grid.rowIds.length - start.row;
  if (pasted.length > fit) {
    const extra = pasted.splice(fit);
    grid.on.appendRows(extra.map((cells) => {
      const values = {};
      cells.forEach((v, i) => {
        const colId = grid.colIds[start.col + i];
        if (v !== '' && v !== null && v !== undefined && !isFormula(grid.store.column(colId))) values[colId] = v;
      });
      return values;
    }));
  }
  return pasted.length ? undefined : false;
}
