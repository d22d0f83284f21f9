// Handsontable bound to a SheetState. The grid shows a copy of the state
// (arrays of display values) and turns user actions into callbacks; it never
// writes the state itself.
import Handsontable from 'handsontable/base';
import { registerCellType, TextCellType, NumericCellType, CheckboxCellType } from 'handsontable/cellTypes';
import { registerPlugin, AutoColumnSize, ContextMenu, CopyPaste, Autofill } from 'handsontable/plugins';
import { textRenderer, numericRenderer, checkboxRenderer } from 'handsontable/renderers';
import { SelectionIndex, selectionToRanges } from './presence.js';
import { bindUndoKeys, undoShortcuts } from './undokeys.js';

registerCellType(TextCellType);
registerCellType(NumericCellType);
registerCellType(CheckboxCellType);
registerPlugin(AutoColumnSize); // the context menu needs it; it is switched off below
registerPlugin(ContextMenu);
registerPlugin(CopyPaste);
registerPlugin(Autofill); // no UndoRedo: undo and redo go through the server (undokeys.js)

// Sources of grid changes that are not user edits (remote values are written
// into the data array directly, so they fire no change at all).
const NOT_EDITS = new Set(['loadData', 'updateData', 'updateSettings']);
const COL_WIDTH = 160;
const ROW_HEIGHT = 29;
const SEPARATOR = { name: '---------' };

const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** Handsontable writes headers and menu labels as HTML: make every one plain text. */
function sanitizer(content, context) {
  // Pasted HTML is parsed by DOMParser (inert); everything else is shown as text.
  if (typeof context === 'string' && context.startsWith('CopyPaste.')) return content;
  return escapeHtml(content);
}

