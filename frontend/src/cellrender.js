// How the grid draws a cell: Handsontable's renderer for the column's type,
// then the marks of this tab's state (pending, refused, conflict, other
// people's selections) and of a formula cell's error, with the reasons in the
// cell's title (hover, and the screen reader's description), after the cell's
// whole text when its column shows only part of it. A number is drawn in its
// column's number format (numberformat.js), in the browser's language; the
// data, and so the cell editor, keep the stored value. Each column's
// settings: a formula column is read-only for everyone.
import { wrapSettings } from './columnwrap.js';
import { textRenderer, numericRenderer, checkboxRenderer } from 'handsontable/renderers';
import { SelectionIndex } from './presence.js';
import { cellError, isFormula } from './columninfo.js';
import { DatePickEditor } from './dateeditor.js';
import { formatNumber, takesNumberFormat } from './numberformat.js';

const language = () => globalThis.navigator?.language;

/** The text of cell (row, col) in its column's number format, or `value` as given without one. */
function shownNumber(grid, row, col, value) {
  const column = grid.store.column(grid.colIds[col]);
  if (!takesNumberFormat(column) || !column.numberFormat) return value;
  // `value` may be text already: Handsontable's numeric type formats before the renderer.
  // The grid's own array holds what it gave Handsontable (grid rows are its rows: no HT sorting).
  const stored = grid.data[row]?.[col];
  return typeof stored === 'number' ? formatNumber(stored, column.numberFormat, language()) : value;
}

/** The renderers of a grid adapter (grid.js), each drawing then decorating the cell. */
export function makeRenderers(grid) {
  const wrap = (base) => (hot, TD, row, col, prop, value, props) => {
    base(hot, TD, row, col, prop, value, props);
    decorate(grid, TD, row, col, value);
  };
  const number = (hot, TD, row, col, prop, value, props) => {
    numericRenderer(hot, TD, row, col, prop, shownNumber(grid, row, col, value), props);
    decorate(grid, TD, row, col, value);
  };
  // A formula column shows its result type; an error (its code, a string) as text.
  const formula = (hot, TD, row, col, prop, value, props) => {
    const type = grid.store.column(grid.colIds[col])?.resultType;
    // An error is shown as invalid by Handsontable itself: its class below, and aria-invalid.
    props.valid = !formulaErrorAt(grid, row, col);
    let base = textRenderer;
    if (type === 'number' && typeof value === 'number') {
      base = numericRenderer;
      value = shownNumber(grid, row, col, value);
    } else if (type === 'checkbox' && typeof value === 'boolean') base = checkboxRenderer;
    base(hot, TD, row, col, prop, value, props);
    decorate(grid, TD, row, col, value);
  };
  return { text: wrap(textRenderer), number, checkbox: wrap(checkboxRenderer), formula };
}

/** Handsontable's settings of one column (`index`: its data index). */
export function columnSettings(grid, col, index) {
  const common = { data: index, readOnly: !grid.editable, validator: null, ...wrapSettings(col) };
  const r = grid.renderers;
  switch (col.type) {
    // What was typed is sent as typed: the server validates and answers the committed value.
    case 'number': return { ...common, type: 'numeric', renderer: r.number, valueSetter: null, locale: 'en-US' };
    case 'checkbox': return { ...common, type: 'checkbox', renderer: r.checkbox };
    case 'date': return { ...common, type: 'text', editor: DatePickEditor, renderer: r.text, className: 'cell-date' };
    // Computed by the server: nobody types into it (the server would refuse it anyway).
    case 'formula': return { ...common, readOnly: true, type: 'text', renderer: r.formula, className: 'cell-formula', invalidCellClassName: 'cell-formula-error' };
    default: return { ...common, type: 'text', renderer: r.text };
  }
}

function formulaErrorAt(grid, row, col) {
  const colId = grid.colIds[col];
  if (!isFormula(grid.store.column(colId))) return null;
  const record = grid.source().row(grid.rowIds[row]); // a view row the store does not hold too
  return record ? cellError(record.values[colId]) : null;
}

// About how wide a character of the grid's font is: longer text than its column shows goes in the title.
const CHAR_PX = 7;
const CELL_PADDING_PX = 12;

/** A text too long for its cell, or of several lines, shown whole on hover (null: it fits). */
export function fullText(value, columnWidth) {
  if (typeof value !== 'string') return null;
  return value.includes('\n') || value.length * CHAR_PX > columnWidth - CELL_PADDING_PX ? value : null;
}

function decorate(grid, TD, row, col, value) {
  const waiting = grid.rowIds[row] === undefined; // a big sheet's row whose block is on its way
  TD.classList.toggle('cell-loading', waiting);
  if (waiting) TD.setAttribute('aria-busy', 'true');
  else TD.removeAttribute('aria-busy');
  const info = grid.pending.cellInfo(grid.rowIds[row], grid.colIds[col]);
  TD.classList.toggle('cell-pending', !!(info && info.pending));
  TD.classList.toggle('cell-error', !!(info && info.error));
  TD.classList.toggle('cell-refused', !!(info && info.refused)); // what was typed, kept in sight
  TD.classList.toggle('cell-conflict', !!(info && info.conflict)); // another user's value replaced this tab's
  const formulaError = formulaErrorAt(grid, row, col); // marked by the formula renderer
  if (!grid.outlines) grid.outlines = new SelectionIndex(grid.marks, grid.rowPos, grid.colPos);
  const seen = grid.outlines.at(row, col);
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
  const refused = info && info.refused ? 'Not saved. Enter to correct it, Escape to discard it.' : '';
  const failed = formulaError ? [formulaError.code, formulaError.message].filter(Boolean).join(': ') : '';
  const full = fullText(value, grid.widths.width(col));
  const title = [full, failed, info && info.error, refused, conflict, names].filter(Boolean).join('\n');
  if (title) TD.title = title;
  else TD.removeAttribute('title');
}
