// The rows as Handsontable reads them: one array of shown values per grid row,
// for the rows the store holds; a row not held (a big sheet's rows outside the
// windows fetched, rowlayout.js) is one shared empty array, blank until its
// block comes. So a million-row sheet costs the grid one pointer per row.
import { wrapKey } from './columnwrap.js';
import { shownValue } from './columninfo.js';

export const NOT_HELD = [];

/**
 * {data, rowIds, rowPos, reused}: `data` reuses the array given when the row
 * count is the same (the grid then only renders again); `rowIds` holds the row
 * id of each grid row that is held (undefined for the others). `cols`: the
 * columns in the grid's order (a view's order, columnorder.js).
 */
export function gridRows(store, pending, data, cols = store.columns) {
  const layout = store.layout();
  const { count, rowPos, visuals } = layout;
  const reused = !!data && data.length === count;
  const out = reused ? data : new Array(count);
  out.fill(NOT_HELD);
  const rowIds = new Array(count);
  store.rows.forEach((row, i) => {
    const v = visuals[i];
    rowIds[v] = row.id;
    out[v] = cols.map((c) => shownValue(pending.valueOf(row, c.id)));
  });
  return { data: out, rowIds, rowPos, reused };
}

/** What Handsontable's column settings depend on: unchanged, the grid need not be set up again. */
export function columnsKey(columns, editable, frozen = 0) {
  return `${editable}|${frozen}|${columns.map((c) => [c.id, c.name, c.type, c.formula || '', c.resultType || '', wrapKey(c)].join('\u0001')).join('\u0002')}`;
}