export function createGridView({ container, state, canEdit: initialCanEdit, licenseKey, on }) {
  let canEdit = !!initialCanEdit;
  let rowIds = []; // what the grid shows, by visual row
  let colIds = [];
  let rowPos = new Map();
  let colPos = new Map();
  let data = [];
  let rebuildWanted = true;
  let dirtyCells = [];
  let timer = null;
  let focusRowId = null;
  let marks = []; // other people's selections (presence.js marks())
  let outlines = null; // their SelectionIndex against the rows and columns shown; null: to be made
  let paintTimer = null;

  function decorate(TD, row, col) {
    const info = state.cellInfo(rowIds[row], colIds[col]);
    TD.classList.toggle('cell-pending', !!(info && info.pending));
    TD.classList.toggle('cell-error', !!(info && info.error));
    TD.classList.toggle('cell-conflict', !!(info && info.conflict)); // another user's value replaced this tab's
    if (!outlines) outlines = new SelectionIndex(marks, rowPos, colPos);
    const seen = outlines.at(row, col);
    TD.classList.toggle('cell-selected-by', !!seen);
    const names = seen ? seen.names.join(', ') : '';
    if (seen) {
      TD.dataset.selectedBy = names;
      TD.dataset.selectedColour = seen.colour;
      TD.style.setProperty('--selected-by-shadow', seen.shadow);
    } else if (TD.dataset.selectedBy !== undefined) {
      delete TD.dataset.selectedBy;
      delete TD.dataset.selectedColour;
      TD.style.removeProperty('--selected-by-shadow');
    }
    const conflict = info && info.conflict ? `Changed by ${info.conflict} just after your edit` : '';
    const title = [info && info.error, conflict, names].filter(Boolean).join('\n');
    if (title) TD.title = title;
    else TD.removeAttribute('title');
  }

  function textCell(hot, TD, row, col, prop, value, props) {
    textRenderer(hot, TD, row, col, prop, value, props);
    decorate(TD, row, col);
  }

  function numberCell(hot, TD, row, col, prop, value, props) {
    numericRenderer(hot, TD, row, col, prop, value, props);
    decorate(TD, row, col);
  }

  function checkboxCell(hot, TD, row, col, prop, value, props) {
    checkboxRenderer(hot, TD, row, col, prop, value, props);
    decorate(TD, row, col);
  }

  function columnSettings(col, index) {
    const common = { data: index, readOnly: !canEdit, validator: null };
    switch (col.type) {
      // What was typed is sent as typed: the server validates and answers the committed value.
      case 'number': return { ...common, type: 'numeric', renderer: numberCell, valueSetter: null, locale: 'en-US' };
      case 'checkbox': return { ...common, type: 'checkbox', renderer: checkboxCell };
      case 'date': return { ...common, type: 'text', renderer: textCell, className: 'cell-date' };
      default: return { ...common, type: 'text', renderer: textCell };
    }
  }

  const selectedRows = (hot) => {
    const rows = new Set();
    for (const range of hot.getSelectedRange() || []) {
      const from = Math.max(0, Math.min(range.from.row, range.to.row));
      const to = Math.max(range.from.row, range.to.row);
      for (let r = from; r <= to && r < rowIds.length; r += 1) rows.add(r);
    }
    return [...rows].sort((a, b) => a - b);
  };

  const selectedCols = (hot) => {
    const cols = new Set();
    for (const range of hot.getSelectedRange() || []) {
      const from = Math.max(0, Math.min(range.from.col, range.to.col));
      const to = Math.max(range.from.col, range.to.col);
      for (let c = from; c <= to && c < colIds.length; c += 1) cols.add(c);
    }
    return [...cols].sort((a, b) => a - b);
  };

  const activeCell = (hot) => {
    const range = hot.getSelectedRangeActive();
    return range ? range.highlight : null;
  };

  const keys = undoShortcuts();
  const menuItems = {
    gr_undo: { name: `Undo (${keys.undo})`, callback() { on.undo(); } },
    gr_redo: { name: `Redo (${keys.redo})`, callback() { on.redo(); } },
    sep0: SEPARATOR,
    gr_row_above: {
      name: 'Insert row above',
      callback() { const r = selectedRows(this)[0] ?? 0; on.insertRow(r > 0 ? rowIds[r - 1] : null); },
    },
    gr_row_below: {
      name: 'Insert row below',
      callback() { const rows = selectedRows(this); on.insertRow(rowIds[rows[rows.length - 1]] ?? rowIds[rowIds.length - 1] ?? null); },
    },
    gr_remove_row: {
      name: 'Remove row',
      // A whole column is selected: "remove row" would remove every row.
      disabled() { return !rowIds.length || !!this.selection?.isSelectedByColumnHeader?.(); },
      callback() { on.deleteRows(selectedRows(this).map((r) => rowIds[r])); },
    },
    sep1: SEPARATOR,
    gr_col_left: {
      name: 'Insert column left',
      callback() { const c = selectedCols(this)[0] ?? 0; on.insertColumn(c > 0 ? colIds[c - 1] : null); },
    },
    gr_col_right: {
      name: 'Insert column right',
      callback() { const cols = selectedCols(this); on.insertColumn(colIds[cols[cols.length - 1]] ?? colIds[colIds.length - 1] ?? null); },
    },
    gr_remove_col: {
      name: 'Remove column',
      disabled() { return !colIds.length || !!this.selection?.isSelectedByRowHeader?.(); },
      callback() { on.deleteColumns(selectedCols(this).map((c) => colIds[c])); },
    },
    sep2: SEPARATOR,
    gr_rename_col: {
      name: 'Rename column…',
      disabled() { return !colIds.length; },
      callback() { const cell = activeCell(this); on.editColumn(colIds[cell ? Math.max(0, cell.col) : 0], 'name'); },
    },
    gr_col_settings: {
      name: 'Column settings…',
      disabled() { return !colIds.length; },
      callback() { const cell = activeCell(this); on.editColumn(colIds[cell ? Math.max(0, cell.col) : 0], 'type'); },
    },
  };

  function editSettings() {
    return {
      readOnly: !canEdit,
      contextMenu: canEdit ? { items: menuItems } : false,
      fillHandle: canEdit ? { autoInsertRow: false } : false,
    };
  }

  const hot = new Handsontable(container, {
    licenseKey,
    themeName: 'ht-theme-main',
    data: [],
    columns: [],
    colHeaders: [],
    rowHeaders: true,
    width: '100%',
    height: '100%',
    autoRowSize: false,
    autoColumnSize: false,
    colWidths: COL_WIDTH,
    rowHeights: ROW_HEIGHT,
    rowHeaderWidth: 64,
    wordWrap: false, // every row keeps the fixed height: virtual scrolling stays cheap
    ...editSettings(),
    allowInsertRow: false,
    allowInsertColumn: false,
    allowRemoveRow: false,
    allowRemoveColumn: false,
    outsideClickDeselects: false,
    sanitizer,
    beforeChange(changes, source) {
      // Read-only covers typing, paste and autofill; anything that slips past it stops here.
      if (!canEdit && !NOT_EDITS.has(source)) return false;
      return undefined;
    },
    afterSelectionEnd() { if (on.selected) on.selected(currentSelection()); },
    afterDeselect() { if (on.selected) on.selected(null); },
    afterChange(changes, source) {
      if (!changes || NOT_EDITS.has(source)) return;
      const out = [];
      for (const [row, prop, before, after] of changes) {
        if (before === after) continue;
        const rowId = rowIds[row];
        const colId = colIds[prop];
        if (rowId && colId) out.push({ row: rowId, col: colId, value: after === undefined ? null : after });
      }
      if (out.length) on.editCells(out);
    },
    beforePaste(pasted) {
      if (!canEdit) return false;
      const range = this.getSelectedRangeActive();
      if (!range) return undefined;
      const start = range.getTopStartCorner();
      const room = colIds.length - start.col;
      for (const cells of pasted) if (cells.length > room) cells.length = Math.max(0, room);
      const fit = rowIds.length - start.row;
      if (pasted.length > fit) {
        // Rows past the last one become new rows (one insert op with values) instead of being lost.
        const extra = pasted.splice(fit);
        on.appendRows(extra.map((cells) => {
          const values = {};
          cells.forEach((v, i) => { if (v !== '' && v !== null && v !== undefined) values[colIds[start.col + i]] = v; });
          return values;
        }));
      }
      return pasted.length ? undefined : false;
    },
  });

  bindUndoKeys(hot, { undo: () => on.undo(), redo: () => on.redo(), enabled: () => canEdit, editorOpen });

  container.addEventListener('dblclick', (event) => {
    if (!canEdit) return;
    const th = event.target.closest && event.target.closest('thead th');
    if (!th || !container.contains(th)) return;
    const coords = hot.getCoords(th);
    if (coords && coords.col >= 0 && colIds[coords.col]) on.editColumn(colIds[coords.col], 'name');
  });

  /** This tab's selection as row/column ids (null: none). */
  function currentSelection() {
    const selected = hot.getSelected();
    if (!selected) return null;
    return selectionToRanges(selected.map(([r1, c1, r2, c2]) => ({ r1, c1, r2, c2 })), rowIds, colIds);
  }

  /** The selection by ids (null if none, or a header is part of it). */
  function selectionByIds() {
    const selected = hot.getSelected();
    if (!selected || selected.some((coords) => coords.some((i) => i < 0))) return null;
    return selected.map(([r1, c1, r2, c2]) => [rowIds[r1], colIds[c1], rowIds[r2], colIds[c2]]);
  }

  /** Select those ids where they are now, if all still exist and something moved. */
  function reselect(byIds) {
    const before = hot.getSelected();
    const now = [];
    for (const [r1, c1, r2, c2] of byIds) {
      const coords = [rowPos.get(r1), colPos.get(c1), rowPos.get(r2), colPos.get(c2)];
      if (coords.some((i) => i === undefined)) return;
      now.push(coords);
    }
    if (before && JSON.stringify(before) === JSON.stringify(now)) return;
    hot.selectCells(now, false);
  }

  function rebuild() {
    // Rows or columns that came or went above or left of the selection do not move it to other cells.
    const keep = focusRowId ? null : selectionByIds();
    colIds = state.columns.map((c) => c.id);
    rowIds = state.rows.map((r) => r.id);
    colPos = new Map(colIds.map((id, i) => [id, i]));
    rowPos = new Map(rowIds.map((id, i) => [id, i]));
    outlines = null;
    const cols = state.columns;
    data = state.rows.map((row) => cols.map((c) => state.valueOf(row, c.id)));
    hot.updateSettings({
      data,
      columns: cols.map(columnSettings),
      colHeaders: cols.map((c) => c.name),
    });
    if (focusRowId && rowPos.has(focusRowId)) {
      hot.selectCell(rowPos.get(focusRowId), 0);
      focusRowId = null;
    } else if (keep) {
      reselect(keep);
    }
    // Tell the others what the selection covers now (unchanged ids are not sent again).
    if (on.selected) on.selected(currentSelection());
  }

  function editorOpen() {
    const editor = hot.getActiveEditor();
    return !!(editor && editor.isOpened && editor.isOpened());
  }

  function flush() {
    timer = null;
    if (editorOpen()) { schedule(150); return; } // remote updates wait until the editor closes
    if (rebuildWanted) {
      rebuildWanted = false;
      dirtyCells = [];
      rebuild();
    } else {
      for (const [rowId, colId] of dirtyCells) {
        const r = rowPos.get(rowId);
        const c = colPos.get(colId);
        const row = state.row(rowId);
        if (r !== undefined && c !== undefined && row) data[r][c] = state.valueOf(row, colId);
      }
      dirtyCells = [];
      hot.render();
    }
    if (on.rendered) on.rendered();
  }

  function schedule(ms = 10) {
    if (!timer) timer = setTimeout(flush, ms);
  }

  /** Repaint the cells only (other people's outlines), at most once a frame. */
  function paint() {
    paintTimer = null;
    if (!timer) hot.render(); // a flush is due anyway: it renders
  }

  function setCanEdit(flag) {
    flag = !!flag;
    if (flag === canEdit) return;
    canEdit = flag;
    if (!canEdit) {
      const editor = hot.getActiveEditor();
      if (editor && editor.isOpened()) editor.cancelChanges();
    }
    hot.updateSettings(editSettings()); // a context menu that is open closes with its plugin
    // Every column carries readOnly too: rebuild them now.
    clearTimeout(timer);
    timer = null;
    rebuildWanted = true;
    flush();
  }

  state.subscribe((change) => {
    if (change.structure) rebuildWanted = true;
    else if (change.cells.length) for (const cell of change.cells) dirtyCells.push(cell);
    else return;
    if (dirtyCells.length > 20000) { rebuildWanted = true; dirtyCells = []; }
    schedule();
  });

  return {
    hot,
    /** Select the first cell of this row once it shows (after "Add row"). */
    focusRow(rowId) { focusRowId = rowId; },
    /** A re-render is due shortly (and not held back by an open editor). */
    rendering: () => !!timer && !editorOpen(),
    /** Other people's selections changed (presence.js marks()). */
    setMarks(next) {
      marks = next;
      outlines = null;
      if (!paintTimer) paintTimer = setTimeout(paint, 16);
    },
    /** The user's role changed: read-only or editable, without a reload. */
    setCanEdit,
    canEdit: () => canEdit,
    /** This tab's selection as ids, for presence.select. */
    selection: currentSelection,
  };
}
