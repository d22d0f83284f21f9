// A column header says what the column is beyond its name: a formula column
// is marked ƒ (app.css, with "Formula" for screen readers) and its title
// gives the formula ("Formula column: =[Price] * [Qty]"), read on hover and
// as the header's description.
import { headerTitle } from './columninfo.js';

/** Handsontable's afterGetColHeader for the grid adapter `grid` (grid.js). */
export function decorateHeader(grid, col, TH) {
  if (col < 0) return;
  const title = headerTitle(grid.store.column(grid.colIds[col]));
  TH.classList.toggle('col-formula', !!title);
  if (title) TH.title = title;
  else TH.removeAttribute('title');
}
