// What the user does on the sheet page, from the grid's callbacks and the
// toolbar: each action becomes ops (localops.js), split to fit the server's
// limits (opqueue.js), and is queued (`send`, saving.js) in the order made.
import { splitChanges, splitItems, splitRowValues } from './opqueue.js';
import { bindUndoButtons } from './undokeys.js';
import { readTyped } from './typedinput.js';
import { looksLikeFormula } from './columninfo.js';

const lastId = (list) => (list.length ? list[list.length - 1].id : null);

/**
 * The grid's `on` callbacks (grid.js). `grid()` gives the grid adapter once it
 * exists (it is made with these callbacks); `dialog` is the column dialog;
 * `presence` the presence view; `onRendered()` runs after each repaint;
 * `prefs()` how the user writes numbers and dates (typedinput.js `inputPrefs`);
 * `onFormulaTyped()`: "=…" was typed into a plain cell (formulahint.js).
 */
export function userActions({ store, pending, local, send, limits, grid, dialog, presence, windows = null, views = null, onRendered, prefs, onFormulaTyped = () => {} }) {
  // Typed, pasted or filled: numbers and dates as the user writes them become what the server reads.
  const read = (colId, value) => readTyped(store.columns[store.colIndexOf(colId)]?.type, value, prefs());
  return {
    editCells(changes) {
      if (changes.some((c) => looksLikeFormula(store.column(c.col), c.value))) onFormulaTyped();
      const typed = changes.map((c) => ({ ...c, value: read(c.col, c.value) }));
      for (const chunk of splitChanges(typed, limits)) send(local.editCells(chunk));
    },
    appendRows(valuesList) {
      const typed = valuesList.map((values) => Object.fromEntries(Object.entries(values).map(([col, v]) => [col, read(col, v)])));
      for (const chunk of splitRowValues(typed, limits)) send(local.insertRows(lastId(store.rows), chunk));
    },
    /** Refused values of these cells ([rowId, colId]) go back to the committed ones. */
    discardRefused(cells) { pending.discardRefused(cells); },
    insertRow(after) {
      const op = local.insertRows(after, [{}]);
      if (op) { grid().focusRow(op.body.rows[0].id); send(op); }
    },
    /** Add row: after the sheet's last row (on a big sheet, once its block is held). */
    appendRow() {
      const add = () => { if (grid().canEdit()) this.insertRow(lastId(store.rows)); };
      if (windows && store.tail) windows.loadEnd().then(add);
      else add();
    },
    /** The grid shows these rows: a big sheet's rows around them are fetched (windows.js). */
    viewRows(first, last) {
      if (views && views.rows.shown) views.rows.show(first, last); // the view's rows (viewrows.js)
      else if (windows) windows.show(first, last);
    },
    /** This tab's own sort and filter (`views`: {rows, sortColumn, filterColumn}, viewbar.js). */
    sortColumn(colId, dir) { if (views && colId) views.sortColumn(colId, dir); },
    thenSortColumn(colId, dir) { if (views && colId) views.thenSortColumn(colId, dir); },
    sortKeys() { return views ? views.sortKeys() : 0; },
    hideColumn(colId) { if (views && colId) views.hideColumn(colId); },
    moveColumn(colId, step) { if (views && colId) views.moveColumn(colId, step); },
    filterColumn(colId) { if (views && colId) views.filterColumn(colId); },
    /** Sort the sheet's rows for everyone by one column (an undoable op). */
    sortSheet(colId, descending) { if (colId && grid().canEdit()) send(local.sortSheet([{ column: colId, descending }])); },
    deleteRows(ids) {
      for (const chunk of splitItems(ids.filter(Boolean), limits)) send(local.deleteRows(chunk));
    },
    // Its name and type are asked first (dialog.js).
    insertColumn(after) { dialog.openNew(after); },
    deleteColumns(ids) { send(local.deleteColumns(ids.filter(Boolean))); },
    editColumn(id, focus) { if (id) dialog.open(id, focus); },
    /** A header's border was dragged: the width for everyone. Resolves with the answer. */
    freezeColumns(count) { if (grid().canEdit()) send(local.freezeColumns(count)); },
    wrapColumn(id, wrap) { if (id && grid().canEdit()) send(local.updateColumn(id, { wrap })); },
    resizeColumn(id, width) { return grid().canEdit() ? send(local.updateColumn(id, { width })) : Promise.resolve(null); },
    // After every change already queued (the queue keeps the order), like any op.
    undo() { if (grid().canEdit()) send(local.undo()); },
    redo() { if (grid().canEdit()) send(local.redo()); },
    revert(seq) { return grid().canEdit() ? send(local.revert(seq)) : Promise.resolve(null); },
    rendered() { onRendered(); },
    selected(ranges) { presence.selected(ranges); },
  };
}

/** The toolbar's Add row, Add column, Undo and Redo buttons; returns them (access.js disables them). */
export function bindToolbar({ store, on, grid, doc = globalThis.document }) {
  const addRow = doc.getElementById('add-row');
  const addColumn = doc.getElementById('add-column');
  const undoButton = doc.getElementById('undo');
  const redoButton = doc.getElementById('redo');
  bindUndoButtons({ undoButton, redoButton, undo: on.undo, redo: on.redo });
  addRow.addEventListener('click', () => { if (grid().canEdit()) on.appendRow(); });
  addColumn.addEventListener('click', () => { if (grid().canEdit()) on.insertColumn(lastId(store.columns)); });
  return [addRow, addColumn, undoButton, redoButton];
}
