// The grid adapter: Handsontable showing the committed store (committed.js)
// with the pending edits (pending.js) over it. The grid shows a copy (arrays
// of display values) and turns user actions into callbacks (`on`); it never
// writes the store or the pending edits itself.
import Handsontable from 'handsontable/base';
import { registerCellType, TextCellType, NumericCellType, CheckboxCellType } from 'handsontable/cellTypes';
import { registerPlugin, AutoColumnSize, ContextMenu, CopyPaste, Autofill, ManualColumnResize, StretchColumns } from 'handsontable/plugins';
import { selectionToRanges } from './presence.js';
import { bindUndoKeys } from './undokeys.js';
import { fitPaste, menuItems, selectedCells, viewMenuItems } from './gridmenu.js';
import { nameGridParts } from './gridaria.js';
import { makeRenderers, columnSettings } from './cellrender.js';
import { decorateHeader, headerDoubleClick } from './columnheader.js';
import { orderStale, shownColumns } from './columnorder.js';
import { ColumnWidths } from './columnwidths.js';
import { GridFooter } from './footer.js';
import { isFormula, shownValue } from './columninfo.js';
import { columnsKey, gridRows } from './gridrows.js';
import { keepTopRow, reselect, selectionByIds, topRowShown } from './gridplace.js';
import { sanitizer } from './gridsanitize.js';

registerCellType(TextCellType);
registerCellType(NumericCellType);
registerCellType(CheckboxCellType);
registerPlugin(AutoColumnSize); // the context menu needs it; it is switched off below
registerPlugin(ContextMenu);
registerPlugin(CopyPaste);
registerPlugin(Autofill); // no UndoRedo: undo and redo go through the server (undokeys.js)
registerPlugin(StretchColumns); // stretchH
registerPlugin(ManualColumnResize); // editors drag a header's border (columnwidths.js)

// Sources of grid changes that are not user edits (remote values are written
// into the data array directly, so they fire no change at all).
const NOT_EDITS = new Set(['loadData', 'updateData', 'updateSettings']);
const ROW_HEIGHT = 29;
const ROW_HEADER_WIDTH = 64;
const CELLS_PAINTED_ONE_BY_ONE = 50; // more changed cells in one frame: one render of the viewport
const EDITOR_WAIT_MS = 150; // remote updates held while the editor is open: looked at again after this
const HIDDEN_FLUSH_MS = 100; // no animation frame this long (a hidden tab): a timer flushes

export class GridAdapter {
  /** `footer`: {wrap, label, list} of the totals row (footer.js); `view`: this tab's sort and filter (viewrows.js). */
  constructor({ container, store, pending, canEdit, licenseKey, on, footer = null, view = null }) {
    Object.assign(this, { container, store, pending, on, view });
    this.editable = !!canEdit;
    this.rowIds = []; // what the grid shows, by visual row
    this.colIds = [];
    this.rowPos = new Map();
    this.colPos = new Map();
    this.data = [];
    this.colsKey = null; // what the columns were set up from (gridrows.js columnsKey)
    this.rebuildWanted = true;
    this.dirtyCells = [];
    this.timer = null; // the fallback timer of a scheduled flush (a hidden tab, an open editor)
    this.frame = null; // the animation frame of a scheduled flush
    this.focusRowId = null;
    this.focusColId = null;
    this.marks = []; // other people's selections (presence.js marks())
    this.outlines = null; // their SelectionIndex against the rows and columns shown; null: to be made
    this.paintTimer = null;
    this.marksChanged = false; // outlines to redraw: the next paint renders the whole viewport
    this.menu = menuItems(this, on);
    this.viewMenu = viewMenuItems(this, on); // a viewer's menu: sort and filter this tab only
    this.renderers = makeRenderers(this);
    this.footer = footer ? new GridFooter({ ...footer, grid: this }) : null;
    this.totalsWanted = false;
    this.widths = new ColumnWidths({ grid: this, resize: (id, width) => on.resizeColumn(id, width) });
    // Handsontable is made once the first snapshot is in, with its rows and columns: made
    // empty and then given them, it lays the page out twice while the sheet opens.
    this.hot = null;
    this.licenseKey = licenseKey;
    this.destroyed = false;
    container.addEventListener('dblclick', (event) => headerDoubleClick(this, event));
    this.unsubscribe = store.subscribe((change) => this._changed(change));
    if (view) view.subscribe((change) => this._changed(change));
  }

  /** What the grid shows: the view's rows while one is shown, else the store's (both read alike). */
  source() { return this.view && this.view.shown ? this.view : this.store; }

