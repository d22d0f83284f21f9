// The floor of bench/bigsheet.py: Handsontable alone, with the styles, cell
// types, plugins and fixed sizes of the sheet page (frontend/src/grid.js and
// cellrender.js), showing a static JSON file of rows (an array of arrays).
// `?data=<file>&types=text,number,…` name the file and the columns' types.
import Handsontable from 'handsontable/base';
import { registerCellType, TextCellType, NumericCellType, CheckboxCellType } from 'handsontable/cellTypes';
import { registerPlugin, AutoColumnSize, ContextMenu, CopyPaste, Autofill, StretchColumns } from 'handsontable/plugins';
import 'handsontable/styles/handsontable.min.css';
import 'handsontable/styles/ht-theme-main.min.css';

registerCellType(TextCellType);
registerCellType(NumericCellType);
registerCellType(CheckboxCellType);
registerPlugin(AutoColumnSize);
registerPlugin(ContextMenu);
registerPlugin(CopyPaste);
registerPlugin(Autofill);
registerPlugin(StretchColumns);

/** A column as cellrender.js `columnSettings` makes it (without Gridroom's marks). */
function column(type, index) {
  const common = { data: index, validator: null };
  switch (type) {
    case 'number': return { ...common, type: 'numeric', valueSetter: null, locale: 'en-US' };
    case 'checkbox': return { ...common, type: 'checkbox' };
    case 'date': return { ...common, type: 'text', className: 'cell-date' };
    default: return { ...common, type: 'text' };
  }
}

async function start() {
  const params = new URLSearchParams(location.search);
  for (const side of ['left', 'top', 'width', 'height']) {
    if (params.has(side)) document.documentElement.style.setProperty(`--grid-${side}`, `${params.get(side)}px`);
  }
  const types = params.get('types').split(',');
  const response = await fetch(params.get('data'));
  const data = await response.json();
  window.hot = new Handsontable(document.getElementById('grid'), {
    licenseKey: 'non-commercial-and-evaluation',
    themeName: 'ht-theme-main',
    data,
    columns: types.map(column),
    colHeaders: types.map((type, i) => `${type} ${i}`),
    rowHeaders: true,
    width: '100%',
    height: '100%',
    stretchH: 'all',
    autoRowSize: false,
    autoColumnSize: false,
    colWidths: 160,
    rowHeights: 29,
    rowHeaderWidth: 64,
    wordWrap: false,
    contextMenu: true,
    fillHandle: { autoInsertRow: false },
    allowInsertRow: false,
    allowInsertColumn: false,
    allowRemoveRow: false,
    allowRemoveColumn: false,
    outsideClickDeselects: false,
  });
}

start();