  _build(settings) {
    const { on, container } = this;
    this.hot = new Handsontable(container, { ...this._hotSettings(this.licenseKey), ...settings });
    bindUndoKeys(this.hot, { undo: () => on.undo(), redo: () => on.redo(), enabled: () => this.editable, editorOpen: () => this.editorOpen() });
    // Escape on a selected refused value (no editor open: there Escape cancels the typing) discards it,
    // for a viewer too (a role taken away while typing): it only changes what this tab shows.
    this.hot.getShortcutManager().getContext('grid').addShortcut({
      keys: [['Escape']],
      group: 'gridroom-refused',
      runOnlyIf: () => !this.editorOpen() && this.refusedIn().length > 0,
      callback: () => { on.discardRefused(this.refusedIn()); },
    });
    nameGridParts(this.hot, { container, columnName: (col) => this.store.column(this.colIds[col])?.name });
  }

  /** The sheet is gone for this user: Handsontable and every cell it drew leave the page. */
  destroy() {
    if (this.destroyed) return;
    this.destroyed = true;
    this.unsubscribe();
    this._unschedule();
    clearTimeout(this.paintTimer);
    this.paintTimer = null;
    if (this.hot) {
      if (this.editorOpen()) this.hot.getActiveEditor().cancelChanges();
      this.hot.destroy();
      this.hot = null;
    }
    this.data = [];
    this.rowIds = [];
    this.colIds = [];
    this.rowPos = new Map();
    this.colPos = new Map();
    this.container.replaceChildren();
    if (this.footer && this.footer.wrap) this.footer.wrap.hidden = true;
  }

  _editSettings() {
    return {
      readOnly: !this.editable,
      contextMenu: { items: this.editable ? this.menu : this.viewMenu },
      fillHandle: this.editable ? { autoInsertRow: false } : false,
      manualColumnResize: this.editable,
    };
  }

  _hotSettings(licenseKey) {
    const grid = this;
    return {
      licenseKey,
      themeName: 'ht-theme-main',
      data: [],
      columns: [],
      colHeaders: [],
      rowHeaders: true,
      width: '100%',
      height: '100%',
      stretchH: 'all', // a few columns share the page's width; many keep their widths and scroll
      autoRowSize: false,
      autoColumnSize: false,
      ...this.widths.settings(), // each column's width, for everyone (columnwidths.js)
      rowHeights: ROW_HEIGHT,
      rowHeaderWidth: ROW_HEADER_WIDTH,
      wordWrap: false, // every row keeps the fixed height: virtual scrolling stays cheap
      ariaTags: true, // grid, row and cell roles with their indexes (the default, relied on)
      ...this._editSettings(),
      allowInsertRow: false,
      allowInsertColumn: false,
      allowRemoveRow: false,
      allowRemoveColumn: false,
      outsideClickDeselects: false,
      sanitizer,
      // Read-only covers typing, paste and autofill; anything that slips past it stops here.
      beforeChange: (changes, source) => this._beforeChange(changes, source),
      // A row not known (yet) opens no editor: what was typed there could not be kept.
      beforeBeginEditing: (row) => this.pending.rows.has(this.rowIds[row]),
      afterGetColHeader: (col, TH) => decorateHeader(this, col, TH),
      // A row an edit took out of the view stays, greyed, until the view is refreshed.
      afterRenderer: (TD, row) => TD.classList.toggle('row-outside-view', !!this.view && this.view.failsAt(row)),
      afterRender: () => { if (this.footer) this.footer.layout(); },
      afterScrollHorizontally: () => { if (this.footer) this.footer.scroll(); },
      afterScrollVertically: () => this._viewShown(),
      afterSelectionEnd: () => { if (this.on.selected) this.on.selected(this.selection()); },
      afterDeselect: () => { if (this.on.selected) this.on.selected(null); },
      // An edit is sent before Handsontable renders it (afterChange comes after a full
      // render of the viewport): the data are already set here, the op leaves at once.
      beforeChangeRender: (changes, source) => this._edited(changes, source),
      beforePaste(pasted) { return fitPaste(grid, this, pasted); },
    };
  }

  _beforeChange(changes, source) {
    if (NOT_EDITS.has(source)) return undefined;
    if (!this.editable) return false;
    // A row not known yet (its block is on its way: knownrows.js) takes no edit.
    // A formula column's cells are computed: a change that slipped past readOnly is dropped.
    changes.forEach((change, i) => {
      if (change && (!this.pending.rows.has(this.rowIds[change[0]]) || isFormula(this.store.column(this.colIds[change[1]])))) changes[i] = null;
    });
    return undefined;
  }

  _edited(changes, source) {
    if (!changes || NOT_EDITS.has(source)) return;
    const out = [];
    for (const [row, prop, before, after] of changes) {
      if (before === after) continue;
      const rowId = this.rowIds[row];
      const colId = this.colIds[prop];
      if (rowId && colId) out.push({ row: rowId, col: colId, value: after === undefined ? null : after });
    }
    if (out.length) this.on.editCells(out);
  }

  /** This tab's selection as row/column ids (null: none), for presence.select. */
  selection() {
    const selected = this.hot && this.hot.getSelected();
    if (!selected) return null;
    return selectionToRanges(selected.map(([r1, c1, r2, c2]) => ({ r1, c1, r2, c2 })), this.rowIds, this.colIds);
  }

  _rebuild() {
    const { store, pending } = this;
    const built = !!this.hot;
    // Rows or columns that came or went above or left of the selection do not move it to other cells.
    const keep = !built || this.focusRowId || this.focusColId ? null : selectionByIds(this);
    const [selectedRow] = (built && this.hot.getSelectedLast()) || [0];
    const top = built ? topRowShown(this) : null;
    const cols = shownColumns(this); // the view's column order (columnorder.js): colIds maps every index
    this.colIds = cols.map((c) => c.id);
    this.colPos = new Map(this.colIds.map((id, i) => [id, i]));
    this.outlines = null;
    const shown = gridRows(this.source(), pending, this.data, cols);
    Object.assign(this, { data: shown.data, rowIds: shown.rowIds, rowPos: shown.rowPos });
    const frozen = Math.min(store.frozenColumns || 0, cols.length); // more than there are: all of them
    const colsKey = columnsKey(cols, this.editable, frozen);
    this.widths.invalidate(); // a column.updated may have brought a width
    if (built && shown.reused && colsKey === this.colsKey) {
      this.hot.render(); // the same rows and columns: a block came, or rows moved within them
    } else {
      this.colsKey = colsKey;
      const settings = {
        data: this.data,
        columns: cols.map((c, i) => columnSettings(this, c, i)),
        colHeaders: cols.map((c) => c.name),
      };
      if (!built) this._build({ ...settings, fixedColumnsStart: frozen });
      else {
        this.hot.updateSettings(settings);
        // On its own: with new data, the selection is refreshed before the frozen columns are drawn (and throws).
        if (this.hot.getSettings().fixedColumnsStart !== frozen) this.hot.updateSettings({ fixedColumnsStart: frozen });
      }
    }
    this.totalsWanted = true;
    if (this.focusRowId && this.rowPos.has(this.focusRowId)) {
      this.hot.selectCell(this.rowPos.get(this.focusRowId), 0);
      this.focusRowId = null;
    } else if (this.focusColId && this.colPos.has(this.focusColId)) {
      this.hot.selectCell(Math.max(0, Math.min(selectedRow, this.rowIds.length - 1)), this.colPos.get(this.focusColId));
      this.focusColId = null;
    } else {
      keepTopRow(this, top);
      if (keep) reselect(this, keep);
    }
    // Tell the others what the selection covers now (unchanged ids are not sent again).
    if (this.on.selected) this.on.selected(this.selection());
  }

  /** The view's column order may have changed (viewbar.js): the columns are set up again if so. */
  orderChanged() { if (this.hot && orderStale(this)) { this.rebuildWanted = true; this._schedule(); } }

  editorOpen() {
    const editor = this.hot && this.hot.getActiveEditor();
    return !!(editor && editor.isOpened && editor.isOpened());
  }

  _flush() {
    this._unschedule();
    if (this.destroyed || (!this.hot && !this.store.loaded)) return; // built when the snapshot is in
    if (!this.hot) this.rebuildWanted = true;
    if (this.editorOpen()) { this._schedule(EDITOR_WAIT_MS); return; } // remote updates wait until the editor closes
    if (this.rebuildWanted) {
      this.rebuildWanted = false;
      this.dirtyCells = [];
      this.marksChanged = false; // the rebuild renders everything
      this._rebuild();
    } else {
      const shown = [];
      for (const [rowId, colId] of this.dirtyCells) {
        const r = this.rowPos.get(rowId);
        const c = this.colPos.get(colId);
        const row = this.source().row(rowId);
        if (r !== undefined && c !== undefined && row) {
          this.data[r][c] = shownValue(this.pending.valueOf(row, colId));
          shown.push([r, c]);
        }
      }
      this.dirtyCells = [];
      this._paintCells(shown);
    }
    if (this.totalsWanted && this.footer) this.footer.render();
    this.totalsWanted = false;
    if (this.on.rendered) this.on.rendered();
    this._viewShown();
  }

  /** Tell which grid rows are drawn (the row windows fetch the rows of a big sheet around them). */
  _viewShown() {
    if (!this.hot || !this.on.viewRows) return;
    const first = this.hot.view.getFirstRenderedVisibleRow();
    const last = this.hot.view.getLastRenderedVisibleRow();
    if (Number.isInteger(first) && Number.isInteger(last)) this.on.viewRows(first, last);
  }

  /**
   * Repaint these cells (visual [row, col]). A few cells are drawn by their own
   * renderer into the <td> Handsontable shows (nothing to do for one scrolled
   * out of view: it is drawn from `data` when it comes in); more than that, or
   * other people's outlines to redraw, is one render of the viewport.
   */
  _paintCells(cells) {
    if (this.marksChanged || cells.length > CELLS_PAINTED_ONE_BY_ONE) {
      this.marksChanged = false;
      this.hot.render();
      return;
    }
    for (const [r, c] of cells) {
      const td = this.hot.getCell(r, c, true);
      if (!td) continue;
      const props = this.hot.getCellMeta(r, c);
      this.hot.getCellRenderer(props)(this.hot, td, r, c, c, this.data[r][c], props);
    }
  }

  /**
   * A flush in the next animation frame (remote events of one frame are drawn
   * together). A hidden tab gets no animation frames: a timer does it there,
   * and `ms` (an open editor) waits on a timer alone.
   */
  _schedule(ms = 0) {
    if (this.timer || this.frame) return;
    const doc = this.container.ownerDocument;
    if (!ms && !doc.hidden && typeof requestAnimationFrame === 'function') {
      this.frame = requestAnimationFrame(() => this._flush());
      ms = HIDDEN_FLUSH_MS; // the tab may be hidden before the frame comes
    }
    this.timer = setTimeout(() => this._flush(), ms);
  }

  _unschedule() {
    if (this.frame) cancelAnimationFrame(this.frame);
    clearTimeout(this.timer);
    this.frame = null;
    this.timer = null;
  }

  _changed(change) {
    if (change.totals) this.totalsWanted = true;
    if (change.structure) this.rebuildWanted = true;
    else if (change.cells.length) for (const cell of change.cells) this.dirtyCells.push(cell);
    else if (!change.totals) return;
    if (this.dirtyCells.length > 20000) { this.rebuildWanted = true; this.dirtyCells = []; }
    this._schedule();
  }

  /** Select the first cell of this row once it shows (after "Add row"). */
  focusRow(rowId) { this.focusRowId = rowId; }

  /** Select (and so scroll to) this column in the current row once it is shown. */
  focusColumn(colId) { this.focusColId = colId; }

  /** A re-render is due shortly (and not held back by an open editor). */
  rendering() { return !!this.hot && !!(this.timer || this.frame) && !this.editorOpen(); }

  /** Other people's selections changed (presence.js marks()): repaint the cells, at most once a frame. */
  setMarks(next) {
    this.marks = next;
    this.outlines = null;
    if (!this.hot) return; // drawn when the grid is built
    this.marksChanged = true;
    if (!this.paintTimer) {
      this.paintTimer = setTimeout(() => {
        this.paintTimer = null;
        if (this.timer || this.frame || !this.marksChanged) return; // a flush is due anyway: it renders
        this.marksChanged = false;
        this.hot.render();
      }, 16);
    }
  }

  /** The user's role changed: read-only or editable, without a reload. */
  setCanEdit(flag) {
    flag = !!flag;
    if (flag === this.editable) return;
    this.editable = flag;
    if (!this.hot) return; // built with it
    if (!flag) {
      const editor = this.hot.getActiveEditor();
      if (editor && editor.isOpened()) editor.cancelChanges();
    }
    this.hot.updateSettings(this._editSettings()); // a context menu that is open closes with its plugin
    // Every column carries readOnly too: rebuild them now.
    this._unschedule();
    this.rebuildWanted = true;
    this._flush();
  }

  canEdit() { return this.editable; }

  rowHeaderWidth() { return ROW_HEADER_WIDTH; }

  /** Cells of the selection ([rowId, colId]) that show a refused value. */
  refusedIn(hot = this.hot) {
    const { refused } = this.pending;
    return hot && refused.size ? selectedCells(hot, this, refused.list()) : [];
  }
}
